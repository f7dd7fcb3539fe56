import { hostname } from 'node:os';
import { openRedis } from '../redis/open-redis.js';
import { heartbeatKey } from './heartbeat.js';

/**
 * `pimwatch health` for a worker container: is a worker process on this host beating in Redis? Worker
 * ids start with the host name (`worker.ts`), and a container's health check runs on the same host as
 * its worker, so this tells "this container's worker is alive and reaches Redis" from "some replica is".
 * A worker that lost Redis cannot beat, so it turns unhealthy too; that is what an orchestrator should see.
 */

export interface WorkerHealthOptions {
  redisUrl: string;
  keyPrefix: string;
  /** A beat older than this does not count. */
  maxAgeMs: number;
  /** The whole check, Redis connection included, gives up after this. @defaultValue 5000 */
  timeoutMs?: number;
  /** @defaultValue this machine's host name */
  host?: string;
  /** @defaultValue the system clock */
  now?: () => number;
}

export interface WorkerHealth {
  healthy: boolean;
  /** One line for a person (or `docker inspect`): what was found, never a secret. */
  message: string;
}

export async function checkWorkerHealth(options: WorkerHealthOptions): Promise<WorkerHealth> {
  const host = options.host ?? hostname();
  const timeoutMs = options.timeoutMs ?? 5000;
  // No logger: a failure is reported through the rejected command below, in the health message.
  const redis = openRedis('pimwatch-health', {
    url: options.redisUrl,
    tuning: {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      // A health check must answer, not wait for Redis to come back.
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const entries = await Promise.race([
      redis.connect().then(() => redis.zrange(heartbeatKey(options.keyPrefix), 0, -1, 'WITHSCORES')),
      deadline,
    ]);
    const now = (options.now ?? Date.now)();
    let newest: number | undefined;
    for (let i = 0; i + 1 < entries.length; i += 2) {
      if (!isWorkerOf(entries[i]!, host)) continue;
      const beat = Number(entries[i + 1]);
      if (newest === undefined || beat > newest) newest = beat;
    }
    if (newest === undefined) {
      return { healthy: false, message: `no worker on host ${host} has reported to Redis` };
    }
    const ageSeconds = Math.max(0, Math.round((now - newest) / 1000));
    if (now - newest > options.maxAgeMs) {
      return {
        healthy: false,
        message: `the worker on host ${host} last reported ${ageSeconds} s ago (limit ${Math.round(options.maxAgeMs / 1000)} s)`,
      };
    }
    return { healthy: true, message: `worker on host ${host} reported ${ageSeconds} s ago` };
  } catch (error) {
    return {
      healthy: false,
      message: `cannot read worker heartbeats from Redis: ${(error as Error)?.message ?? String(error)}`,
    };
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

/**
 * Worker ids are `{host}-{pid}-{random}` and host names contain dashes too, so a plain prefix test would
 * take host `worker-1`'s beat for host `worker`'s: what follows the host must be exactly pid and random.
 */
function isWorkerOf(workerId: string, host: string): boolean {
  return workerId.startsWith(`${host}-`) && /^\d+-[a-z0-9]+$/.test(workerId.slice(host.length + 1));
}
