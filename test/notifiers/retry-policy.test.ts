import { describe, expect, it } from 'vitest';
import type { PimwatchConfig } from '../../src/config/schema.js';
import { deliveryBackoff, RetryableDeliveryError } from '../../src/jobs/notify-job.js';
import { notifiersConfigSchema } from '../../src/notifiers/config-schema.js';
import { retryable } from '../../src/notifiers/delivery.js';
import { retryPolicyFor, STANDARD_WEBHOOKS_SCHEDULE } from '../../src/notifiers/retry-policy.js';

const DELIVERY = { attempts: 6, backoffMs: 10_000, maxDelayMs: 900_000 };
const plain = retryable('receiver down');
const HOUR = 3_600_000;

describe('retryPolicyFor', () => {
  it('without a schedule, keeps the delivery backoff: doubling delays, Retry-After instead', () => {
    const policy = retryPolicyFor(undefined, DELIVERY);
    expect(policy.attempts).toBe(6);
    expect([1, 2, 3].map((n) => policy.delayMs(plain, n))).toEqual([10_000, 20_000, 40_000]);
    expect(policy.delayMs(retryable('busy', { retryAfterMs: 3000 }), 1)).toBe(3000);
  });

  it('with the Standard Webhooks schedule, retries for about 28 hours, attempts = waits + 1', () => {
    const policy = retryPolicyFor({ schedule: STANDARD_WEBHOOKS_SCHEDULE }, DELIVERY);
    expect(policy.attempts).toBe(8);
    const waits = [1, 2, 3, 4, 5, 6, 7].map((n) => policy.delayMs(plain, n));
    expect(waits).toEqual([5000, 300_000, 1_800_000, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
    expect(waits.reduce((a, b) => a + b, 0) / HOUR).toBeCloseTo(27.6, 1);
  });

  it("lets a receiver's Retry-After lengthen a scheduled wait (up to maxDelayMs), never shorten it", () => {
    const policy = retryPolicyFor({ schedule: ['PT5S', 'PT1H'] }, DELIVERY);
    expect(policy.delayMs(retryable('busy', { retryAfterMs: 60_000 }), 1)).toBe(60_000);
    expect(policy.delayMs(retryable('busy', { retryAfterMs: 1000 }), 2)).toBe(HOUR);
    expect(policy.delayMs(retryable('busy', { retryAfterMs: 86_400_000 }), 1)).toBe(900_000);
  });
});

describe('deliveryBackoff', () => {
  const notifiers = notifiersConfigSchema.parse({
    teams: [{ name: 'ops', webhookUrl: { env: 'X' } }],
    webhooks: [{ name: 'siem', url: { env: 'Y' }, secrets: [{ env: 'Z' }] }],
  });
  const backoff = deliveryBackoff({ notifiers } as PimwatchConfig);
  const error = new RetryableDeliveryError('down', plain);

  it("follows the job's channel: hours for a webhook, the doubling backoff for Teams", () => {
    expect(backoff(4, 'delivery', error, { data: { channel: 'siem' } })).toBe(2 * HOUR);
    expect(backoff(4, 'delivery', error, { data: { channel: 'ops' } })).toBe(80_000);
  });

  it('falls back to the delivery backoff for a channel no longer configured', () => {
    expect(backoff(2, 'delivery', error, { data: { channel: 'gone' } })).toBe(20_000);
  });
});
