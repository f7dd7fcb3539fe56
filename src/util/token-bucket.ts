import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A token bucket that mirrors one of Graph's published throttles (e.g. 10 sign-in activity reads a
 * minute), so the scanner paces itself instead of collecting 429s. It starts full, as Graph's does,
 * and refills continuously. Waiters are served in order, so a large request cannot starve.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private queue: Promise<void> = Promise.resolve();

  /**
   * @param marginMs extra wait whenever a caller had to wait for tokens. Graph's bucket and ours are
   * never perfectly in step (each request reaches Graph a little later than we send it), so pacing
   * exactly at the limit loses the last request of a batch to a 429 now and then; a small margin costs
   * milliseconds and avoids that. Tokens keep accruing during the margin, so it does not add up.
   */
  constructor(
    readonly capacity: number,
    private readonly refillPerMs: number,
    private readonly clock: () => number = Date.now,
    private readonly marginMs = 0,
  ) {
    this.tokens = capacity;
    this.updatedAt = clock();
  }

  /** `count` requests every `windowMs`, e.g. `TokenBucket.perWindow(10, 60_000)`. */
  static perWindow(count: number, windowMs: number, marginMs = 0): TokenBucket {
    return new TokenBucket(count, count / windowMs, Date.now, marginMs);
  }

  /** Waits until `count` tokens (at most the capacity) are available and takes them. */
  take(count = 1): Promise<void> {
    const wanted = Math.min(count, this.capacity);
    const turn = this.queue.then(() => this.waitFor(wanted));
    this.queue = turn.catch(() => {});
    return turn;
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Empties the bucket, e.g. after Graph answered 429 although we thought we had budget. */
  drain(): void {
    this.refill();
    this.tokens = 0;
  }

  private async waitFor(wanted: number): Promise<void> {
    let waited = false;
    for (;;) {
      this.refill();
      if (this.tokens >= wanted) {
        if (waited && this.marginMs > 0) {
          await sleep(this.marginMs);
          this.refill();
        }
        this.tokens -= wanted;
        return;
      }
      waited = true;
      const waitMs = Math.ceil((wanted - this.tokens) / this.refillPerMs);
      await sleep(Math.max(1, waitMs));
    }
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.refillPerMs);
    this.updatedAt = now;
  }
}
