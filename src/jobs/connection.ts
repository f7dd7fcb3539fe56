import { Redis } from 'ioredis';
import type { Logger } from '../log.js';

/**
 * A Redis connection for BullMQ. Workers block on Redis, so commands must wait for a reconnect rather
 * than fail (`maxRetriesPerRequest: null`, which BullMQ insists on).
 */
export function createBullConnection(url: string, name: string, log: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
  watchConnection(redis, name, log);
  return redis;
}

/**
 * Logs a connection's trouble once per change of state, not once per reconnect attempt (ioredis retries
 * every few hundred milliseconds): one warning when it is lost, one line with the count of failed
 * attempts when it is back. The listener also keeps ioredis from reporting errors as unhandled.
 */
export function watchConnection(redis: Redis, name: string, log: Logger): void {
  let lost = false;
  let failures = 0;
  const lose = (err?: unknown) => {
    if (err !== undefined) failures += 1;
    if (lost) return;
    lost = true;
    log.warn(
      { connection: name, ...(err !== undefined ? { err: errorText(err) } : {}) },
      'redis connection lost',
    );
  };
  redis.on('error', (err: unknown) => lose(err));
  // A killed server may close the socket without an error first (never fired after quit()).
  redis.on('reconnecting', () => lose());
  redis.on('ready', () => {
    if (lost) log.info({ connection: name, failedAttempts: failures }, 'redis connection restored');
    lost = false;
    failures = 0;
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** BullMQ's key prefix: under pimwatch's own prefix, so one Redis can hold several deployments. */
export function bullPrefix(keyPrefix: string): string {
  return `${keyPrefix}:bull`;
}

/** ioredis' ways of saying "not connected" or "no answer" (as opposed to Redis rejecting a command). */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE/.test(
      error.message,
    )
  );
}
