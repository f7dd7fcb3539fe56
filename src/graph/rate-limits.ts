import { TokenBucket } from '../util/token-bucket.js';

/**
 * Which of Graph's published throttles a request draws on. Directory reads are budgeted in resource
 * units so generously that a scan never nears them; only the two tight report throttles are paced.
 */
export type ThrottleClass = 'directory' | 'signInActivity' | 'reports';

export interface RateLimits {
  signInActivityPerMinute: number;
  reportsPer10Seconds: number;
}

export interface TenantRateLimiter {
  take(cls: ThrottleClass, count: number): Promise<void>;
  /** Graph said 429: whatever we believed, the budget is gone for now. */
  drain(cls: ThrottleClass): void;
}

const limiters = new Map<string, TenantRateLimiter>();
/** Sent this much after our bucket allows, so jitter on the way to Graph does not meet an empty bucket. */
const PACING_MARGIN_MS = 250;

/**
 * One limiter per tenant (and Graph endpoint) for the whole process, because Graph throttles per app
 * and tenant: two scans of one tenant in one worker share the budget.
 */
export function tenantRateLimiter(tenantId: string, baseUrl: string, limits: RateLimits): TenantRateLimiter {
  const key = `${baseUrl}|${tenantId.toLowerCase()}|${limits.signInActivityPerMinute}|${limits.reportsPer10Seconds}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    const buckets: Record<Exclude<ThrottleClass, 'directory'>, TokenBucket> = {
      signInActivity: TokenBucket.perWindow(limits.signInActivityPerMinute, 60_000, PACING_MARGIN_MS),
      reports: TokenBucket.perWindow(limits.reportsPer10Seconds, 10_000, PACING_MARGIN_MS),
    };
    limiter = {
      take: (cls, count) => (cls === 'directory' ? Promise.resolve() : buckets[cls].take(count)),
      drain: (cls) => {
        if (cls !== 'directory') buckets[cls].drain();
      },
    };
    limiters.set(key, limiter);
  }
  return limiter;
}

/** How many requests of a class fit in one batch without Graph throttling the rest. */
export function batchCapacity(cls: ThrottleClass, limits: RateLimits): number {
  if (cls === 'signInActivity') return limits.signInActivityPerMinute;
  if (cls === 'reports') return limits.reportsPer10Seconds;
  return Number.POSITIVE_INFINITY;
}
