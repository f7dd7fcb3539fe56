import type { Principal } from '../../model/snapshot.js';
import { chunk } from '../../util/chunk.js';
import { readCollectionsBatched } from '../collection.js';
import type { GraphFailure } from '../errors.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';
import { directoryObjectSchema, odataString, principalFrom } from './shared.js';
import { MAX_IN_VALUES } from './users-by-id.js';

export interface LookupOutcome {
  status: 'ok' | 'error';
  found: Principal[];
  /** Ids that are neither a user nor a service principal: deleted objects. */
  missing: string[];
  failure?: GraphFailure;
}

const KINDS = [
  {
    path: 'users',
    select: 'id,displayName,userPrincipalName,accountEnabled',
    odataType: '#microsoft.graph.user',
  },
  {
    path: 'servicePrincipals',
    select: 'id,displayName,accountEnabled',
    odataType: '#microsoft.graph.servicePrincipal',
  },
] as const;

/**
 * Looks up principals that PIM's own incidents name but no role holding mentions, to tell a deleted
 * principal (PIM's incident is stale) from one that merely holds no role any more. Users first, then
 * service principals for what is left; `id in (...)` lookups need only User.Read.All and
 * Application.Read.All, where getByIds would need Directory.Read.All.
 */
export async function lookUpPrincipals(http: GraphHttp, ids: Iterable<string>): Promise<LookupOutcome> {
  const found: Principal[] = [];
  let remaining = [...new Set(ids)].sort();
  for (const kind of KINDS) {
    if (remaining.length === 0) break;
    const outcomes = await readCollectionsBatched(
      http,
      chunk(remaining, MAX_IN_VALUES).map((part) =>
        sourceRequest(
          'principalLookup',
          { $filter: `id in (${part.map(odataString).join(',')})`, $select: kind.select },
          { path: kind.path },
        ),
      ),
      directoryObjectSchema,
      (raw) => principalFrom({ ...raw, '@odata.type': raw['@odata.type'] ?? kind.odataType }),
    );
    for (const outcome of outcomes) {
      if (outcome.status === 'error')
        return { status: 'error', found, missing: [], failure: outcome.failure };
      found.push(...outcome.items);
    }
    const known = new Set(found.map((p) => p.id.toLowerCase()));
    remaining = remaining.filter((id) => !known.has(id.toLowerCase()));
  }
  return { status: 'ok', found, missing: remaining };
}
