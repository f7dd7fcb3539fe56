import type { Principal } from '../../model/snapshot.js';
import { readCollectionsBatched } from '../collection.js';
import type { GraphFailure } from '../errors.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';
import { lookUpPrincipals } from './directory-objects.js';
import { directoryObjectSchema, principalFrom } from './shared.js';

export interface GroupMembersOutcome {
  status: 'ok' | 'error';
  /** Direct members of every group read, nested groups included. */
  members: Map<string, string[]>;
  principals: Principal[];
  failure?: GraphFailure;
}

/**
 * Direct members of the given groups, then of every group found among them, level by level, until no
 * new group appears. A group already read is never read again, so membership cycles end.
 */
export async function readGroupMembersTransitively(
  http: GraphHttp,
  groupIds: Iterable<string>,
): Promise<GroupMembersOutcome> {
  const members = new Map<string, string[]>();
  const principals: Principal[] = [];
  let level = [...new Set(groupIds)];
  while (level.length > 0) {
    const outcomes = await readCollectionsBatched(
      http,
      level.map((groupId) =>
        sourceRequest(
          'groupMembers',
          // Properties only one type has, so a member is typed even without `@odata.type` (principalTypeOf).
          { $select: 'id,displayName,userPrincipalName,accountEnabled,isAssignableToRole,appId' },
          { path: `groups/${groupId}/members` },
        ),
      ),
      directoryObjectSchema,
      principalFrom,
    );
    const nextLevel = new Set<string>();
    for (let i = 0; i < level.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome.status === 'error')
        return { status: 'error', members, principals, failure: outcome.failure };
      const groupId = level[i]!;
      members.set(
        groupId,
        outcome.items.map((p) => p.id),
      );
      for (const p of outcome.items) {
        principals.push(p);
        if (p.type === 'group' && !members.has(p.id)) nextLevel.add(p.id);
      }
    }
    level = [...nextLevel].filter((id) => !members.has(id));
  }
  return typeUnknownMembers(http, members, principals);
}

/**
 * Members neither `@odata.type` nor their properties could type are looked up as users, then as service
 * principals, so a user's sign-in activity is still read; what neither finds stays `unknown`.
 */
async function typeUnknownMembers(
  http: GraphHttp,
  members: Map<string, string[]>,
  principals: Principal[],
): Promise<GroupMembersOutcome> {
  const unknown = principals.filter((p) => p.type === 'unknown').map((p) => p.id);
  if (unknown.length === 0) return { status: 'ok', members, principals };
  const lookup = await lookUpPrincipals(http, unknown);
  if (lookup.status === 'error') return { status: 'error', members, principals, failure: lookup.failure };
  const found = new Map(lookup.found.map((p) => [p.id.toLowerCase(), p]));
  return {
    status: 'ok',
    members,
    principals: principals.map((p) => (p.type === 'unknown' ? (found.get(p.id.toLowerCase()) ?? p) : p)),
  };
}
