import { setTimeout as sleep } from 'node:timers/promises';
import { describeFailure, type GraphFailure } from './errors.js';
import type { GraphHttp } from './http.js';

/**
 * PIM's alert actions (beta): ask PIM to rescan (refresh, a long-running operation) and ask it to fix
 * one incident (remediate). Both write to the tenant and need `RoleManagementAlert.ReadWrite.Directory`,
 * so nothing here runs unless a person asks for it. Failures come back as values that name the Graph
 * path, HTTP status and Graph error code.
 */

/** Where PIM's Entra role alerts live (after `beta/`). */
export const ALERTS_ROOT = 'identityGovernance/roleManagementAlerts';
/** The only scope PIM's Entra role alerts have. */
const DIRECTORY_SCOPE = { scopeId: '/', scopeType: 'DirectoryRole' } as const;

// ---- refresh ------------------------------------------------------------------------------------------

export interface RefreshOptions {
  /**
   * Graph alert object ids (`DirectoryRole_{tenantId}_{suffix}`, see `graphAlertObjectId`) to rescan one
   * by one. Absent or empty: every alert, in one request.
   */
  alertIds?: readonly string[];
  /** Wait between polls of the operation. */
  pollIntervalMs: number;
  /** Give up polling an operation after this long (PIM's own scans take minutes). */
  timeoutMs: number;
}

/** How one refresh ended: PIM's terminal states, our own time-out, or a request that failed. */
export type RefreshOutcome = 'succeeded' | 'failed' | 'timedOut' | 'error';

export interface RefreshOperation {
  /** The alert rescanned; null for a refresh of every alert. */
  alertId: string | null;
  outcome: RefreshOutcome;
  /** PIM's operation id, from the `Location` header of its 202. */
  operationId: string | null;
  location: string | null;
  /** The operation's last `status` as PIM reported it (`notStarted`, `running`, `succeeded`, `failed`). */
  lastStatus: string | null;
  statusDetail: string | null;
  /** Where the rescanned alert(s) can be read, once the operation succeeded; empty otherwise. */
  resourceLocation: string | null;
  polls: number;
  /** From the refresh request to the operation's end (or the time-out). */
  durationMs: number;
  /** When `outcome` is `error`: what failed, e.g. `POST beta/...: 403 Forbidden ...`. */
  error?: string;
  failure?: GraphFailure;
}

export interface RefreshResult {
  /** The worst of the operations' outcomes: `error` > `failed` > `timedOut` > `succeeded`. */
  outcome: RefreshOutcome;
  durationMs: number;
  operations: RefreshOperation[];
}

const OUTCOME_SEVERITY: Readonly<Record<RefreshOutcome, number>> = {
  succeeded: 0,
  timedOut: 1,
  failed: 2,
  error: 3,
};

/** `.../operations/{id}` -> `{id}`; undefined when the header does not point at an operation. */
export function operationIdFromLocation(location: string): string | undefined {
  let path: string;
  try {
    path = new URL(location).pathname;
  } catch {
    path = location;
  }
  const match = /\/operations\/([^/?#]+)\/?$/.exec(path);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

function errorOperation(
  alertId: string | null,
  startedAt: number,
  failure: GraphFailure | string,
  partial: Partial<RefreshOperation> = {},
): RefreshOperation {
  return {
    alertId,
    outcome: 'error',
    operationId: null,
    location: null,
    lastStatus: null,
    statusDetail: null,
    resourceLocation: null,
    polls: 0,
    durationMs: performance.now() - startedAt,
    ...partial,
    ...(typeof failure === 'string' ? { error: failure } : { error: describeFailure(failure), failure }),
  };
}

/** The parts of PIM's `longRunningOperation` that say how a refresh is going. */
interface OperationState {
  status: string | null;
  statusDetail: string | null;
  resourceLocation: string | null;
}

function readOperation(body: unknown): OperationState {
  const op = (body ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    status: text(op.status),
    statusDetail: text(op.statusDetail),
    resourceLocation: text(op.resourceLocation),
  };
}

/** Starts one refresh and polls its operation to `succeeded`, `failed` or the time-out. */
async function refreshOne(
  http: GraphHttp,
  alertId: string | null,
  options: RefreshOptions,
): Promise<RefreshOperation> {
  const startedAt = performance.now();
  const started = await http.send({
    method: 'POST',
    version: 'beta',
    path: alertId
      ? `${ALERTS_ROOT}/alerts/${encodeURIComponent(alertId)}/refresh`
      : `${ALERTS_ROOT}/alerts/refresh`,
    // Refreshing one alert takes no body; refreshing all must name the scope or PIM answers 400.
    ...(alertId ? {} : { body: DIRECTORY_SCOPE }),
    throttle: 'directory',
    tag: 'alertRefresh',
  });
  if (!started.ok) return errorOperation(alertId, startedAt, started.failure);
  const location = started.value.headers.location ?? null;
  const operationId = location ? operationIdFromLocation(location) : undefined;
  if (!location || !operationId) {
    return errorOperation(
      alertId,
      startedAt,
      `refresh answered ${started.value.status} without a Location header naming an operation (got ${location ?? 'none'})`,
      { location },
    );
  }

  let polls = 0;
  let last: OperationState = { status: null, statusDetail: null, resourceLocation: null };
  for (;;) {
    const elapsed = performance.now() - startedAt;
    // At least one poll, even when starting the refresh used up the time: the result then says what
    // PIM was doing rather than nothing.
    if (polls > 0 && elapsed >= options.timeoutMs) {
      return {
        alertId,
        outcome: 'timedOut',
        operationId,
        location,
        lastStatus: last.status,
        statusDetail: last.statusDetail,
        resourceLocation: null,
        polls,
        durationMs: elapsed,
      };
    }
    await sleep(Math.min(options.pollIntervalMs, Math.max(0, options.timeoutMs - elapsed)));
    const polled = await http.send({
      version: 'beta',
      path: `${ALERTS_ROOT}/operations/${encodeURIComponent(operationId)}`,
      throttle: 'directory',
      tag: 'alertRefresh',
    });
    polls++;
    if (!polled.ok)
      return errorOperation(alertId, startedAt, polled.failure, { operationId, location, polls });
    last = readOperation(polled.value.body);
    if (last.status === 'succeeded' || last.status === 'failed') {
      return {
        alertId,
        outcome: last.status,
        operationId,
        location,
        lastStatus: last.status,
        statusDetail: last.statusDetail,
        resourceLocation: last.resourceLocation || null,
        polls,
        durationMs: performance.now() - startedAt,
      };
    }
  }
}

/**
 * Asks PIM to rescan its alerts now (POST `alerts/refresh` for all, or `alerts/{id}/refresh` each) and
 * follows each long-running operation to its end. Operations are polled concurrently.
 */
export async function refreshAlerts(http: GraphHttp, options: RefreshOptions): Promise<RefreshResult> {
  const startedAt = performance.now();
  const targets: (string | null)[] = options.alertIds?.length ? [...options.alertIds] : [null];
  const operations = await Promise.all(targets.map((alertId) => refreshOne(http, alertId, options)));
  const outcome = operations.reduce<RefreshOutcome>(
    (worst, op) => (OUTCOME_SEVERITY[op.outcome] > OUTCOME_SEVERITY[worst] ? op.outcome : worst),
    'succeeded',
  );
  return { outcome, durationMs: performance.now() - startedAt, operations };
}

// ---- remediate ----------------------------------------------------------------------------------------

/** What a remediation request needs: the plan is made outside `graph/` (`reconcile/remediation-plan.ts`). */
export type RemediationRequest =
  | { possible: true; path: string; summary: string }
  | { possible: false; summary: string };

export type RemediationResult<Plan extends RemediationRequest = RemediationRequest> =
  | { ok: true; plan: Plan & { possible: true }; status: number }
  | {
      ok: false;
      plan: Plan;
      /** What went wrong, naming path, status and Graph code when there was a request. */
      error: string;
      failure?: GraphFailure;
    };

/** Asks PIM to remediate the planned incident. A plan that is not possible is refused without a request. */
export async function remediateIncident<Plan extends RemediationRequest>(
  http: GraphHttp,
  plan: Plan,
): Promise<RemediationResult<Plan>> {
  if (!plan.possible) return { ok: false, plan, error: `not remediated: ${plan.summary}` };
  const result = await http.send({
    method: 'POST',
    version: 'beta',
    path: plan.path,
    throttle: 'directory',
    tag: 'alertRemediate',
  });
  if (!result.ok) return { ok: false, plan, error: describeFailure(result.failure), failure: result.failure };
  return { ok: true, plan: plan as Plan & { possible: true }, status: result.value.status };
}
