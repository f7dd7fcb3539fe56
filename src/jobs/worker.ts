import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PimwatchConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { openRedis } from '../redis/open-redis.js';
import { createStateStore } from '../store/create-state-store.js';
import type { StateStore } from '../store/state-store.js';
import { bullPrefix, isConnectionFailure } from './connection.js';
import { startHeartbeat } from './heartbeat.js';
import { type PayloadIn, processorFor, type QueueName, type ResultIn } from './job-map.js';
import { MetricsRecorder } from './metrics-recorder.js';
import { createNotificationEnqueuer, createNotifyProcessor, deliveryBackoff } from './notify-job.js';
import { NOTIFY_QUEUE, openQueues, type Queues, SCAN_QUEUE } from './queues.js';
import { createScanHandlers, type OpenSession } from './scan-job.js';
import { keepSchedulersReconciled, syncSchedulers } from './schedulers.js';
import { shutdown } from './shutdown.js';

export interface RunningWorker {
  workerId: string;
  /**
   * Stops the scan `scanId` if this worker is running it: its Graph reads stop, nothing of it is stored
   * but a failed summary, and it is not retried. False when this worker is not running that scan.
   */
  cancelScan(scanId: string, reason?: string): boolean;
  /**
   * Stops taking jobs and waits for running ones up to `worker.shutdownTimeoutMs`; after that they are
   * abandoned to the queue, whose stalled-job check hands them to another worker. Every connection is
   * released even if releasing another one failed.
   */
  close(): Promise<void>;
}

export interface WorkerOptions {
  config: PimwatchConfig;
  logger: Logger;
  /** Tests point Graph sessions at the emulator. */
  openSession?: OpenSession;
}

/** What a worker process holds in Redis besides its BullMQ workers. */
interface WorkerResources {
  connection: Redis;
  queues: Queues;
  store: StateStore;
  metrics: MetricsRecorder;
}

function openResources(config: PimwatchConfig, url: string, log: Logger): WorkerResources {
  const connection = openRedis(`${config.redis.keyPrefix}-worker`, { url, blocking: true, log });
  return {
    connection,
    queues: openQueues(connection, config.redis.keyPrefix, log),
    store: createStateStore({
      redisUrl: url,
      keyPrefix: config.redis.keyPrefix,
      feedMaxLength: config.notifiers.feed.maxLength,
      scanHistoryLength: config.redis.scanHistoryLength,
      retentionDays: config.redis.retentionDays,
      log,
    }),
    metrics: new MetricsRecorder(connection, config.redis.keyPrefix),
  };
}

/** BullMQ workers of both queues, sharing the connection and the stalled-job settings. */
function startJobWorkers(options: WorkerOptions & { workerId: string; log: Logger }, held: WorkerResources) {
  const { config, log, openSession } = options;
  const common = {
    connection: held.connection,
    prefix: bullPrefix(config.redis.keyPrefix),
    // Recorded on each job as `processedBy`: which replica ran it.
    name: options.workerId,
    lockDuration: config.worker.lockDurationMs,
    stalledInterval: config.worker.stalledIntervalMs,
    // A job that stalled once more than this is failed rather than retried forever.
    maxStalledCount: 2,
  };
  const enqueueNotifications = createNotificationEnqueuer({ config, queue: held.queues.notify, logger: log });
  const scanHandlers = createScanHandlers(
    {
      ...held,
      config,
      scanQueue: held.queues.scan,
      logger: log,
      enqueueNotifications,
      ...(openSession ? { openSession } : {}),
    },
    config.worker,
  );
  const scan = new Worker<PayloadIn<'scan'>, ResultIn<'scan'>, string>(
    SCAN_QUEUE,
    processorFor<'scan'>(scanHandlers),
    {
      ...common,
      concurrency: config.worker.concurrency,
    },
  );
  const notifyProcessor = createNotifyProcessor({
    ...held,
    config,
    redis: held.connection,
    logger: log,
    ...(openSession ? { openSession } : {}),
  });
  const notify = new Worker<PayloadIn<'notify'>, ResultIn<'notify'>, string>(
    NOTIFY_QUEUE,
    processorFor<'notify'>({ notify: (job, signal) => notifyProcessor(job, signal) }),
    {
      ...common,
      concurrency: config.worker.notifyConcurrency,
      settings: { backoffStrategy: deliveryBackoff(config) },
    },
  );
  watchJobEvents(SCAN_QUEUE, scan, log);
  watchJobEvents(NOTIFY_QUEUE, notify, log);
  return { scan, notify, notifyProcessor };
}

function watchJobEvents(queue: QueueName, worker: Worker, log: Logger): void {
  worker.on('error', (err) => {
    // BullMQ repeats every reconnect failure of its own connections here; the connection watcher
    // already says once that Redis is gone and once that it is back.
    if (!isConnectionFailure(err)) log.error({ queue, err: err.message }, 'worker error');
  });
  worker.on('failed', (job, err) =>
    log.warn({ queue, jobId: job?.id, jobName: job?.name, err: err.message }, 'job failed'),
  );
  worker.on('stalled', (jobId) => log.warn({ queue, jobId }, 'job stalled; it will run again'));
}

/**
 * A worker process: syncs the tenants' schedulers, runs scan and notify jobs, says it is alive, and
 * shuts down gracefully. Several replicas can run against one Redis; BullMQ shares the jobs out.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config } = options;
  if (!config.redis.url) throw new ConfigError('configuration', ['redis.url: required for the worker']);
  const workerId = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const log = options.logger.child({ workerId });
  const held = openResources(config, config.redis.url, log);

  const { upserted, removed } = await syncSchedulers(held.queues.scan, config.tenants, config.worker, log);
  log.info({ tenants: upserted, removedSchedulers: removed.length }, 'schedulers synced');
  const schedulers = keepSchedulersReconciled(
    held.queues.scan,
    held.connection,
    config.tenants,
    config.worker,
    log,
  );
  const workers = startJobWorkers({ ...options, workerId, log }, held);
  const heartbeat = startHeartbeat(
    held.connection,
    config.redis.keyPrefix,
    workerId,
    config.worker.heartbeatIntervalMs,
  );
  log.info({ concurrency: config.worker.concurrency, tenants: config.tenants.length }, 'worker started');

  let closing: Promise<void> | undefined;
  return {
    workerId,
    cancelScan: (scanId, reason) => workers.scan.cancelJob(scanId, reason),
    close() {
      closing ??= shutdown({
        config,
        log,
        stopSchedulers: () => schedulers.stop(),
        workers: [workers.scan, workers.notify],
        release: [
          { name: 'heartbeat', close: () => heartbeat.stop() },
          { name: 'queues', close: () => held.queues.close() },
          // Graph sessions the mail channels opened hold sockets (keep-alive) until closed.
          { name: 'notify channels', close: () => workers.notifyProcessor.close() },
          { name: 'state store', close: () => held.store.close() },
          { name: 'connection', close: () => held.connection.quit() },
        ],
        drop: () => held.connection.disconnect(),
      });
      return closing;
    },
  };
}
