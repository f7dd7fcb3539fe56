import { describe, expect, it } from 'vitest';
import {
  type DeliveryOutcome,
  outcomeOfStatus,
  parseRetryAfter,
  retryDelayMs,
  sanitizeReason,
} from '../../src/notifiers/delivery.js';

const NOW = new Date('2026-06-15T12:00:00Z');

describe('outcomeOfStatus', () => {
  it.each([
    [200, 'delivered'],
    [202, 'delivered'],
    [204, 'delivered'],
    [301, 'permanent'],
    [400, 'permanent'],
    [401, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [408, 'retryable'],
    [413, 'permanent'],
    [429, 'retryable'],
    [500, 'retryable'],
    [502, 'retryable'],
    [503, 'retryable'],
    [504, 'retryable'],
  ] as const)('%i is %s', (status, expected) => {
    expect(outcomeOfStatus(status, 'receiver', { now: NOW }).status).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['1.5', 1500],
    ['Mon, 15 Jun 2026 12:01:00 GMT', 60_000],
    ['Mon, 15 Jun 2026 11:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s → %s ms', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  const settings = { backoffMs: 10_000, maxDelayMs: 900_000 };
  const failed: DeliveryOutcome = { status: 'retryable', reason: 'x' };

  it('doubles from the base delay with each attempt, up to the cap', () => {
    expect([1, 2, 3, 4, 10, 20].map((n) => retryDelayMs(failed, n, settings))).toEqual([
      10_000, 20_000, 40_000, 80_000, 900_000, 900_000,
    ]);
  });

  it("uses the receiver's Retry-After instead, still capped", () => {
    expect(retryDelayMs({ ...failed, retryAfterMs: 3000 }, 5, settings)).toBe(3000);
    expect(retryDelayMs({ ...failed, retryAfterMs: 86_400_000 }, 1, settings)).toBe(900_000);
  });
});

describe('sanitizeReason', () => {
  it('cuts URLs, sig parameters and given secrets, and keeps reasons short', () => {
    const text =
      'failed posting to https://prod.logic.azure.com/workflows/x?sig=abc123 with sig=abc123 and token hunter2 ' +
      'x'.repeat(400);
    const clean = sanitizeReason(text, ['hunter2']);
    expect(clean).not.toMatch(/abc123|hunter2|logic\.azure/);
    expect(clean.startsWith('failed posting to [URL] with sig=[redacted] and token [redacted]')).toBe(true);
    expect(clean.length).toBeLessThanOrEqual(300);
  });
});
