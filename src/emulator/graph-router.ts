import type { Fault } from '../fixture-format/schema.js';
import type { AlertActions } from './alert-actions.js';
import { type CollectionSource, type ReaderContext, readCollection, readItem } from './collection-reader.js';
import {
  ALERTS_ROOT,
  isBetaOnlyPath,
  isKnownCollection,
  KNOWN_COLLECTIONS,
  kindOfCollection,
  matchesPattern,
  normaliseCollectionPath,
} from './entity-model.js';
import type { FaultInjector } from './fault-injector.js';
import {
  defaultErrorCode,
  defaultErrorMessage,
  GraphRequestError,
  graphErrorBody,
  newRequestId,
  resourceNotFound,
  segmentNotFound,
} from './graph-error.js';
import {
  type AcceptedPermissions,
  ALERT_WRITE_PERMISSION,
  acceptedForRead,
  MAIL_SEND_PERMISSION,
  type PermissionRules,
  permitted,
} from './graph-permissions.js';
import type { GraphRequest, GraphResponse } from './graph-request.js';
import { runBatch } from './json-batch.js';
import type { RequestStats } from './request-stats.js';
import { acceptSendMail, type SentMail } from './send-mail.js';
import { Collection } from './tenant-store.js';
import type { Throttle } from './throttle.js';

export { ALERT_WRITE_PERMISSION, MAIL_SEND_PERMISSION };

export interface RouterDeps extends ReaderContext {
  faults: FaultInjector;
  permissionRules: PermissionRules;
  throttle: Throttle | undefined;
  stats: RequestStats;
  actions: AlertActions;
  outbox: SentMail[];
}

interface ResolvedRoute {
  exactPath: string;
  normalisedPath: string;
  /** Paths a fault may be registered under, most specific first. */
  faultPaths: string[];
  /** What Graph accepts for this request; undefined: any token. */
  permissions?: AcceptedPermissions;
  run: () => GraphResponse;
}

interface ActionSpec {
  method: string;
  pattern: string;
  permission?: string;
  run: (deps: RouterDeps, req: GraphRequest, ids: string[]) => GraphResponse;
}

const ALERTS = `${ALERTS_ROOT}/alerts`;

const ACTIONS: readonly ActionSpec[] = [
  {
    method: 'POST',
    pattern: `${ALERTS}/refresh`,
    permission: ALERT_WRITE_PERMISSION,
    run: (d, req) => d.actions.refreshAll(req.body),
  },
  {
    method: 'POST',
    pattern: `${ALERTS}/{id}/refresh`,
    permission: ALERT_WRITE_PERMISSION,
    run: (d, _req, [alertId]) => d.actions.refreshOne(alertId!),
  },
  {
    method: 'POST',
    pattern: `${ALERTS}/{id}/alertIncidents/{id}/remediate`,
    permission: ALERT_WRITE_PERMISSION,
    run: (d, _req, [alertId, incidentId]) => d.actions.remediate(alertId!, incidentId!),
  },
  {
    method: 'GET',
    pattern: `${ALERTS_ROOT}/operations/{id}`,
    run: (d, _req, [operationId]) => d.actions.getOperation(operationId!),
  },
  {
    method: 'PATCH',
    pattern: `${ALERTS}/{id}`,
    permission: ALERT_WRITE_PERMISSION,
    run: (d, req, [alertId]) => d.actions.patchAlert(alertId!, req.body),
  },
  {
    method: 'PATCH',
    pattern: `${ALERTS_ROOT}/alertConfigurations/{id}`,
    permission: ALERT_WRITE_PERMISSION,
    run: (d, req, [configurationId]) => d.actions.patchConfiguration(configurationId!, req.body),
  },
  {
    method: 'POST',
    pattern: 'users/{id}/sendMail',
    permission: MAIL_SEND_PERMISSION,
    run: (d, req, [sender]) => acceptSendMail(d.store, sender!, req.body, d.outbox),
  },
];

/**
 * Serves one Graph request (top-level or inside a `$batch`): counts it, applies a registered fault,
 * draws on the throttle buckets, checks write permissions, and runs the handler. Never throws: every
 * failure becomes a response in Graph's error envelope.
 */
export class GraphRouter {
  constructor(private readonly deps: RouterDeps) {}

  handle(req: GraphRequest): GraphResponse {
    const ids = { requestId: newRequestId(), clientRequestId: req.headers['client-request-id'] };
    const { response, fault } = this.answer(req, ids);
    return this.finish(response, fault, ids);
  }

  private answer(req: GraphRequest, ids: ErrorIds): { response: GraphResponse; fault?: Fault } {
    let route: ResolvedRoute;
    try {
      route = this.resolve(req);
    } catch (error) {
      // Unknown paths are still requests the client made; count them under the path as sent.
      this.deps.stats.countLogical(req.path, req.path);
      return { response: errorResponse(error, ids) };
    }
    this.deps.stats.countLogical(route.exactPath, route.normalisedPath);
    const fault = this.deps.faults.take(route.faultPaths);
    if (fault?.status !== undefined && fault.status >= 400)
      return { response: faultResponse(fault, ids), fault };
    return { response: this.serve(req, route, ids), ...(fault ? { fault } : {}) };
  }

  /**
   * POST `$batch`: one HTTP request, served request by request. A fault registered for `$batch` itself
   * fails the whole batch before any inner request runs.
   */
  handleBatch(outer: GraphRequest): GraphResponse {
    const ids = { requestId: newRequestId(), clientRequestId: outer.headers['client-request-id'] };
    this.deps.stats.batches++;
    let response: GraphResponse;
    const fault = this.deps.faults.take(['$batch']);
    if (outer.method !== 'POST') {
      response = errorResponse(
        new GraphRequestError(
          405,
          'Request_BadRequest',
          'Specified HTTP method is not allowed for the request target.',
        ),
        ids,
      );
    } else if (fault?.status !== undefined && fault.status >= 400) {
      response = faultResponse(fault, ids);
    } else {
      try {
        response = runBatch(outer, (inner) => this.handle(inner));
      } catch (error) {
        response = errorResponse(error, ids);
      }
    }
    return this.finish(response, fault, ids);
  }

  /** What a fault does to a response that was served, the throttle count, and the ids Graph echoes. */
  private finish(response: GraphResponse, fault: Fault | undefined, ids: ErrorIds): GraphResponse {
    if (fault?.truncate) response.truncate = true;
    if (fault?.latencyMs) response.delayMs = (response.delayMs ?? 0) + fault.latencyMs;
    if (fault?.omitODataType) withoutODataTypes(response);
    if (response.status === 429) this.deps.stats.throttled++;
    response.headers['request-id'] = ids.requestId;
    response.headers['client-request-id'] = ids.clientRequestId ?? ids.requestId;
    return response;
  }

  private serve(req: GraphRequest, route: ResolvedRoute, ids: ErrorIds): GraphResponse {
    const decision = this.deps.throttle?.draw({
      clientId: req.caller.clientId,
      method: req.method,
      normalisedPath: route.normalisedPath,
      query: req.query,
    });
    if (decision && !decision.ok) {
      return {
        status: 429,
        headers: { 'Retry-After': formatSeconds(decision.retryAfterSeconds), ...decision.headers },
        body: graphErrorBody('TooManyRequests', 'Please retry again later.', ids),
      };
    }
    try {
      const granted = req.caller.permissions;
      if (route.permissions && granted && !permitted(route.permissions, granted)) {
        throw new GraphRequestError(
          403,
          'Authorization_RequestDenied',
          'Insufficient privileges to complete the operation.',
        );
      }
      const response = route.run();
      Object.assign(response.headers, decision?.headers);
      return response;
    } catch (error) {
      return errorResponse(error, ids);
    }
  }

  private resolve(req: GraphRequest): ResolvedRoute {
    const path = req.path;
    if (path === '') throw segmentNotFound(req.version);
    if (req.version === 'v1.0' && isBetaOnlyPath(path)) throw segmentNotFound('roleManagementAlerts');
    const segments = path.split('/');

    for (const action of ACTIONS) {
      if (action.method !== req.method || !matchesPattern(path, action.pattern)) continue;
      const ids = action.pattern
        .split('/')
        .flatMap((segment, i) => (segment === '{id}' ? [segments[i]!] : []));
      return {
        exactPath: path,
        normalisedPath: action.pattern,
        faultPaths: [path],
        ...(action.permission ? { permissions: [[action.permission]] } : {}),
        run: () => action.run(this.deps, req, ids),
      };
    }

    for (let i = segments.length; i >= 1; i--) {
      const collectionPath = segments.slice(0, i).join('/');
      if (!this.deps.store.has(collectionPath) && !isKnownCollection(collectionPath)) continue;
      const rest = segments.slice(i);
      if (rest.length > 1) throw segmentNotFound(rest[1]!);
      if (req.method !== 'GET') {
        throw new GraphRequestError(
          405,
          'Request_BadRequest',
          'Specified HTTP method is not allowed for the request target.',
        );
      }
      const normalised = normaliseCollectionPath(collectionPath);
      const source = () => this.source(collectionPath, normalised);
      if (rest.length === 0) {
        return {
          exactPath: collectionPath,
          normalisedPath: normalised,
          faultPaths: [collectionPath],
          ...this.readPermissions(normalised, req),
          run: () => readCollection(this.deps, req, source()),
        };
      }
      const itemId = rest[0]!;
      return {
        exactPath: path,
        normalisedPath: `${normalised}/{id}`,
        faultPaths: [path, collectionPath],
        ...this.readPermissions(`${normalised}/{id}`, req),
        run: () => readItem(this.deps, req, source(), itemId),
      };
    }
    throw segmentNotFound(this.firstUnknownSegment(segments));
  }

  private readPermissions(normalisedPath: string, req: GraphRequest): { permissions?: AcceptedPermissions } {
    const accepted = acceptedForRead(normalisedPath, req.query, this.deps.permissionRules);
    return accepted ? { permissions: accepted } : {};
  }

  private source(path: string, normalisedPath: string): CollectionSource {
    const kind = kindOfCollection(path);
    const stored = this.deps.store.get(path);
    if (stored) return { path, normalisedPath, kind, collection: stored };
    const segments = path.split('/');
    if (normalisedPath === `${ALERTS}/{id}/alertIncidents`) {
      const alert = this.deps.store.get(ALERTS)?.get(segments[3]!);
      if (!alert) throw resourceNotFound(segments[3]!);
      return {
        path,
        normalisedPath,
        kind,
        collection: new Collection(path, this.deps.store.incidentsOf(alert)),
      };
    }
    if (normalisedPath.startsWith('groups/{id}/')) {
      // Members of a group the tenant does not have are a 404, not an empty list.
      if (!this.deps.store.get('groups')?.get(segments[1]!)) throw resourceNotFound(segments[1]!);
    }
    return { path, normalisedPath, kind, collection: new Collection(path, []) };
  }

  private firstUnknownSegment(segments: readonly string[]): string {
    const known = [
      ...KNOWN_COLLECTIONS.map((c) => c.pattern),
      ...ACTIONS.map((a) => a.pattern),
      ...this.deps.store.paths(),
    ].map((p) => p.split('/'));
    for (let i = 0; i < segments.length; i++) {
      const matched = known.some(
        (candidate) =>
          candidate.length > i &&
          candidate.slice(0, i + 1).every((s, j) => s === '{id}' || s === '*' || s === segments[j]),
      );
      if (!matched) return segments[i]!;
    }
    return segments.at(-1)!;
  }
}

type ErrorIds = { requestId: string; clientRequestId: string | undefined };

export function errorResponse(error: unknown, ids: ErrorIds): GraphResponse {
  if (error instanceof GraphRequestError) {
    return {
      status: error.status,
      headers: { ...error.headers },
      body: graphErrorBody(error.code, error.message, ids),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, headers: {}, body: graphErrorBody('InternalServerError', message, ids) };
}

function faultResponse(fault: Fault, ids: ErrorIds): GraphResponse {
  const status = fault.status!;
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['Retry-After'] = formatSeconds(fault.retryAfter);
  return {
    status,
    headers,
    body: graphErrorBody(
      fault.code ?? defaultErrorCode(status),
      fault.message ?? defaultErrorMessage(status),
      ids,
    ),
  };
}

/** Seconds as Graph writes them in Retry-After: a decimal number, fractional when it is. */
export function formatSeconds(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000);
}

/** The `omitODataType` fault: a collection's items answered without their `@odata.type`. */
function withoutODataTypes(response: GraphResponse): void {
  const body = response.body as { value?: unknown } | undefined;
  if (!Array.isArray(body?.value)) return;
  body.value = body.value.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) return item;
    const { '@odata.type': _omitted, ...rest } = item as Record<string, unknown>;
    return rest;
  });
}
