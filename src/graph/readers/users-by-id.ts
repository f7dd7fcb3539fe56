import { z } from 'zod';
import type { Principal, SignInActivity } from '../../model/snapshot.js';
import { chunk } from '../../util/chunk.js';
import { readCollectionsBatched } from '../collection.js';
import type { GraphFailure } from '../errors.js';
import type { GraphHttp } from '../http.js';
import { graphDateTime, nullableString, odataString } from './shared.js';

/** Graph's limit on values in one `in (...)` filter. */
export const MAX_IN_VALUES = 15;

const userSchema = z.object({
  id: z.string().min(1),
  displayName: nullableString,
  userPrincipalName: nullableString,
  accountEnabled: z.boolean().nullish(),
  signInActivity: z
    .object({
      lastSignInDateTime: graphDateTime,
      lastNonInteractiveSignInDateTime: graphDateTime,
      lastSuccessfulSignInDateTime: graphDateTime,
    })
    .nullish(),
});

export interface UsersWithSignInOutcome {
  status: 'ok' | 'error';
  users: Principal[];
  signIns: Map<string, SignInActivity>;
  /** Ids asked for that Graph did not return: deleted users. */
  missing: string[];
  failure?: GraphFailure;
}

/**
 * Sign-in activity of the given users only (never of every user): 15 ids per `in` filter, requests
 * batched. These reads draw on Graph's tightest throttle (sign-in activity, 10 a minute), which the
 * client paces itself.
 */
export async function readUsersWithSignIn(
  http: GraphHttp,
  userIds: Iterable<string>,
): Promise<UsersWithSignInOutcome> {
  const ids = [...new Set(userIds)].sort();
  const chunks = chunk(ids, MAX_IN_VALUES);
  const outcomes = await readCollectionsBatched(
    http,
    chunks.map((part) => ({
      version: 'v1.0' as const,
      path: 'users',
      query: {
        $filter: `id in (${part.map(odataString).join(',')})`,
        $select: 'id,displayName,userPrincipalName,accountEnabled,signInActivity',
      },
      throttle: 'signInActivity' as const,
      tag: 'signInActivity',
    })),
    userSchema,
    (u) => u,
  );
  const users: Principal[] = [];
  const signIns = new Map<string, SignInActivity>();
  for (const outcome of outcomes) {
    if (outcome.status === 'error')
      return { status: 'error', users, signIns, missing: [], failure: outcome.failure };
    for (const u of outcome.items) {
      users.push({
        id: u.id,
        type: 'user',
        displayName: u.displayName,
        userPrincipalName: u.userPrincipalName,
        accountEnabled: u.accountEnabled ?? null,
      });
      // Graph omits signInActivity for users who never signed in (or not since April 2020).
      signIns.set(u.id, {
        lastSignInDateTime: u.signInActivity?.lastSignInDateTime ?? null,
        lastNonInteractiveSignInDateTime: u.signInActivity?.lastNonInteractiveSignInDateTime ?? null,
        lastSuccessfulSignInDateTime: u.signInActivity?.lastSuccessfulSignInDateTime ?? null,
      });
    }
  }
  const returned = new Set(users.map((u) => u.id.toLowerCase()));
  return { status: 'ok', users, signIns, missing: ids.filter((id) => !returned.has(id.toLowerCase())) };
}
