import { z } from 'zod';
import { durationMs, isoDuration, parseIsoDuration } from '../util/iso-duration.js';
import { type BackoffSettings, type DeliveryOutcome, retryDelayMs } from './delivery.js';

/**
 * When a channel's failed deliveries are tried again. Without a `retry` section a channel uses
 * `notifiers.delivery` (a few attempts with doubling delays, minutes in all); with one, the waits are
 * the listed durations, so a receiver that is down overnight still gets the event.
 */

/**
 * The Standard Webhooks specification's example schedule (section "Retry schedule" of
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md): after the
 * first attempt, 5 seconds, 5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours and 10 hours, about 28
 * hours in all.
 */
export const STANDARD_WEBHOOKS_SCHEDULE = ['PT5S', 'PT5M', 'PT30M', 'PT2H', 'PT5H', 'PT10H', 'PT10H'];

/** Longer than this and the "delivered" marker (30 days) could expire before the last attempt. */
const MAX_TOTAL_MS = 7 * 24 * 3600 * 1000;

export const retrySchema = z
  .object({
    schedule: z.array(isoDuration).min(1).max(30).meta({
      description:
        "The wait before each retry, as ISO-8601 durations: one entry per retry, so attempts are its length plus one. A receiver's `Retry-After` can lengthen a wait (up to `delivery.maxDelayMs`), never shorten it.",
    }),
  })
  .strict()
  // An entry that is no duration is reported by `isoDuration`; here it counts as nothing.
  .refine((r) => r.schedule.reduce((sum, d) => sum + (parseIsoDuration(d) ?? 0), 0) <= MAX_TOTAL_MS, {
    message: 'the schedule may add up to at most 7 days',
    path: ['schedule'],
  });
export type RetryConfig = z.output<typeof retrySchema>;

/** What the notify job needs: how many attempts, and the wait before the next one. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** `attemptsMade` counts the attempts so far (>= 1). */
  delayMs(outcome: DeliveryOutcome, attemptsMade: number): number;
}

export function retryPolicyFor(
  retry: RetryConfig | undefined,
  delivery: BackoffSettings & { attempts: number },
): RetryPolicy {
  if (!retry) {
    return {
      attempts: delivery.attempts,
      delayMs: (outcome, attemptsMade) => retryDelayMs(outcome, attemptsMade, delivery),
    };
  }
  const waits = retry.schedule.map(durationMs);
  return {
    attempts: waits.length + 1,
    delayMs(outcome, attemptsMade) {
      const scheduled = waits[Math.min(waits.length, Math.max(1, attemptsMade)) - 1]!;
      const asked =
        outcome.status === 'retryable' && outcome.retryAfterMs !== undefined
          ? Math.min(outcome.retryAfterMs, delivery.maxDelayMs)
          : 0;
      return Math.max(scheduled, asked);
    },
  };
}
