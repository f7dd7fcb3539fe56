import type { Redis } from 'ioredis';

/**
 * Workers say they are alive in a sorted set (member = worker id, score = last beat), so `/readyz` can
 * tell "no worker has been seen lately" from "the queue is merely idle".
 */
export function heartbeatKey(keyPrefix: string): string {
  return `${keyPrefix}:workers`;
}

export function startHeartbeat(redis: Redis, keyPrefix: string, workerId: string, intervalMs: number) {
  const beat = () =>
    redis.zadd(heartbeatKey(keyPrefix), Date.now(), workerId).catch(() => {
      // A missed beat only matters if Redis stays away, and then /readyz fails on Redis itself.
    });
  void beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis.zrem(heartbeatKey(keyPrefix), workerId).catch(() => {});
    },
  };
}

/** Workers seen within `withinMs`, dropping long-dead entries on the way. */
export async function liveWorkers(redis: Redis, keyPrefix: string, withinMs: number): Promise<string[]> {
  const key = heartbeatKey(keyPrefix);
  const now = Date.now();
  await redis.zremrangebyscore(key, 0, now - 24 * 3600 * 1000);
  return redis.zrangebyscore(key, now - withinMs, '+inf');
}
