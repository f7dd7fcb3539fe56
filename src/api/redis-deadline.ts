import type { Redis, RedisOptions } from 'ioredis';
import { isConnectionFailure } from '../jobs/connection.js';

/** How long a client should wait before asking again while Redis is away (seconds, `Retry-After`). */
export const REDIS_RETRY_AFTER_SECONDS = 5;

/** Redis did not answer in time or is not connected: the API answers 503 instead of waiting. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * Connection options for everything the API asks Redis. Nothing waits for a reconnect (no offline queue,
 * so a request a client has given up on is never sent later), and a command Redis does not answer within
 * `timeoutMs` fails. ioredis keeps reconnecting in the background, so the API recovers on its own.
 */
export function apiRedisOptions(name: string, timeoutMs: number): RedisOptions {
  return {
    connectionName: name,
    // Connect now: without an offline queue, a lazy connection would fail its first command.
    lazyConnect: false,
    enableOfflineQueue: false,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1000),
    maxRetriesPerRequest: 0,
    // A command sent before a connection broke is not sent again on the next one: its caller got a 503.
    autoResendUnfulfilledCommands: false,
    // Reconnect at a steady pace: an outage should end in the API answering again within seconds.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
}

/** The error as the API should see it: a connection failure becomes `RedisUnavailableError`. */
export function asRedisUnavailable(error: unknown): unknown {
  return isConnectionFailure(error) && !(error instanceof RedisUnavailableError)
    ? new RedisUnavailableError(`redis unavailable: ${(error as Error).message}`, { cause: error })
    : error;
}

/**
 * Runs `work` but gives up after `timeoutMs` with `RedisUnavailableError`. The signal tells `work` it was
 * given up on, so a later step (a write after a slow read) is not sent at all.
 */
export async function withinDeadline<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new RedisUnavailableError(`redis did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const running = work(controller.signal);
  // The loser of the race may still fail later; that is expected and must not surface as unhandled.
  running.catch(() => {});
  try {
    return await Promise.race([running, expired]);
  } catch (error) {
    throw asRedisUnavailable(error);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once every connection is ready, or after `ms` whatever their state. */
export async function connectedWithin(connections: readonly Redis[], ms: number): Promise<void> {
  const pending = connections.filter((c) => c.status !== 'ready');
  if (pending.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(pending.map((c) => new Promise<void>((resolve) => c.once('ready', () => resolve())))),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
