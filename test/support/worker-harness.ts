import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { PimwatchConfig } from '../../src/config/schema.js';
import { bullPrefix } from '../../src/jobs/connection.js';
import { NOTIFY_QUEUE, SCAN_QUEUE } from '../../src/jobs/queues.js';
import { enqueueScan } from '../../src/jobs/scan-trigger.js';
import { type RunningWorker, startWorker } from '../../src/jobs/worker.js';
import { type Logger, silentLogger } from '../../src/log.js';
import type { Transition } from '../../src/model/lifecycle.js';
import { createStateStore } from '../../src/store/create-state-store.js';
import type { StateStore } from '../../src/store/state-store.js';
import { waitFor } from './wait-for.js';

export interface WorkerHarness {
  worker: RunningWorker;
  /** The harness's own connection, for looking into Redis. */
  redis: Redis;
  scanQueue: Queue;
  notifyQueue: Queue;
  store: StateStore;
  /** Queues a scan of the tenant as the API would, waits for it, and gives its applied transitions. */
  scan(tenantId: string): Promise<Transition[]>;
  /** Every notify job so far, once `count` have finished and nothing is waiting, running or delayed. */
  settledNotifyJobs(count: number): Promise<Job[]>;
  close(): Promise<void>;
}

/** An in-process worker for a configuration, with the queues and store a test inspects it through. */
export async function startWorkerHarness(
  config: PimwatchConfig,
  logger: Logger = silentLogger,
): Promise<WorkerHarness> {
  const redis = new Redis(config.redis.url!, { maxRetriesPerRequest: null });
  const prefix = bullPrefix(config.redis.keyPrefix);
  const scanQueue = new Queue(SCAN_QUEUE, { connection: redis, prefix });
  const notifyQueue = new Queue(NOTIFY_QUEUE, { connection: redis, prefix });
  const store = createStateStore({
    redisUrl: config.redis.url,
    keyPrefix: config.redis.keyPrefix,
    feedMaxLength: 1000,
  });
  const worker = await startWorker({ config, logger });
  return {
    worker,
    redis,
    scanQueue,
    notifyQueue,
    store,
    async scan(tenantId) {
      const { scanId } = await enqueueScan(scanQueue, config.worker, { tenantId, trigger: 'api' });
      await waitFor('the scan to complete', async () => {
        const job = await scanQueue.getJob(scanId);
        const state = await job?.getState();
        if (state === 'failed') throw new Error(`scan failed: ${job?.failedReason}`);
        return state === 'completed' ? true : undefined;
      });
      return (await store.getAppliedTransitions(tenantId, scanId)) ?? [];
    },
    settledNotifyJobs(count) {
      return waitFor(`${count} finished notify jobs`, async () => {
        const unfinished = await notifyQueue.getJobCountByTypes(
          'waiting',
          'active',
          'delayed',
          'prioritized',
        );
        const finished = await notifyQueue.getJobs(['completed', 'failed']);
        return unfinished === 0 && finished.length >= count ? finished : undefined;
      });
    },
    async close() {
      await worker.close();
      await Promise.all([scanQueue.close(), notifyQueue.close(), store.close()]);
      await redis.quit();
    },
  };
}
