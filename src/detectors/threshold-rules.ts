import { durationMs, parseIsoDuration } from '../util/iso-duration.js';

/**
 * The vocabulary an alert module uses to say what its thresholds mean, so reconciliation can ask the
 * detector itself whether other values would have changed a verdict instead of keeping a second copy
 * of each firing rule.
 */

/** A detector's threshold settings, keyed by Graph's configuration property names. */
export type ThresholdValues = Record<string, string | number>;

/** The figures a threshold is compared with. `undefined`: not known; `null`: never / long ago. */
export interface ThresholdFacts {
  /** Tenant-wide figures a detector measured (its `metrics`), e.g. `globalAdmins`, `percent`. */
  metrics?: Readonly<Record<string, number>>;
  /** Whether the principal holds the role at all. */
  holds?: boolean;
  lastSignIn?: string | null;
  holdingStart?: string | null;
  lastActivation?: string | null;
  eligibleSince?: string | null;
  activationCount?: number | null;
}

/**
 * Which way a change of one threshold makes the detector fire more often: `lower` means a smaller value
 * finds more incidents (fewer admins, a shorter window, fewer activations); `higher` means a larger one
 * does (a longer gap still joins activations into one run).
 */
export type FiresMoreWhen = 'lower' | 'higher';

/** What an alert's thresholds mean; alerts without thresholds have none. */
export interface ThresholdMeaning<Config> {
  firesMoreWhen: { readonly [Key in keyof Config & string]?: FiresMoreWhen };
  /**
   * Whether the detector would fire for these facts under `values`; undefined when the facts are not
   * enough to say. Only the threshold-driven parts of the rule are re-checked.
   */
  wouldFireUnder(values: ThresholdValues, facts: ThresholdFacts, now: Date): boolean | undefined;
}

/** `timestamp` is older than `duration` before now (null: never, which is older than anything). */
export function olderThan(timestamp: string | null, duration: string, now: Date): boolean {
  return timestamp === null || Date.parse(timestamp) < now.getTime() - durationMs(duration);
}

/** Started at least `duration` ago (null: long ago). */
export function startedBefore(start: string | null, duration: string, now: Date): boolean {
  return start === null || Date.parse(start) <= now.getTime() - durationMs(duration);
}

/** All known conditions true: true; any known condition false: false; otherwise unknown. */
export function allOf(conditions: (boolean | undefined)[]): boolean | undefined {
  if (conditions.includes(false)) return false;
  return conditions.includes(undefined) ? undefined : true;
}

export function numberOf(values: ThresholdValues, key: string): number | undefined {
  const value = values[key];
  return typeof value === 'number' ? value : undefined;
}

export function durationOf(values: ThresholdValues, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' && parseIsoDuration(value) !== undefined ? value : undefined;
}

/**
 * The rule every "too long without X" alert shares: it holds the role, its last X is older than the
 * window, and the holding (or eligibility) started before the window.
 */
export function quietTooLong(
  values: ThresholdValues,
  facts: { holds?: boolean; last: string | null | undefined; since: string | null | undefined },
  now: Date,
): boolean | undefined {
  const duration = durationOf(values, 'duration');
  if (!duration) return undefined;
  return allOf([
    facts.holds,
    facts.last === undefined ? undefined : olderThan(facts.last, duration, now),
    facts.since === undefined ? undefined : startedBefore(facts.since, duration, now),
  ]);
}
