import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { PimwatchConfig, TenantConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { GraphSession } from '../graph/session.js';
import type { Logger } from '../log.js';
import { createStateStore } from '../store/create-state-store.js';
import { bullPrefix, createBullConnection, isConnectionFailure } from './connection.js';
import { startHeartbeat } from './heartbeat.js';
import { MetricsRecorder } from './metrics-recorder.js';
import { createNotificationEnqueuer, createNotifyProcessor, deliveryBackoff } from './notify-job.js';
import { NOTIFY_QUEUE, openQueues, SCAN_QUEUE } from './queues.js';
import { createScanProcessor } from './scan-job.js';
import { keepSchedulersReconciled, syncSchedulers } from './schedulers.js';

/** What shutdown allows for saying goodbye to Redis once the jobs are done. */
const CLEANUP_MS = 1000;

/** True when `work` settled (either way) within `ms`; it is left running otherwise. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = work.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([
    settled,
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, ms));
    }),
  ]);
  clearTimeout(timer);
  return result;
}

export interface RunningWorker {
  workerId: string;
  /**
   * Stops taking jobs and waits for running ones up to `worker.shutdownTimeoutMs`; after that they are
   * abandoned to the queue, whose stalled-job check hands them to another worker.
   */
  close(): Promise<void>;
}

export interface WorkerOptions {
  config: PimwatchConfig;
  logger: Logger;
  /** Tests point Graph sessions at the emulator. */
  openSession?: (tenant: TenantConfig) => GraphSession;
}

/**
 * A worker process: syncs the tenants' schedulers, runs scan and notify jobs, says it is alive, and
 * shuts down gracefully. Several replicas can run against one Redis; BullMQ shares the jobs out.
 */
export async function startWorker({ config, logger, openSession }: WorkerOptions): Promise<RunningWorker> {
  if (!config.redis.url) throw new ConfigError('configuration', ['redis.url: required for the worker']);
  const workerId = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const log = logger.child({ workerId });
  const connection = createBullConnection(config.redis.url, `${config.redis.keyPrefix}-worker`, log);
  const prefix = bullPrefix(config.redis.keyPrefix);
  const queues = openQueues(connection, config.redis.keyPrefix, log);
  const store = createStateStore({
    redisUrl: config.redis.url,
    keyPrefix: config.redis.keyPrefix,
    feedMaxLength: config.notifiers.feed.maxLength,
    scanHistoryLength: config.redis.scanHistoryLength,
    retentionDays: config.redis.retentionDays,
    log,
  });
  const metrics = new MetricsRecorder(connection, config.redis.keyPrefix);

  const { upserted, removed } = await syncSchedulers(queues.scan, config.tenants, config.worker, log);
  log.info({ tenants: upserted, removedSchedulers: removed.length }, 'schedulers synced');
  const schedulers = keepSchedulersReconciled(queues.scan, connection, config.tenants, config.worker, log);

  const enqueueNotifications = createNotificationEnqueuer({ config, queue: queues.notify, logger: log });
  const common = {
    connection,
    prefix,
    // Recorded on each job as `processedBy`: which replica ran it.
    name: workerId,
    lockDuration: config.worker.lockDurationMs,
    stalledInterval: config.worker.stalledIntervalMs,
    // A job that stalled once more than this is failed rather than retried forever.
    maxStalledCount: 2,
  };
  const scanWorker = new Worker(
    SCAN_QUEUE,
    createScanProcessor(
      {
        config,
        store,
        scanQueue: queues.scan,
        metrics,
        logger: log,
        enqueueNotifications,
        ...(openSession ? { openSession } : {}),
      },
      config.worker,
    ),
    { ...common, concurrency: config.worker.concurrency },
  );
  const notifyProcessor = createNotifyProcessor({
    config,
    store,
    metrics,
    redis: connection,
    logger: log,
    ...(openSession ? { openSession } : {}),
  });
  const notifyWorker = new Worker(NOTIFY_QUEUE, notifyProcessor, {
    ...common,
    concurrency: config.worker.notifyConcurrency,
    settings: { backoffStrategy: deliveryBackoff(config) },
  });
  for (const [name, w] of [
    ['scan', scanWorker],
    ['notify', notifyWorker],
  ] as const) {
    w.on('error', (err) => {
      // BullMQ repeats every reconnect failure of its own connections here; the connection watcher
      // already says once that Redis is gone and once that it is back.
      if (!isConnectionFailure(err)) log.error({ queue: name, err: err.message }, 'worker error');
    });
    w.on('failed', (job, err) =>
      log.warn({ queue: name, jobId: job?.id, jobName: job?.name, err: err.message }, 'job failed'),
    );
    w.on('stalled', (jobId) => log.warn({ queue: name, jobId }, 'job stalled; it will run again'));
  }
  const heartbeat = startHeartbeat(
    connection,
    config.redis.keyPrefix,
    workerId,
    config.worker.heartbeatIntervalMs,
  );
  log.info({ concurrency: config.worker.concurrency, tenants: config.tenants.length }, 'worker started');

  let closing: Promise<void> | undefined;
  return {
    workerId,
    close() {
      closing ??= (async () => {
        log.info({ timeoutMs: config.worker.shutdownTimeoutMs }, 'worker stopping');
        schedulers.stop();
        const deadline = Date.now() + config.worker.shutdownTimeoutMs;
        const graceful = await settlesWithin(
          Promise.all([scanWorker.close(), notifyWorker.close()]),
          deadline - Date.now(),
        );
        if (!graceful) {
          log.warn(
            'workers did not stop in time (jobs still running, or Redis not answering); leaving their jobs to another worker',
          );
          // Not awaited: with Redis away even a forced close can wait for it.
          Promise.all([scanWorker.close(true), notifyWorker.close(true)]).catch(() => {});
        }
        const released = await settlesWithin(
          (async () => {
            await heartbeat.stop();
            await queues.close();
            // Graph sessions the mail channels opened hold sockets (keep-alive) until closed.
            await notifyProcessor.close();
            await store.close();
            await connection.quit();
          })(),
          Math.max(deadline - Date.now(), CLEANUP_MS),
        );
        if (!released) {
          log.warn('redis did not answer during shutdown; connections dropped');
          connection.disconnect();
        }
        log.info('worker stopped');
      })();
      return closing;
    },
  };
}
