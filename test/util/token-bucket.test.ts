import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/util/semaphore.js';
import { TokenBucket } from '../../src/util/token-bucket.js';

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

  it('makes a caller wait for tokens it does not have', async () => {
    const bucket = TokenBucket.perWindow(2, 200);
    const started = Date.now();
    await bucket.take(2);
    await bucket.take(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('serves waiters in order', async () => {
    const bucket = TokenBucket.perWindow(1, 50);
    const order: number[] = [];
    await bucket.take(1);
    await Promise.all([1, 2, 3].map((n) => bucket.take(1).then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
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
  it('adds the margin only when a caller had to wait', async () => {
    const bucket = TokenBucket.perWindow(2, 100, 80);
    let started = Date.now();
    await bucket.take(2);
    expect(Date.now() - started).toBeLessThan(40);
    started = Date.now();
    await bucket.take(2);
    // ~100 ms to refill two tokens, then the 80 ms margin.
    expect(Date.now() - started).toBeGreaterThanOrEqual(170);
  });
});
