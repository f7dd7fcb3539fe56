import { z } from 'zod';
import type { AuditRecord, PrincipalType } from '../../model/snapshot.js';
import { type ReadOutcome, readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';
import { nullableString } from './shared.js';

/** The directory's own record of a role assignment, whoever made it. */
export const CORE_ADD_MEMBER_TO_ROLE = 'Add member to role';
/** PIM's record of an assignment it saw being made outside PIM (`... (permanent)`, `... (timebound)`). */
export const PIM_OUTSIDE_PREFIX = 'Add member to role outside of PIM';

const modifiedPropertySchema = z.object({
  displayName: z.string().nullish(),
  oldValue: z.string().nullish(),
  newValue: z.string().nullish(),
});

const auditSchema = z.object({
  id: z.string().min(1),
  activityDisplayName: z.string().default(''),
  activityDateTime: z.string().min(1),
  loggedByService: z.string().nullish(),
  result: z.string().nullish(),
  initiatedBy: z
    .object({
      user: z.object({ id: nullableString, userPrincipalName: nullableString }).nullish(),
      app: z.object({ appId: nullableString, displayName: nullableString }).nullish(),
    })
    .nullish(),
  targetResources: z
    .array(
      z.object({
        id: nullableString,
        displayName: nullableString,
        type: nullableString,
        Type: nullableString,
        userPrincipalName: nullableString,
        modifiedProperties: z.array(modifiedPropertySchema).nullish(),
      }),
    )
    .default([]),
});

/**
 * Audit target types that name a principal. Microsoft documents User, Device, Directory, App, Role, Group,
 * Policy and Other, with `App` for a service principal
 * (https://learn.microsoft.com/en-us/graph/api/resources/targetresource); real records also write
 * `ServicePrincipal`. Compared without case: Microsoft's own example even capitalises the key (`Type`).
 */
const PRINCIPAL_TARGET_TYPES: Readonly<Record<string, PrincipalType>> = {
  user: 'user',
  group: 'group',
  app: 'servicePrincipal',
  serviceprincipal: 'servicePrincipal',
};

/** The principal type an audit target's `type` names, or undefined for roles, policies, the directory... */
export function principalTargetType(type: string | null | undefined): PrincipalType | undefined {
  return PRINCIPAL_TARGET_TYPES[(type ?? '').toLowerCase()];
}

/** `modifiedProperties` values are JSON-encoded strings (`"\"62e9...\""`); unwrap them. */
function unquote(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' ? parsed : value;
  } catch {
    return value;
  }
}

function toAuditRecord(a: z.infer<typeof auditSchema>): AuditRecord {
  const properties = a.targetResources.flatMap((t) => t.modifiedProperties ?? []);
  const property = (name: string) => {
    const p = properties.find((m) => m.displayName === name);
    return p ? (unquote(p.newValue) ?? unquote(p.oldValue)) : null;
  };
  // The principal is the target that is not the role object itself.
  const target = a.targetResources.find((t) => principalTargetType(t.type ?? t.Type) && t.id);
  return {
    id: a.id,
    activityDisplayName: a.activityDisplayName,
    activityDateTime: new Date(a.activityDateTime).toISOString(),
    loggedByService: a.loggedByService ?? '',
    result: (a.result ?? '').toLowerCase(),
    initiatedBy: {
      userId: a.initiatedBy?.user?.id ?? null,
      userPrincipalName: a.initiatedBy?.user?.userPrincipalName ?? null,
      appId: a.initiatedBy?.app?.appId ?? null,
      appDisplayName: a.initiatedBy?.app?.displayName ?? null,
    },
    target: target
      ? {
          id: target.id!,
          type: principalTargetType(target.type ?? target.Type) ?? 'unknown',
          displayName: target.displayName,
          userPrincipalName: target.userPrincipalName,
        }
      : null,
    roleTemplateId: property('Role.TemplateId'),
    roleDisplayName: property('Role.DisplayName'),
  };
}

/**
 * The audit records that can show a role assignment made outside PIM, filtered on the server by
 * activity and date (never read whole: audit reads share a tight 5-per-10-seconds throttle).
 * Graph's `$filter` has no `or` here, so the two activities are two queries.
 */
export async function readRoleAssignmentAudits(
  http: GraphHttp,
  since: Date,
): Promise<ReadOutcome<AuditRecord>> {
  const from = since.toISOString();
  const queries = [
    `activityDisplayName eq '${CORE_ADD_MEMBER_TO_ROLE}' and activityDateTime ge ${from}`,
    `startswith(activityDisplayName,'${PIM_OUTSIDE_PREFIX}') and activityDateTime ge ${from}`,
  ];
  const outcomes = await Promise.all(
    queries.map((filter) =>
      readCollection(
        http,
        // directoryAudits documents no $select; the records are small.
        sourceRequest('directoryAudits', { $filter: filter }, { throttle: 'reports' }),
        auditSchema,
        toAuditRecord,
      ),
    ),
  );
  const failed = outcomes.find((o) => o.status === 'error');
  if (failed) return failed;
  const seen = new Set<string>();
  const items: AuditRecord[] = [];
  for (const o of outcomes) {
    if (o.status !== 'ok') continue;
    for (const record of o.items) {
      if (!seen.has(record.id)) {
        seen.add(record.id);
        items.push(record);
      }
    }
  }
  return { status: 'ok', items };
}
