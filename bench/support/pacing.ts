import type { GraphHttp } from '../../src/graph/http.js';
import type { TenantRateLimiter, ThrottleClass } from '../../src/graph/rate-limits.js';
import { TokenBucket } from '../../src/util/token-bucket.js';

/**
 * How a scaled run speeds up pimwatch's own pacing to match the emulator's faster throttle clock.
 *
 * - `clock` (default): pimwatch's buckets keep Graph's sizes (10 sign-in reads, 5 report reads, and the
 *   batches sized to them) and only refill `timeScale` times faster, exactly as the emulator's do. The
 *   configuration cannot say this (see below), so the session's limiter is replaced by one built from
 *   pimwatch's own `TokenBucket` with the faster refill.
 * - `rateLimits`: `graph.rateLimits` multiplied by the scale. `TokenBucket.perWindow(n, window)` makes
 *   `n` both the refill and the bucket size, and `batchCapacity` sizes batches by it, so the client
 *   bursts `timeScale` times more than Graph's (and the emulator's) bucket holds: the run collects 429s a
 *   real-time run never sees.
 */
export type ScaleMode = 'clock' | 'rateLimits';

export interface PacingMarks {
  /** When the scan was first / last granted a sign-in activity read (ms after `start`). */
  signInFirstAtMs?: number;
  signInLastAtMs?: number;
}

interface WithLimiter {
  limiter: TenantRateLimiter;
}

/**
 * Replaces (mode `clock`, scale > 1) and in every case wraps the session's rate limiter, to record when
 * sign-in reads were let through. Reaches into GraphHttp's private `limiter` field: benchmark-only.
 */
export function instrumentPacing(
  http: GraphHttp,
  options: { timeScale: number; mode: ScaleMode; start: () => number },
): PacingMarks {
  const target = http as unknown as WithLimiter;
  if (!target.limiter || typeof target.limiter.take !== 'function') {
    throw new Error('GraphHttp has no limiter field any more: update bench/support/pacing.ts');
  }
  let inner = target.limiter;
  if (options.mode === 'clock' && options.timeScale !== 1) {
    const s = options.timeScale;
    const buckets: Record<Exclude<ThrottleClass, 'directory'>, TokenBucket> = {
      signInActivity: new TokenBucket(10, (10 / 60_000) * s),
      reports: new TokenBucket(5, (5 / 10_000) * s),
    };
    inner = {
      take: (cls, count) => (cls === 'directory' ? Promise.resolve() : buckets[cls].take(count)),
      drain: (cls) => {
        if (cls !== 'directory') buckets[cls].drain();
      },
    };
  }
  const marks: PacingMarks = {};
  target.limiter = {
    take: async (cls, count) => {
      await inner.take(cls, count);
      if (cls === 'signInActivity') {
        const at = performance.now() - options.start();
        marks.signInFirstAtMs ??= at;
        marks.signInLastAtMs = at;
      }
    },
    drain: (cls) => inner.drain(cls),
  };
  return marks;
}
