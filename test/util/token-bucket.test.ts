import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Semaphore } from '../../src/util/semaphore.js';
import { TokenBucket } from '../../src/util/token-bucket.js';

// Vitest's fake timers replace the global setTimeout but not `node:timers/promises`, which the bucket
// sleeps with: route that through the global one so the fake clock drives the bucket's waits too.
vi.mock('node:timers/promises', () => ({
  setTimeout: (ms: number) => new Promise<void>((resolve) => globalThis.setTimeout(resolve, ms)),
}));

/** Whether a promise has settled by now (after the microtasks already queued have run). */
function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  return () => done;
}

describe('TokenBucket', () => {
  it('starts full, then refills continuously', async () => {
    let now = 0;
    const bucket = new TokenBucket(10, 10 / 60_000, () => now);
    await bucket.take(10);
    expect(bucket.available()).toBe(0);
    now = 6_000;
    expect(bucket.available()).toBeCloseTo(1, 5);
    now = 600_000;
    expect(bucket.available()).toBe(10);
  });

  describe('on a fake clock', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('makes a caller wait for tokens it does not have, exactly as long as they take to refill', async () => {
      const bucket = TokenBucket.perWindow(2, 200);
      await bucket.take(2);
      const third = settled(bucket.take(1));
      // One token refills in 100 ms (2 per 200 ms).
      await vi.advanceTimersByTimeAsync(99);
      expect(third()).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(third()).toBe(true);
    });

    it('serves waiters in order', async () => {
      const bucket = TokenBucket.perWindow(1, 50);
      const order: number[] = [];
      await bucket.take(1);
      const all = Promise.all([1, 2, 3].map((n) => bucket.take(1).then(() => order.push(n))));
      await vi.advanceTimersByTimeAsync(50);
      expect(order).toEqual([1]);
      await vi.advanceTimersByTimeAsync(100);
      await all;
      expect(order).toEqual([1, 2, 3]);
    });
  });
});

describe('Semaphore', () => {
  it('never runs more tasks than its limit', async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        semaphore.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('frees the slot when a task throws', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.run(async () => 'next')).resolves.toBe('next');
  });
});

describe('TokenBucket margin', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('adds the margin only when a caller had to wait', async () => {
    const bucket = TokenBucket.perWindow(2, 100, 80);
    // A full bucket answers at once: no margin.
    const first = settled(bucket.take(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(first()).toBe(true);
    const second = settled(bucket.take(2));
    // 100 ms to refill two tokens, then the 80 ms margin.
    await vi.advanceTimersByTimeAsync(179);
    expect(second()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(second()).toBe(true);
  });
});
