import { MEMBERS_PATH } from '../fixture-format/paths.js';
import type { Fault, TenantFixture } from '../fixture-format/schema.js';
import type { GraphFailure, GraphResult } from '../graph/errors.js';
import { type GraphRequestSpec, type GraphResponse, pathOf } from '../graph/http.js';

type GraphObject = Record<string, unknown>;

/** `<collection>/<id>/<navigation>`: a navigation read on its own, folded back into its object. */
const SUB_COLLECTION = /^(.+)\/([^/]+)\/([^/]+)$/;

/** Where a principal of each `@odata.type` lives in a fixture. */
const PRINCIPAL_COLLECTIONS: Readonly<Record<string, string>> = {
  '#microsoft.graph.user': 'users',
  '#microsoft.graph.group': 'groups',
  '#microsoft.graph.servicePrincipal': 'servicePrincipals',
};

/**
 * Records the Graph answers a scan reads, at the HTTP layer (every GET's final outcome, `$batch` items
 * one by one), so that any source the scan reads is captured without code of its own. Pages of one
 * collection are merged, and an object read twice (with different `$select`s) keeps every property seen.
 */
export class FixtureRecorder {
  private readonly collections = new Map<string, Map<string, GraphObject>>();
  private readonly faults = new Map<string, Fault>();

  /** The observer to hand to the Graph session (`onResult`). */
  readonly observe = (spec: GraphRequestSpec, result: GraphResult<GraphResponse>): void => {
    if ((spec.method ?? 'GET') !== 'GET') return;
    const path = decodeURIComponent(pathOf(spec));
    if (!result.ok) {
      this.faults.set(path, faultOf(result.failure));
      return;
    }
    const value = (result.value.body as { value?: unknown } | null)?.value;
    if (!Array.isArray(value)) return;
    const items = this.collection(path);
    const implied = equalitiesOf(spec);
    for (const raw of value) {
      if (raw && typeof raw === 'object') mergeInto(items, { ...implied, ...(raw as GraphObject) });
    }
  };

  /**
   * The recording as a tenant fixture: sub-collections (an alert's incidents) inline in their parent,
   * expanded principals and listed members in their own collections, and every principal a grant, member
   * list or incident names but Graph could not show listed as deleted, as the fixture rules ask.
   */
  toFixture(tenantId: string, referenceTime: Date): TenantFixture {
    const resources = new Map([...this.collections].map(([path, items]) => [path, [...items.values()]]));
    foldSubCollections(resources);
    this.extractPrincipals(resources);
    const deleted = missingPrincipals(resources);
    const faults = Object.fromEntries(this.faults);
    return {
      tenantId,
      description: `Captured by pimwatch capture at ${referenceTime.toISOString()}`,
      referenceTime: referenceTime.toISOString(),
      resources: Object.fromEntries([...resources].sort(([a], [b]) => a.localeCompare(b))),
      ...(deleted.length > 0 ? { deletedObjects: deleted.map((id) => ({ id })) } : {}),
      ...(this.faults.size > 0 ? { faults } : {}),
    };
  }

  private collection(path: string): Map<string, GraphObject> {
    let items = this.collections.get(path);
    if (!items) {
      items = new Map();
      this.collections.set(path, items);
    }
    return items;
  }

  /**
   * The emulator resolves `principal` by id, so an expanded principal moves to its collection (it may be
   * the only read of that object); members are copied there too, since a member list's group and members
   * must exist in the fixture.
   */
  private extractPrincipals(resources: Map<string, GraphObject[]>): void {
    const found: GraphObject[] = [];
    for (const [path, items] of resources) {
      if (MEMBERS_PATH.test(path)) found.push(...items);
      for (const item of items) {
        const principal = item.principal;
        if (principal && typeof principal === 'object') found.push(principal as GraphObject);
        delete item.principal;
      }
    }
    const byCollection = new Map<string, Map<string, GraphObject>>();
    for (const [path, items] of resources) {
      if (Object.values(PRINCIPAL_COLLECTIONS).includes(path)) {
        byCollection.set(path, new Map(items.map((item) => [keyOf(item), item])));
      }
    }
    for (const principal of found) {
      const { '@odata.type': odataType, ...rest } = principal;
      const path = PRINCIPAL_COLLECTIONS[String(odataType)] ?? collectionByProperties(rest);
      if (!path || typeof rest.id !== 'string') continue;
      let items = byCollection.get(path);
      if (!items) {
        items = new Map();
        byCollection.set(path, items);
      }
      mergeInto(items, rest);
    }
    for (const [path, items] of byCollection) resources.set(path, [...items.values()]);
  }
}

/**
 * `prop eq 'value'` clauses of the request's `$filter`: every item answered has that value, even where
 * `$select` left the property out, and the replay filters on it again (alerts and policies by scope).
 */
function equalitiesOf(spec: GraphRequestSpec): GraphObject {
  const filter = /^https:\/\//.test(spec.path)
    ? new URL(spec.path).searchParams.get('$filter')
    : spec.query?.$filter;
  const out: GraphObject = {};
  for (const clause of (filter ?? '').split(/\s+and\s+/i)) {
    const match = /^\s*\(?\s*([A-Za-z][\w]*)\s+eq\s+'((?:[^']|'')*)'\s*\)?\s*$/.exec(clause);
    if (match) out[match[1]!] = match[2]!.replace(/''/g, "'");
  }
  return out;
}

function keyOf(item: GraphObject): string {
  return typeof item.id === 'string' ? item.id.toLowerCase() : JSON.stringify(item);
}

function mergeInto(items: Map<string, GraphObject>, item: GraphObject): void {
  const key = keyOf(item);
  items.set(key, { ...items.get(key), ...item });
}

/** A type told from properties only one type has, as the readers do when `@odata.type` is missing. */
function collectionByProperties(item: GraphObject): string | undefined {
  if (typeof item.userPrincipalName === 'string') return 'users';
  if (typeof item.isAssignableToRole === 'boolean') return 'groups';
  if (typeof item.appId === 'string') return 'servicePrincipals';
  return undefined;
}

/**
 * A failed read replays as the same failure. Failures that were not an HTTP answer (timeouts, broken
 * bodies) replay as a 503; `retryAfter: 0` keeps the replay's retries from waiting.
 */
function faultOf(failure: GraphFailure): Fault {
  const status = failure.kind === 'http' && failure.status !== undefined ? failure.status : 503;
  return {
    status,
    ...(failure.code ? { code: failure.code } : {}),
    message: `captured ${failure.kind} failure: ${failure.message}`,
    ...(status === 429 || status >= 500 ? { retryAfter: 0 } : {}),
  };
}

/** `alerts/<id>/alertIncidents` becomes the `alertIncidents` of that alert (navigations inline). */
function foldSubCollections(resources: Map<string, GraphObject[]>): void {
  for (const [path, items] of [...resources]) {
    if (MEMBERS_PATH.test(path)) continue;
    const match = SUB_COLLECTION.exec(path);
    const parent = match && resources.get(match[1]!);
    if (!match || !parent) continue;
    const owner = parent.find((item) => keyOf(item) === match[2]!.toLowerCase());
    if (!owner) continue;
    owner[match[3]!] = items;
    resources.delete(path);
  }
}

/** Ids that grants, member lists and incidents name but no principal collection holds. */
function missingPrincipals(resources: Map<string, GraphObject[]>): string[] {
  const known = new Set<string>();
  for (const path of Object.values(PRINCIPAL_COLLECTIONS)) {
    for (const item of resources.get(path) ?? []) known.add(keyOf(item));
  }
  const named = new Set<string>();
  const note = (id: unknown) => {
    if (typeof id === 'string' && !known.has(id.toLowerCase())) named.add(id);
  };
  for (const [path, items] of resources) {
    for (const item of items) {
      if (MEMBERS_PATH.test(path)) note(item.id);
      note(item.principalId);
      for (const incident of Array.isArray(item.alertIncidents) ? item.alertIncidents : []) {
        note((incident as GraphObject).assigneeId);
      }
    }
  }
  return [...named].sort();
}
