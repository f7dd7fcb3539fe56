import { UnrecoverableError } from 'bullmq';
import type { PimwatchConfig, TenantConfig } from '../config/schema.js';
import { SecretUnavailableError } from '../config/secret.js';
import { mergeDetectorsConfig } from '../detectors/config-schema.js';
import { UserFacingError } from '../errors.js';
import { CredentialError } from '../graph/errors.js';
import { type GraphSession, openGraphSession } from '../graph/session.js';
import type { Logger } from '../log.js';
import type { Transition } from '../model/lifecycle.js';
import { runScan } from '../scan/run-scan.js';
import type { ScanSummary, StateStore } from '../store/state-store.js';
import type { WorkerConfig } from './config-schema.js';
import type { JobOf, QueueHandlers, TypedQueue } from './job-map.js';
import type { MetricsRecorder } from './metrics-recorder.js';
import { enqueueScan, type ScanPayload, scanPayloadSchema } from './scan-trigger.js';

/** What a `scan` job returns (the API's `GET /api/v1/scans/:id` and `trigger --wait` read it). */
export interface ScanJobResult {
  scanId: string;
  tenantId: string;
  outcome: ScanSummary['outcome'];
  summary: ScanSummary;
  notificationsQueued: number;
}

/** Opens a tenant's Graph session; `signal` stops its requests when the scan job is cancelled. */
export type OpenSession = (tenant: TenantConfig, options?: { signal?: AbortSignal }) => GraphSession;

export interface ScanJobDeps {
  config: PimwatchConfig;
  store: StateStore;
  scanQueue: TypedQueue<'scan'>;
  metrics: MetricsRecorder;
  logger: Logger;
  /** Queues the notify jobs for a scan's transitions; returns how many jobs it queued. */
  enqueueNotifications(tenant: TenantConfig, scanId: string, transitions: Transition[]): Promise<number>;
  /** How a tenant's Graph session is opened (tests point it at the emulator). */
  openSession?: OpenSession;
  now?: () => Date;
}

/**
 * Problems another try cannot fix: configuration, secrets, and credentials Entra refused. A token request
 * that failed because the authority was down or slow is transient and retried with the job's backoff.
 */
function isPermanent(error: unknown): boolean {
  if (error instanceof CredentialError) return error.permanent;
  return (
    error instanceof UserFacingError ||
    error instanceof SecretUnavailableError ||
    error instanceof ScanCancelledError
  );
}

/** Someone cancelled the scan job (`RunningWorker.cancelScan`): another try would only be cancelled too. */
export class ScanCancelledError extends Error {
  override name = 'ScanCancelledError';
  constructor(reason: unknown) {
    super(`scan cancelled${typeof reason === 'string' && reason !== '' ? `: ${reason}` : ''}`);
  }
}

function message(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .slice(0, 500);
}

/** Payloads come back from Redis, where anyone with access could have written anything. */
function parsePayload(job: JobOf<'scan' | 'tick'>): ScanPayload {
  const parsed = scanPayloadSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid ${job.name} job data: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * The handlers of the scan queue: `tick` jobs (from the schedulers) only enqueue a scan; `scan` jobs
 * run one. The job id is the scan id, so a retried job is recognised by the state store and never
 * counts twice. Configuration, secret and credential problems fail at once; transient ones are retried
 * with backoff, and the last attempt stores whatever partial scan it got. A cancelled scan stops its
 * Graph reads, stores nothing but a failed summary, and is not retried.
 */
export function createScanHandlers(deps: ScanJobDeps, worker: WorkerConfig): QueueHandlers<'scan'> {
  const openSession: OpenSession =
    deps.openSession ?? ((tenant, options) => openGraphSession(tenant, deps.config.graph, options));
  return {
    async tick(job) {
      const enqueued = await enqueueScan(deps.scanQueue, worker, parsePayload(job));
      return { enqueued: enqueued.scanId, existing: enqueued.existing };
    },
    scan: (job, signal) => runScanJob({ ...deps, openSession }, job, signal),
  };
}

async function runScanJob(
  deps: ScanJobDeps & { openSession: OpenSession },
  job: JobOf<'scan'>,
  signal: AbortSignal,
): Promise<ScanJobResult> {
  const payload = parsePayload(job);
  const log = deps.logger.child({ jobId: job.id, tenantId: payload.tenantId, trigger: payload.trigger });
  const tenant = deps.config.tenants.find((t) => t.id.toLowerCase() === payload.tenantId.toLowerCase());
  if (!tenant) throw new UnrecoverableError(`tenant ${payload.tenantId} is not in the configuration`);
  const scanId = job.id!;
  const attempts = job.opts.attempts ?? 1;
  const lastAttempt = job.attemptsMade + 1 >= attempts;
  const startedAt = new Date().toISOString();
  let session: GraphSession | undefined;
  try {
    session = deps.openSession(tenant, { signal });
    const result = await runScan({
      tenant,
      session,
      detectors: mergeDetectorsConfig(deps.config.detectors, tenant.detectors),
      reconcile: deps.config.reconcile,
      activationHistory: deps.config.graph.activationHistory,
      store: deps.store,
      now: deps.now?.() ?? new Date(),
      trigger: payload.trigger,
      scanId,
      logger: log,
      retryTransientFailures: !lastAttempt,
      onProgress: (phase, percent) => job.updateProgress({ phase, percent }),
      signal,
    });
    await deps.metrics.recordScan(result.summary);
    const notificationsQueued = await deps.enqueueNotifications(tenant, scanId, result.transitions);
    return {
      scanId,
      tenantId: tenant.id,
      outcome: result.summary.outcome,
      summary: result.summary,
      notificationsQueued,
    };
  } catch (caught) {
    const error = signal.aborted ? new ScanCancelledError(signal.reason) : caught;
    const permanent = isPermanent(error);
    if (permanent || lastAttempt) {
      await recordFailedScan(
        deps,
        failedSummary({ scanId, tenantId: tenant.id, payload, startedAt, session, error }),
      );
    }
    log.warn({ err: message(error), permanent, attempt: job.attemptsMade + 1, attempts }, 'scan failed');
    if (permanent) throw new UnrecoverableError(message(error));
    throw error;
  } finally {
    await session?.close();
  }
}

function failedSummary(scan: {
  scanId: string;
  tenantId: string;
  payload: ScanPayload;
  startedAt: string;
  session: GraphSession | undefined;
  error: unknown;
}): ScanSummary {
  return {
    scanId: scan.scanId,
    tenantId: scan.tenantId,
    trigger: scan.payload.trigger,
    startedAt: scan.startedAt,
    finishedAt: new Date().toISOString(),
    outcome: 'failed',
    incidentsByAlert: {},
    unknownAlerts: [],
    transitions: 0,
    graphRequests: scan.session?.http.counts ?? { http: 0, logical: 0, throttled: 0, retried: 0 },
    failedSources: [],
    error: message(scan.error),
  };
}

/** Best effort: the job's own failure is what matters, and the store may be what failed. */
async function recordFailedScan(deps: Pick<ScanJobDeps, 'store' | 'metrics'>, failed: ScanSummary) {
  await deps.store.recordScan(failed).catch(() => {});
  await deps.metrics.recordScan(failed).catch(() => {});
}
