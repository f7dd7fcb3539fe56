import {
  contextPathOf,
  type EntityKind,
  GROUP_OR_PRINCIPAL_FILTER_REQUIRED,
  SCOPE_FILTER_REQUIRED,
} from './entity-model.js';
import { GraphRequestError, resourceNotFound, unsupportedQuery } from './graph-error.js';
import { type PageLimits, pageLimitsFor } from './graph-limits.js';
import type { GraphRequest, GraphResponse } from './graph-request.js';
import { navigationAwareReader } from './navigation.js';
import {
  evaluateFilter,
  type FilterLiteral,
  type FilterNode,
  filterPaths,
  parseFilter,
  topLevelClauses,
} from './odata-filter.js';
import { contextSuffix, type Projection, parseProjection } from './odata-projection.js';
import { decodeSkipToken, encodeSkipToken } from './page-token.js';
import { normaliseProjection, projectItem } from './project-item.js';
import type { Collection, GraphObject, TenantStore } from './tenant-store.js';

export interface ReaderContext {
  store: TenantStore;
  baseUrl: string;
  pageSizes: Readonly<Record<string, number>> | undefined;
}

/** A collection resolved from a request path, with the entity type its items have. */
export interface CollectionSource {
  path: string;
  normalisedPath: string;
  kind: EntityKind;
  collection: Collection;
}

const LIST_OPTIONS: ReadonlySet<string> = new Set([
  '$select',
  '$expand',
  '$filter',
  '$top',
  '$skip',
  '$skiptoken',
  '$count',
]);
const ITEM_OPTIONS: ReadonlySet<string> = new Set(['$select', '$expand']);

/** The `$select`/`$expand` asked for, once the query has been checked for options this request cannot take. */
function checkedProjection(
  req: GraphRequest,
  source: CollectionSource,
  allowed: ReadonlySet<string>,
  single: boolean,
) {
  checkQueryOptions(req.query, allowed, single);
  return normaliseProjection(source.kind, readProjection(req.query));
}

/** GET on a collection: filter, page, shape. */
export function readCollection(
  ctx: ReaderContext,
  req: GraphRequest,
  source: CollectionSource,
): GraphResponse {
  const projection = checkedProjection(req, source, LIST_OPTIONS, false);
  const filterText = req.query.get('$filter');
  const filter = filterText === null ? undefined : parseFilter(filterText);
  if (SCOPE_FILTER_REQUIRED.has(source.normalisedPath) && !hasDirectoryRoleScope(filter)) {
    throw new GraphRequestError(
      400,
      'BadRequest',
      `The $filter query option must restrict ${source.path} to scopeId eq '/' and scopeType eq 'DirectoryRole'.`,
    );
  }
  if (GROUP_OR_PRINCIPAL_FILTER_REQUIRED.has(source.normalisedPath) && !pinsGroupOrPrincipal(filter)) {
    // The wording of Graph's refusal is UNCONFIRMED (docs/unconfirmed-graph-facts.md); the status is documented.
    throw new GraphRequestError(
      400,
      'BadRequest',
      `The $filter query option must restrict ${source.path} to groupId eq '...' or principalId eq '...'.`,
    );
  }
  const signInActivity = source.kind === 'user' && touchesSignInActivity(projection, filter);
  const limits = pageLimitsFor(source.path, { signInActivity, pageSizes: ctx.pageSizes });
  const pageSize = pageSizeFor(req.query.get('$top'), limits);
  if (limits.nextLinkParam !== '$skip' && req.query.has('$skip')) {
    throw unsupportedQuery(`'$skip' is not supported by the service for ${source.path}.`);
  }

  const candidates = candidatesFor(source.collection, filter);
  const reader = navigationAwareReader(ctx.store, source.kind);
  const matches = (item: GraphObject) => filter === undefined || evaluateFilter(filter, item, reader);
  const skip = limits.nextLinkParam === '$skip' ? nonNegativeInteger(req.query.get('$skip'), '$skip') : 0;
  const skipToken = req.query.get('$skiptoken');
  const start = skipToken === null ? 0 : decodeSkipToken(skipToken);

  const page: GraphObject[] = [];
  let nextPosition: number | undefined;
  let skipped = 0;
  for (let position = start; position < candidates.length; position++) {
    const item = candidates[position]!;
    if (!matches(item)) continue;
    if (skipped < skip) {
      skipped++;
      continue;
    }
    if (page.length === pageSize) {
      nextPosition = position;
      break;
    }
    page.push(item);
  }

  const body: Record<string, unknown> = {
    '@odata.context': `${contextUrl(ctx, req, source.path)}${contextSuffix(projection)}`,
  };
  if (req.query.get('$count') === 'true' && skipToken === null && skip === 0) {
    body['@odata.count'] = candidates.reduce((n, item) => (matches(item) ? n + 1 : n), 0);
  }
  body.value = page.map((item) => projectItem(ctx.store, item, source.kind, projection));
  if (nextPosition !== undefined) {
    body['@odata.nextLink'] =
      limits.nextLinkParam === '$skip'
        ? nextLink(ctx, req, '$skip', String(skip + page.length))
        : nextLink(ctx, req, '$skiptoken', encodeSkipToken(nextPosition));
  }
  return { status: 200, headers: {}, body };
}

/** GET on one object of a collection. */
export function readItem(
  ctx: ReaderContext,
  req: GraphRequest,
  source: CollectionSource,
  itemId: string,
): GraphResponse {
  const projection = checkedProjection(req, source, ITEM_OPTIONS, true);
  const item = source.collection.get(itemId);
  if (!item) throw resourceNotFound(itemId);
  return {
    status: 200,
    headers: {},
    body: {
      '@odata.context': `${contextUrl(ctx, req, source.path)}${contextSuffix(projection)}/$entity`,
      ...projectItem(ctx.store, item, source.kind, projection),
    },
  };
}

function readProjection(query: URLSearchParams): Projection {
  return parseProjection(query.get('$select'), query.get('$expand'));
}

function checkQueryOptions(query: URLSearchParams, allowed: ReadonlySet<string>, isItem: boolean): void {
  for (const key of query.keys()) {
    if (!key.startsWith('$') || allowed.has(key)) continue;
    if (isItem && LIST_OPTIONS.has(key)) {
      throw new GraphRequestError(
        400,
        'BadRequest',
        'The query specified in the URI is not valid. The requested resource is not a collection. Query options $filter, $orderby, $count, $skip, and $top can be applied only on collections.',
      );
    }
    throw unsupportedQuery(`The query option '${key}' is not supported by the emulated service.`);
  }
}

function pageSizeFor(top: string | null, limits: PageLimits): number {
  if (!limits.paged) return Number.POSITIVE_INFINITY;
  if (top === null || !limits.topHonoured) return limits.defaultSize;
  const value = Number(top);
  if (!Number.isInteger(value) || value < 1 || value > limits.topLimit) {
    if (Number.isFinite(limits.topLimit)) {
      throw unsupportedQuery(
        `Invalid page size specified: '${top}'. Must be between 1 and ${limits.topLimit} inclusive.`,
      );
    }
    if (!Number.isInteger(value) || value < 0) {
      throw new GraphRequestError(
        400,
        'BadRequest',
        `Invalid value '${top}' for $top query option found. The $top query option requires a non-negative integer value.`,
      );
    }
  }
  return Math.max(1, Math.min(value, limits.maxSize));
}

function nonNegativeInteger(text: string | null, option: string): number {
  if (text === null) return 0;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new GraphRequestError(
      400,
      'BadRequest',
      `Invalid value '${text}' for ${option} query option found. The ${option} query option requires a non-negative integer value.`,
    );
  }
  return value;
}

function hasDirectoryRoleScope(filter: FilterNode | undefined): boolean {
  if (!filter) return false;
  const clauses = topLevelClauses(filter);
  const has = (property: string, value: string) =>
    clauses.some(
      (c) =>
        c.type === 'compare' &&
        c.op === 'eq' &&
        c.path.length === 1 &&
        c.path[0] === property &&
        typeof c.value === 'string' &&
        c.value === value,
    );
  return has('scopeId', '/') && has('scopeType', 'DirectoryRole');
}

/** A top-level `groupId eq '...'` or `principalId eq '...'` clause (only `eq` is documented). */
function pinsGroupOrPrincipal(filter: FilterNode | undefined): boolean {
  if (!filter) return false;
  return topLevelClauses(filter).some(
    (c) =>
      c.type === 'compare' &&
      c.op === 'eq' &&
      c.path.length === 1 &&
      (c.path[0] === 'groupId' || c.path[0] === 'principalId') &&
      typeof c.value === 'string',
  );
}

function touchesSignInActivity(projection: Projection, filter: FilterNode | undefined): boolean {
  const selected = projection.select?.some((p) => p === 'signInActivity' || p.startsWith('signInActivity/'));
  if (selected) return true;
  if (!filter) return false;
  const paths = filterPaths(filter);
  const touches = paths.some((p) => p[0] === 'signInActivity');
  if (touches && paths.some((p) => p[0] !== 'signInActivity')) {
    // The user docs: signInActivity "supports $filter ... but not with any other filterable properties".
    throw unsupportedQuery('signInActivity cannot be combined with other properties in a $filter.');
  }
  return touches;
}

/** Looks ids up in the index when the filter pins them (`id eq`, `id in`), instead of scanning everything. */
function candidatesFor(collection: Collection, filter: FilterNode | undefined): readonly GraphObject[] {
  if (!filter) return collection.items;
  for (const clause of topLevelClauses(filter)) {
    let ids: FilterLiteral[] | undefined;
    if (clause.type === 'in' && isIdPath(clause.path)) ids = clause.values;
    if (clause.type === 'compare' && clause.op === 'eq' && isIdPath(clause.path)) ids = [clause.value];
    if (!ids) continue;
    const seen = new Set<GraphObject>();
    for (const id of ids) {
      const item = typeof id === 'string' ? collection.get(id) : undefined;
      // `get` also finds users by UPN; `id eq` must match the id itself (the filter re-checks it anyway).
      if (item) seen.add(item);
    }
    return [...seen];
  }
  return collection.items;
}

function isIdPath(path: readonly string[]): boolean {
  return path.length === 1 && path[0] === 'id';
}

function contextUrl(ctx: ReaderContext, req: GraphRequest, path: string): string {
  return `${ctx.baseUrl}/${req.version}/$metadata#${contextPathOf(path)}`;
}

/**
 * An absolute https URL to the next page that repeats the request's own query options, as Graph's do,
 * so a client follows it verbatim.
 */
function nextLink(
  ctx: ReaderContext,
  req: GraphRequest,
  param: '$skip' | '$skiptoken',
  value: string,
): string {
  const parts: string[] = [];
  for (const [key, v] of req.query) {
    if (key === '$skip' || key === '$skiptoken') continue;
    parts.push(`${encodeQueryKey(key)}=${encodeURIComponent(v)}`);
  }
  parts.push(`${param}=${encodeURIComponent(value)}`);
  const path = req.path.split('/').map(encodeURIComponent).join('/');
  return `${ctx.baseUrl}/${req.version}/${path}?${parts.join('&')}`;
}

function encodeQueryKey(key: string): string {
  return key.startsWith('$') ? `$${encodeURIComponent(key.slice(1))}` : encodeURIComponent(key);
}
