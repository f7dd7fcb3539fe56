import { z } from 'zod';
import type { GroupActivation, GroupMembershipInstance, Principal } from '../../model/snapshot.js';
import { tookEffect } from '../activation-history.js';
import { readCollectionsBatched } from '../collection.js';
import type { GraphFailure } from '../errors.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';
import { PIM_GROUPS } from '../sources.js';
import { requestScheduleFields, requestWindow } from './schedule-requests.js';
import { directoryObjectSchema, graphDateTime, nullableString, principalFrom } from './shared.js';

/**
 * PIM for Groups: who is an eligible or active member of a group (design section 8). Graph lists these
 * only per group or per principal: "This method requires the $filter (eq) query parameter to scope the
 * request to a principalId or a groupId"
 * (https://learn.microsoft.com/en-us/graph/api/privilegedaccessgroup-list-eligibilityscheduleinstances,
 * https://learn.microsoft.com/en-us/graph/api/privilegedaccessgroup-list-assignmentscheduleinstances).
 * Only `eq` is documented, not `in`, so each group is one request; the requests go out in `$batch`es.
 * Properties and enum values (`accessId` member/owner, `assignmentType` assigned/activated):
 * https://learn.microsoft.com/en-us/graph/api/resources/privilegedaccessgroupeligibilityscheduleinstance
 * https://learn.microsoft.com/en-us/graph/api/resources/privilegedaccessgroupassignmentscheduleinstance
 */

const instanceSchema = z.object({
  id: z.string().min(1),
  groupId: z.string().min(1),
  principalId: z.string().min(1),
  accessId: z.string().min(1),
  assignmentType: nullableString,
  startDateTime: graphDateTime,
  endDateTime: graphDateTime,
  principal: directoryObjectSchema.nullish(),
});

/** An instance as read, with the member it names (expanded, so its type and sign-in can be known). */
export type RawGroupMembership = GroupMembershipInstance & { principal: Principal | null };

function toInstance(source: GroupMembershipInstance['source']) {
  return (raw: z.infer<typeof instanceSchema>): RawGroupMembership => {
    // Microsoft's tables write `activated`, its examples `Activated`: compared without case.
    const type = raw.assignmentType?.toLowerCase();
    return {
      id: raw.id,
      source,
      groupId: raw.groupId,
      principalId: raw.principalId,
      accessId: raw.accessId.toLowerCase(),
      assignmentType: type === 'activated' ? 'Activated' : type === 'assigned' ? 'Assigned' : null,
      startDateTime: raw.startDateTime,
      endDateTime: raw.endDateTime,
      principal: raw.principal ? principalFrom(raw.principal) : null,
    };
  };
}

/** One collection of PIM for Groups instances, with the source it counts toward. */
const COLLECTIONS = [
  {
    tag: 'pimGroupEligibilities',
    source: 'eligibilityInstance',
    select: 'id,groupId,principalId,accessId,startDateTime,endDateTime',
  },
  {
    tag: 'pimGroupAssignments',
    source: 'assignmentInstance',
    select: 'id,groupId,principalId,accessId,assignmentType,startDateTime,endDateTime',
  },
] as const;

export interface PimGroupSourceOutcome {
  status: 'ok' | 'error' | 'skipped';
  items: RawGroupMembership[];
  /** Groups whose instances could not be read (all of them, once one request fails). */
  unread: string[];
  failure?: GraphFailure;
}

export interface PimGroupMembershipsOutcome {
  eligibilities: PimGroupSourceOutcome;
  assignments: PimGroupSourceOutcome;
}

/**
 * Eligible and active PIM for Groups memberships of the given groups (those that hold a role; none are
 * read for other groups). Members and owners both come back; owners are dropped by the holdings, which
 * keeps what Graph said visible in a capture. Without groups, nothing is read and both are `skipped`.
 */
export async function readPimGroupMemberships(
  http: GraphHttp,
  groupIds: Iterable<string>,
): Promise<PimGroupMembershipsOutcome> {
  const groups = [...new Set(groupIds)];
  const [eligibilities, assignments] = await Promise.all(
    COLLECTIONS.map(async (collection): Promise<PimGroupSourceOutcome> => {
      if (groups.length === 0) return { status: 'skipped', items: [], unread: [] };
      const outcomes = await readCollectionsBatched(
        http,
        groups.map((groupId) =>
          sourceRequest(collection.tag, {
            $filter: `groupId eq '${groupId}'`,
            $select: collection.select,
            $expand: 'principal',
          }),
        ),
        instanceSchema,
        toInstance(collection.source),
      );
      const failed = outcomes.find((o) => o.status === 'error');
      if (failed?.status === 'error') {
        return { status: 'error', items: [], unread: groups, failure: failed.failure };
      }
      return { status: 'ok', items: outcomes.flatMap((o) => (o.status === 'ok' ? o.items : [])), unread: [] };
    }),
  );
  return { eligibilities: eligibilities!, assignments: assignments! };
}

const groupRequestSchema = z.object({
  ...requestScheduleFields,
  groupId: z.string().min(1),
  accessId: z.string().default(''),
});

/**
 * A membership self-activation that took effect, as a group activation; anything else (owners, admin
 * actions, denied requests) is not one.
 * https://learn.microsoft.com/en-us/graph/api/resources/privilegedaccessgroupassignmentschedulerequest
 */
function toGroupActivation(r: z.infer<typeof groupRequestSchema>): GroupActivation | undefined {
  const window = requestWindow(r);
  const self = r.action.toLowerCase() === 'selfactivate';
  const succeeded = tookEffect(r);
  if (!window || !self || !succeeded || r.accessId.toLowerCase() !== 'member') return undefined;
  return {
    record: { kind: 'scheduleRequest', id: r.id },
    principalId: r.principalId,
    groupId: r.groupId,
    startDateTime: window.start,
    endDateTime: window.end,
  };
}

/**
 * Membership activations of the given groups from PIM for Groups' schedule requests, readable with the
 * same read-only permission as the active memberships (so counted with them), unlike the role requests
 * (https://learn.microsoft.com/en-us/graph/api/privilegedaccessgroup-list-assignmentschedulerequests).
 */
export async function readPimGroupActivationRequests(
  http: GraphHttp,
  groupIds: readonly string[],
): Promise<{ status: 'ok'; items: GroupActivation[] } | { status: 'error'; failure: GraphFailure }> {
  if (groupIds.length === 0) return { status: 'ok', items: [] };
  const outcomes = await readCollectionsBatched(
    http,
    groupIds.map((groupId) =>
      sourceRequest(
        'pimGroupAssignments',
        {
          $filter: `groupId eq '${groupId}'`,
          $select: 'id,action,status,principalId,groupId,accessId,createdDateTime,scheduleInfo',
        },
        { path: `${PIM_GROUPS}/assignmentScheduleRequests` },
      ),
    ),
    groupRequestSchema,
    toGroupActivation,
  );
  const items: GroupActivation[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === 'error') return outcome;
    for (const item of outcome.items) if (item) items.push(item);
  }
  return { status: 'ok', items };
}
