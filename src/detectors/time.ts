import type { SignInActivity } from '../model/snapshot.js';
import { durationMs } from '../util/iso-duration.js';

/**
 * Time arithmetic shared by the detectors. Graph timestamps carry up to seven fractional digits, so
 * comparisons always go through epoch milliseconds, never string order.
 */

/** Epoch milliseconds of an ISO-8601 timestamp; throws on text that is not one, so bad data is loud. */
export function epochMs(timestamp: string): number {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) throw new Error(`not an ISO-8601 timestamp: ${timestamp}`);
  return ms;
}

/** The instant `windowMs` before `now`: the edge of a look-back or duration window. */
export function windowEdge(now: Date, windowMs: number): number {
  return now.getTime() - windowMs;
}

/** Inside a look-back window: at or after its edge (the edge itself is inside). */
export function isWithinLookBack(timestamp: string, now: Date, windowMs: number): boolean {
  return epochMs(timestamp) >= windowEdge(now, windowMs);
}

/** "Older than `duration`": strictly before `now - duration`. Null (never / long ago) is older than anything. */
export function isOlderThan(timestamp: string | null, now: Date, windowMs: number): boolean {
  return timestamp === null || epochMs(timestamp) < windowEdge(now, windowMs);
}

/** The latest of some optional timestamps, or null when none is set. */
export function latestOf(timestamps: readonly (string | null | undefined)[]): string | null {
  let best: string | null = null;
  let bestMs = Number.NEGATIVE_INFINITY;
  for (const timestamp of timestamps) {
    if (timestamp == null) continue;
    const ms = epochMs(timestamp);
    if (ms > bestMs) {
      best = timestamp;
      bestMs = ms;
    }
  }
  return best;
}

/** The latest of the three sign-in times Graph keeps; null when none is set (never signed in). */
export function lastSignIn(activity: SignInActivity): string | null {
  return latestOf([
    activity.lastSignInDateTime,
    activity.lastNonInteractiveSignInDateTime,
    activity.lastSuccessfulSignInDateTime,
  ]);
}

/** `duration` (ISO-8601) after `timestamp`, as an ISO time: when a "too long without" window ran out. */
export function plusDuration(timestamp: string, duration: string): string {
  return new Date(Date.parse(timestamp) + durationMs(duration)).toISOString();
}

/** The date (day only) of an ISO time, or `never`: how the text report writes key dates. */
export function dayOf(value: string | null | undefined): string {
  return value ? value.slice(0, 10) : 'never';
}
