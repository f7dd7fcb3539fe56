import { Redis } from 'ioredis';
import type { Logger } from '../log.js';

/**
 * A Redis connection for BullMQ. Workers block on Redis, so commands must wait for a reconnect rather
 * than fail (`maxRetriesPerRequest: null`, which BullMQ insists on).
 */
export function createBullConnection(url: string, name: string, log: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
  // Without a listener ioredis turns every reconnect failure into an unhandled error.
  redis.on('error', (err: unknown) =>
    log.warn({ err: errorText(err), connection: name }, 'redis connection error'),
  );
  return redis;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** BullMQ's key prefix: under pimwatch's own prefix, so one Redis can hold several deployments. */
export function bullPrefix(keyPrefix: string): string {
  return `${keyPrefix}:bull`;
}
