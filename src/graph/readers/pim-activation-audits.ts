import { z } from 'zod';
import { type ReadOutcome, readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';
import { principalTargetType } from './directory-audits.js';

/**
 * PIM's own audit record of a completed self-activation: the fallback source of activation history when
 * the schedule requests cannot be read (they need a write permission; design section 7).
 *
 * Record shape, as far as Microsoft and published examples show it (what stays unconfirmed is listed in
 * docs/unconfirmed-graph-facts.md, "Activation history from PIM's audit records"):
 * - activity `Add member to role completed (PIM activation)`, category `RoleManagement` for Entra roles
 *   (`GroupManagement` for PIM for Groups, `ResourceManagement` for Azure resource roles), listed in
 *   https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-audit-activities
 * - `loggedByService` `PIM`; the directoryAudit page's example says `Privileged Identity Management`, so
 *   both are accepted: https://learn.microsoft.com/en-us/graph/api/resources/directoryaudit
 * - `targetResources`: the role (type `Role`), the request (`Request`), the user (`User`), the directory.
 * - `additionalDetails`: `RoleDefinitionOriginId`, `TemplateId`, `StartTime`, `ExpirationTime`,
 *   `RequestId`, `Justification`, ... UNCONFIRMED (docs/unconfirmed-graph-facts.md): key names come
 *   from published examples, not from a Microsoft reference page.
 */
export const PIM_ACTIVATION_COMPLETED = 'Add member to role completed (PIM activation)';

/**
 * `loggedByService` spellings PIM's records are known by (compared without case). Which one Graph
 * returns is UNCONFIRMED (docs/unconfirmed-graph-facts.md), so both are accepted.
 */
export const PIM_SERVICE_NAMES = ['PIM', 'Privileged Identity Management'] as const;

/** How long Entra keeps audit records with Entra ID P1/P2 (Free: 7 days). */
export const AUDIT_RETENTION_DAYS = 30;
export const AUDIT_RETENTION_MS = AUDIT_RETENTION_DAYS * 24 * 60 * 60 * 1000;

const detailSchema = z.object({ key: z.string().nullish(), value: z.string().nullish() });
const targetSchema = z.object({
  id: z.string().nullish(),
  displayName: z.string().nullish(),
  // Microsoft's own example capitalises `Type`; live records write `type`.
  type: z.string().nullish(),
  Type: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
  modifiedProperties: z
    .array(z.object({ displayName: z.string().nullish(), newValue: z.string().nullish() }))
    .nullish(),
});

/** Loose on purpose: which parts are missing is the parser's business, so it can say what it missed. */
export const pimAuditSchema = z.object({
  id: z.string().min(1),
  category: z.string().nullish(),
  result: z.string().nullish(),
  activityDisplayName: z.string().nullish(),
  activityDateTime: z.string().nullish(),
  loggedByService: z.string().nullish(),
  initiatedBy: z.object({ user: z.object({ id: z.string().nullish() }).nullish() }).nullish(),
  targetResources: z.array(targetSchema).nullish(),
  additionalDetails: z.array(detailSchema).nullish(),
});
export type RawPimAudit = z.infer<typeof pimAuditSchema>;

/** A role activation read from one record; the role may still be a definition id (the snapshot normalises it). */
export interface AuditedActivation {
  recordId: string;
  principalId: string;
  /** The role activated (category `RoleManagement`), or the group whose membership was (`GroupManagement`). */
  target: { kind: 'role'; roleDefinitionId: string } | { kind: 'group'; groupId: string };
  startDateTime: string;
  endDateTime: string;
  requestId: string | null;
}

/**
 * What one record says: a role or PIM for Groups membership activation; a record this history does not
 * use (with why: Azure resource roles, failures, other services); or a record that should be a role activation but
 * lacks what makes one, naming what is missing. Nothing is dropped without a reason.
 */
export type PimAuditReading =
  | { kind: 'activation'; activation: AuditedActivation }
  | { kind: 'ignored'; reason: string }
  | { kind: 'unreadable'; cause: string };

const same = (a: string | null | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

function detail(record: RawPimAudit, key: string): string | null {
  const found = (record.additionalDetails ?? []).find((d) => same(d.key, key));
  return found?.value?.trim() ? found.value.trim() : null;
}

function roleTarget(record: RawPimAudit) {
  return (record.targetResources ?? []).find((t) => same(t.type ?? t.Type, 'Role') && t.id);
}

/**
 * The group whose membership a `GroupManagement` record activated: its `Group` target.
 * UNCONFIRMED (docs/unconfirmed-graph-facts.md) that PIM for Groups records name the group this way.
 */
function groupTarget(record: RawPimAudit): string | null {
  return (record.targetResources ?? []).find((t) => same(t.type ?? t.Type, 'Group') && t.id)?.id ?? null;
}

/** The principal the activation is for: a user (or, should PIM write one, a service principal). */
function principalTarget(record: RawPimAudit) {
  return (record.targetResources ?? []).find((t) => {
    const type = principalTargetType(t.type ?? t.Type);
    return t.id && (type === 'user' || type === 'servicePrincipal');
  });
}

/** `modifiedProperties` values are JSON-encoded strings (`"\"62e9...\""`). */
function unquote(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' && parsed ? parsed : null;
  } catch {
    return value;
  }
}

function isoOrNull(value: string | null): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Which role: the definition id PIM records, else the template id, else the role target's own id. */
function roleOf(record: RawPimAudit): string | null {
  const role = roleTarget(record);
  const property = (name: string) =>
    unquote((role?.modifiedProperties ?? []).find((p) => same(p.displayName, name))?.newValue);
  return (
    detail(record, 'RoleDefinitionOriginId') ??
    property('RoleDefinitionOriginId') ??
    detail(record, 'TemplateId') ??
    property('TemplateId') ??
    role?.id ??
    null
  );
}

function whyIgnored(record: RawPimAudit): string | undefined {
  if (!same(record.activityDisplayName, PIM_ACTIVATION_COMPLETED))
    return `activity '${record.activityDisplayName ?? ''}' is not a completed activation`;
  if (!PIM_SERVICE_NAMES.some((name) => same(record.loggedByService, name)))
    return `logged by '${record.loggedByService ?? ''}', not PIM`;
  if (!same(record.result, 'success')) return `result '${record.result ?? ''}'`;
  if (!same(record.category, 'RoleManagement') && !same(record.category, 'GroupManagement'))
    return `category '${record.category ?? ''}' is neither an Entra role nor PIM for Groups`;
  return undefined;
}

/** Reads one audit record as a role or group membership activation, or says why it is not one. */
export function readPimActivationRecord(record: RawPimAudit): PimAuditReading {
  const ignored = whyIgnored(record);
  if (ignored) return { kind: 'ignored', reason: ignored };
  const missing: string[] = [];
  // A self-activation is made by the user it activates; the user target is the authority.
  const principalId = principalTarget(record)?.id ?? record.initiatedBy?.user?.id ?? null;
  if (!principalId) missing.push('the principal (a User target or initiatedBy.user.id)');
  const forGroup = same(record.category, 'GroupManagement');
  const targetId = forGroup ? groupTarget(record) : roleOf(record);
  if (!targetId)
    missing.push(
      forGroup
        ? 'the group (a Group target)'
        : 'the role (a Role target, RoleDefinitionOriginId or TemplateId)',
    );
  const start = isoOrNull(detail(record, 'StartTime'));
  if (!start) missing.push('additionalDetails StartTime');
  const end = isoOrNull(detail(record, 'ExpirationTime'));
  if (!end) missing.push('additionalDetails ExpirationTime');
  if (!principalId || !targetId || !start || !end)
    return { kind: 'unreadable', cause: `audit record ${record.id} lacks ${missing.join('; ')}` };
  return {
    kind: 'activation',
    activation: {
      recordId: record.id,
      principalId,
      target: forGroup ? { kind: 'group', groupId: targetId } : { kind: 'role', roleDefinitionId: targetId },
      startDateTime: start,
      endDateTime: end,
      requestId: detail(record, 'RequestId') ?? detail(record, 'RoleAssignmentRequestId'),
    },
  };
}

/**
 * Completed role activations from `since`, filtered on the server by activity and date (the audit log is
 * never read whole: its reads share a 5-per-10-seconds throttle). The service is checked here rather than
 * in the filter, because Microsoft's pages and live records spell it differently.
 * A record that should be an activation but cannot be read fails the source, naming the record: a
 * history with holes would make RedundantAssignment fire on users who did activate.
 */
export async function readPimActivationAudits(
  http: GraphHttp,
  since: Date,
): Promise<ReadOutcome<AuditedActivation>> {
  const outcome = await readCollection(
    http,
    sourceRequest(
      'pimActivationAudits',
      {
        $filter: `activityDisplayName eq '${PIM_ACTIVATION_COMPLETED}' and activityDateTime ge ${since.toISOString()}`,
      },
      { throttle: 'reports' },
    ),
    pimAuditSchema,
    readPimActivationRecord,
  );
  if (outcome.status !== 'ok') return outcome;
  const items: AuditedActivation[] = [];
  for (const reading of outcome.items) {
    if (reading.kind === 'unreadable') {
      return {
        status: 'error',
        failure: {
          kind: 'invalidResponse',
          method: 'GET',
          path: 'auditLogs/directoryAudits',
          version: 'v1.0',
          message: `${reading.cause} (UNCONFIRMED record shape, see docs/unconfirmed-graph-facts.md)`,
        },
      };
    }
    if (reading.kind === 'activation') items.push(reading.activation);
  }
  return { status: 'ok', items };
}
