import { Redis, type RedisOptions } from 'ioredis';
import { type Logger, silentLogger } from '../log.js';

export interface OpenRedisOptions {
  /** `redis.url`; it may carry a password, so it is never logged. */
  url: string;
  /**
   * The connection blocks (BullMQ workers, queue events) or must outlive an outage: commands wait for a
   * reconnect instead of failing (`maxRetriesPerRequest: null`, which BullMQ insists on). @defaultValue false
   */
  blocking?: boolean;
  /** Where the connection's trouble is reported. @defaultValue silent */
  log?: Logger;
  /**
   * ioredis settings for callers with their own deadlines (the API, the health check). The name given to
   * `openRedis` wins over a `connectionName` here, and `blocking` over a `maxRetriesPerRequest`.
   */
  tuning?: RedisOptions;
}

/**
 * The one way pimwatch opens Redis. `name` becomes the connection's `CLIENT SETNAME` (so `CLIENT LIST`
 * tells a worker from the API) and labels its log lines; every connection gets the same error listener.
 */
export function openRedis(name: string, options: OpenRedisOptions): Redis {
  const redis = new Redis(options.url, {
    ...options.tuning,
    connectionName: name,
    ...(options.blocking ? { maxRetriesPerRequest: null } : {}),
  });
  watchConnection(redis, name, options.log ?? silentLogger);
  return redis;
}

/**
 * Logs a connection's trouble once per change of state, not once per reconnect attempt (ioredis retries
 * every few hundred milliseconds): one warning when it is lost, one line with the count of failed
 * attempts when it is back. The listener also keeps ioredis from reporting errors as unhandled.
 */
function watchConnection(redis: Redis, name: string, log: Logger): void {
  let lost = false;
  let failures = 0;
  const lose = (err?: unknown) => {
    if (err !== undefined) failures += 1;
    if (lost) return;
    lost = true;
    log.warn(
      { connection: name, ...(err !== undefined ? { err: redisErrorText(err) } : {}) },
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

/**
 * An error's message fit for a log line. ioredis names host and port, not credentials, but a message that
 * quotes a `redis://user:password@host` URL (a DNS failure on a mistyped one, say) must not leak it.
 */
export function redisErrorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/(rediss?:\/\/)[^@\s/]*@/gi, '$1***@');
}
