/**
 * Graph's published throttle limits as token buckets, one per limit and app (the tenant is fixed):
 * buckets start full, refill continuously, and a request that does not fit is answered 429 with the
 * seconds until it would fit. Limits from Microsoft's throttling-limits page (identity and access
 * service, identity and access reports); where Graph documents nothing (roleManagement, policies, the
 * PIM alert APIs) the directory resource-unit bucket is assumed.
 */

export interface ThrottleOptions {
  enabled: boolean;
  /**
   * How much faster than real time the buckets refill (default 1). Retry-After shrinks to match, so a
   * benchmark can run the same request pattern in a fraction of the time.
   */
  timeScale?: number;
}

export type LimitName = 'signInActivity' | 'reports' | 'directory' | 'writes';

interface LimitSpec {
  capacity: number;
  windowSeconds: number;
  /**
   * `x-ms-throttle-information` on the 429. Graph documents the values for the directory service
   * (`ResourceUnitLimitExceeded`, `WriteLimitExceeded`); the reports value is an assumption.
   */
  information: string;
}

/** Directory reads: 3,500 / 5,000 / 8,000 resource units per 10 s for tenants of <50 / 50-500 / >500 users. */
export function directoryBucketSize(userCount: number): number {
  if (userCount < 50) return 3500;
  if (userCount <= 500) return 5000;
  return 8000;
}

function limitSpecs(userCount: number): Record<LimitName, LimitSpec> {
  return {
    // "GET signInActivity: 10 requests per minute" per app per tenant.
    signInActivity: { capacity: 10, windowSeconds: 60, information: 'RequestLimitExceeded' },
    // Identity and access reports (directoryAudit, signIn, ...): 5 requests per 10 s per app per tenant.
    reports: { capacity: 5, windowSeconds: 10, information: 'RequestLimitExceeded' },
    directory: {
      capacity: directoryBucketSize(userCount),
      windowSeconds: 10,
      information: 'ResourceUnitLimitExceeded',
    },
    // Directory writes: 3,000 requests per 2 min 30 s per app per tenant.
    writes: { capacity: 3000, windowSeconds: 150, information: 'WriteLimitExceeded' },
  };
}

/**
 * Resource units a directory read costs: `GET users` 2, `subscribedSkus` 3, `groups/{id}/members` 3,
 * `transitiveMembers` 5, anything else 1; `$select` -1, `$expand` +1, `$top` below 20 -1; at least 1.
 */
export function resourceUnitCost(normalisedPath: string, query: URLSearchParams): number {
  let cost = 1;
  if (normalisedPath === 'users' || normalisedPath === 'users/{id}') cost = 2;
  else if (normalisedPath === 'subscribedSkus') cost = 3;
  else if (normalisedPath === 'groups/{id}/members') cost = 3;
  else if (normalisedPath === 'groups/{id}/transitiveMembers') cost = 5;
  if (query.has('$select')) cost -= 1;
  if (query.has('$expand')) cost += 1;
  const top = Number(query.get('$top'));
  if (query.has('$top') && Number.isFinite(top) && top < 20) cost -= 1;
  return Math.max(1, cost);
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    /** Tokens per millisecond of real time. */
    private readonly refillPerMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Milliseconds until `cost` tokens are there (0 when they are now). */
  waitMs(cost: number, now: number): number {
    this.refill(now);
    const needed = Math.min(cost, this.capacity) - this.tokens;
    return needed <= 0 ? 0 : needed / this.refillPerMs;
  }

  take(cost: number, now: number): void {
    this.refill(now);
    this.tokens -= Math.min(cost, this.capacity);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerMs);
    this.last = now;
  }
}

export interface ThrottledRequest {
  clientId: string;
  method: string;
  /** e.g. `users`, `users/{id}`, `groups/{id}/members`. */
  normalisedPath: string;
  query: URLSearchParams;
}

export type ThrottleDecision =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; retryAfterSeconds: number; headers: Record<string, string> };

export class Throttle {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly specs: Record<LimitName, LimitSpec>;
  private readonly timeScale: number;

  constructor(
    private readonly options: {
      tenantId: string;
      userCount: number;
      timeScale?: number;
      now?: () => number;
    },
  ) {
    this.specs = limitSpecs(options.userCount);
    this.timeScale = options.timeScale && options.timeScale > 0 ? options.timeScale : 1;
  }

  /** Takes what the request costs from every bucket it draws on, or from none when one is short. */
  draw(request: ThrottledRequest): ThrottleDecision {
    const limits = limitsFor(request);
    if (limits.length === 0) return { ok: true, headers: {} };
    const now = this.options.now ? this.options.now() : performance.now();
    const cost = (limit: LimitName) =>
      limit === 'directory' ? resourceUnitCost(request.normalisedPath, request.query) : 1;
    let waitMs = 0;
    let blocking: LimitName | undefined;
    for (const limit of limits) {
      const wait = this.bucket(limit, request.clientId, now).waitMs(cost(limit), now);
      if (wait > waitMs) {
        waitMs = wait;
        blocking = limit;
      }
    }
    if (blocking) {
      const readWrite = request.method === 'GET' ? 'Read' : 'ReadWrite';
      return {
        ok: false,
        // Rounded up so that waiting exactly this long is enough.
        retryAfterSeconds: Math.max(0.001, Math.ceil(waitMs) / 1000),
        headers: {
          'x-ms-throttle-scope': `Tenant_Application/${readWrite}/${request.clientId}/${this.options.tenantId}`,
          'x-ms-throttle-information': this.specs[blocking].information,
        },
      };
    }
    for (const limit of limits) this.bucket(limit, request.clientId, now).take(cost(limit), now);
    return limits.includes('directory')
      ? { ok: true, headers: { 'x-ms-resource-unit': String(cost('directory')) } }
      : { ok: true, headers: {} };
  }

  private bucket(limit: LimitName, clientId: string, now: number): TokenBucket {
    const key = `${limit}\u0000${clientId}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const spec = this.specs[limit];
      bucket = new TokenBucket(
        spec.capacity,
        (spec.capacity / (spec.windowSeconds * 1000)) * this.timeScale,
        now,
      );
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}

/** Which limits a request counts against. */
export function limitsFor(
  request: Pick<ThrottledRequest, 'method' | 'normalisedPath' | 'query'>,
): LimitName[] {
  const path = request.normalisedPath;
  if (request.method !== 'GET') {
    // Mail goes through Exchange's own limits, which a scan never comes near.
    return path.endsWith('/sendMail') ? [] : ['writes'];
  }
  if (path.startsWith('auditLogs/') || path.startsWith('reports/')) return ['reports'];
  if ((path === 'users' || path === 'users/{id}') && readsSignInActivity(request.query)) {
    return ['signInActivity', 'directory'];
  }
  return ['directory'];
}

function readsSignInActivity(query: URLSearchParams): boolean {
  return (
    /signInActivity/i.test(query.get('$select') ?? '') || /signInActivity/i.test(query.get('$filter') ?? '')
  );
}
