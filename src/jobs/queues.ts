import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Logger, silentLogger } from '../log.js';
import type { WorkerConfig } from './config-schema.js';
import { bullPrefix, isConnectionFailure } from './connection.js';
import type { TypedQueue } from './job-map.js';

/** Scans and their schedule ticks. */
export const SCAN_QUEUE = 'scan';
/** One job per transition and channel (or per scan and digest channel). */
export const NOTIFY_QUEUE = 'notify';

export interface Queues {
  scan: TypedQueue<typeof SCAN_QUEUE>;
  notify: TypedQueue<typeof NOTIFY_QUEUE>;
  close(): Promise<void>;
}

export function openQueues(connection: Redis, keyPrefix: string, log: Logger = silentLogger): Queues {
  const prefix = bullPrefix(keyPrefix);
  const scan: Queues['scan'] = new Queue(SCAN_QUEUE, { connection, prefix });
  const notify: Queues['notify'] = new Queue(NOTIFY_QUEUE, { connection, prefix });
  for (const queue of [scan, notify]) {
    // Without a listener BullMQ prints each error's stack to the console. Connection trouble is already
    // logged once per outage by the connection's own watcher; anything else is worth a line.
    queue.on('error', (err: Error) => {
      if (!isConnectionFailure(err)) log.warn({ queue: queue.name, err: err.message }, 'queue error');
    });
  }
  return {
    scan,
    notify,
    async close() {
      await Promise.all([scan.close(), notify.close()]);
    },
  };
}

/** Finished jobs are kept a while: `GET /api/v1/scans/:id` reads them, and their ids block duplicates. */
export function keepFinished(worker: Pick<WorkerConfig, 'keepFinishedJobsSeconds'>) {
  return {
    removeOnComplete: { age: worker.keepFinishedJobsSeconds, count: 10_000 },
    removeOnFail: { age: worker.keepFinishedJobsSeconds, count: 10_000 },
  };
}
