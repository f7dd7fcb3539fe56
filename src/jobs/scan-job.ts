import { type Job, type Queue, UnrecoverableError } from 'bullmq';
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
import type { MetricsRecorder } from './metrics-recorder.js';
import { enqueueScan, SCAN_JOB, type ScanPayload, scanPayloadSchema, TICK_JOB } from './scan-trigger.js';

export interface ScanJobResult {
  scanId: string;
  tenantId: string;
  outcome: ScanSummary['outcome'];
  summary: ScanSummary;
  notificationsQueued: number;
}

export interface ScanJobDeps {
  config: PimwatchConfig;
  store: StateStore;
  scanQueue: Queue;
  metrics: MetricsRecorder;
  logger: Logger;
  /** Queues the notify jobs for a scan's transitions; returns how many jobs it queued. */
  enqueueNotifications(tenant: TenantConfig, scanId: string, transitions: Transition[]): Promise<number>;
  /** How a tenant's Graph session is opened (tests point it at the emulator). */
  openSession?: (tenant: TenantConfig) => GraphSession;
  now?: () => Date;
}

/**
 * Problems another try cannot fix: configuration, secrets, and credentials Entra refused. A token request
 * that failed because the authority was down or slow is transient and retried with the job's backoff.
 */
function isPermanent(error: unknown): boolean {
  if (error instanceof CredentialError) return error.permanent;
  return error instanceof UserFacingError || error instanceof SecretUnavailableError;
}

function message(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .slice(0, 500);
}

/**
 * The processor of the scan queue: `tick` jobs (from the schedulers) only enqueue a scan; `scan` jobs
 * run one. The job id is the scan id, so a retried job is recognised by the state store and never
 * counts twice. Configuration, secret and credential problems fail at once; transient ones are retried
 * with backoff, and the last attempt stores whatever partial scan it got.
 */
export function createScanProcessor(deps: ScanJobDeps, worker: WorkerConfig) {
  const openSession =
    deps.openSession ?? ((tenant: TenantConfig) => openGraphSession(tenant, deps.config.graph));
  return async (job: Job): Promise<ScanJobResult | { enqueued: string; existing: boolean }> => {
    const parsed = scanPayloadSchema.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid ${job.name} job data: ${parsed.error.issues[0]?.message}`);
    const payload: ScanPayload = parsed.data;
    if (job.name === TICK_JOB) {
      const enqueued = await enqueueScan(deps.scanQueue, worker, payload);
      return { enqueued: enqueued.scanId, existing: enqueued.existing };
    }
    if (job.name !== SCAN_JOB) throw new UnrecoverableError(`unknown job ${job.name}`);

    const log = deps.logger.child({ jobId: job.id, tenantId: payload.tenantId, trigger: payload.trigger });
    const tenant = deps.config.tenants.find((t) => t.id.toLowerCase() === payload.tenantId.toLowerCase());
    if (!tenant) throw new UnrecoverableError(`tenant ${payload.tenantId} is not in the configuration`);
    const scanId = job.id!;
    const attempts = job.opts.attempts ?? 1;
    const lastAttempt = job.attemptsMade + 1 >= attempts;
    const startedAt = new Date().toISOString();
    let session: GraphSession | undefined;
    try {
      session = openSession(tenant);
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
    } catch (error) {
      const permanent = isPermanent(error);
      if (permanent || lastAttempt) {
        const failed: ScanSummary = {
          scanId,
          tenantId: tenant.id,
          trigger: payload.trigger,
          startedAt,
          finishedAt: new Date().toISOString(),
          outcome: 'failed',
          incidentsByAlert: {},
          unknownAlerts: [],
          transitions: 0,
          graphRequests: session?.http.counts ?? { http: 0, logical: 0, throttled: 0, retried: 0 },
          failedSources: [],
          error: message(error),
        };
        await deps.store.recordScan(failed).catch(() => {});
        await deps.metrics.recordScan(failed).catch(() => {});
      }
      log.warn({ err: message(error), permanent, attempt: job.attemptsMade + 1, attempts }, 'scan failed');
      if (permanent) throw new UnrecoverableError(message(error));
      throw error;
    } finally {
      await session?.close();
    }
  };
}
