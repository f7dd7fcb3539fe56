import type { Principal } from '../../model/snapshot.js';
import { readCollectionsBatched } from '../collection.js';
import type { GraphFailure } from '../errors.js';
import type { GraphHttp } from '../http.js';
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
      level.map((groupId) => ({
        version: 'v1.0' as const,
        path: `groups/${groupId}/members`,
        query: { $select: 'id,displayName,userPrincipalName,accountEnabled,isAssignableToRole', $top: '999' },
        throttle: 'directory' as const,
        tag: 'groupMembers',
      })),
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
  return { status: 'ok', members, principals };
}
