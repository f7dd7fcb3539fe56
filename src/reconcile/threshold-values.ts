import type { FiresMoreWhen, ThresholdValues } from '../detectors/threshold-rules.js';
import { parseIsoDuration } from '../util/iso-duration.js';

export type { ThresholdValues };

/** A threshold as a comparable number: durations in milliseconds; undefined when it is neither. */
function magnitude(value: string | number | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const ms = parseIsoDuration(value);
  if (ms !== undefined) return ms;
  const n = Number(value.trim());
  return value.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

/** Same threshold, however it is written (`P30D` and `P4W2D` are equal; `3` and `'3'` too). */
export function sameThreshold(a: string | number | undefined, b: string | number | undefined): boolean {
  const left = magnitude(a);
  const right = magnitude(b);
  if (left !== undefined && right !== undefined) return left === right;
  return String(a) === String(b);
}

/** Whether two sets of thresholds disagree on any key either of them names. */
export function thresholdsDiffer(local: ThresholdValues, tenant: ThresholdValues): boolean {
  const keys = new Set([...Object.keys(local), ...Object.keys(tenant)]);
  return [...keys].some((key) => !sameThreshold(local[key], tenant[key]));
}

/**
 * The keys on which `ours` makes the detector fire more often (`more`) or less often (`less`) than
 * `theirs`, given which way each of the alert's thresholds works. Keys whose values cannot be compared
 * as numbers or durations are left out.
 */
export function keysWhereOursFires(
  direction: 'more' | 'less',
  ours: ThresholdValues,
  theirs: ThresholdValues,
  meaning: { readonly [key: string]: FiresMoreWhen | undefined },
): string[] {
  const keys: string[] = [];
  for (const [key, firesMoreWhen] of Object.entries(meaning)) {
    if (firesMoreWhen === undefined) continue;
    const mine = magnitude(ours[key]);
    const other = magnitude(theirs[key]);
    if (mine === undefined || other === undefined || mine === other) continue;
    const oursFiresMore = firesMoreWhen === 'lower' ? mine < other : mine > other;
    if (oursFiresMore === (direction === 'more')) keys.push(key);
  }
  return keys;
}

/** `globalAdminCountThreshold 2 (tenant 3)`: a short text for reasons and reports. */
export function describeThresholdDifference(
  keys: readonly string[],
  ours: ThresholdValues,
  theirs: ThresholdValues,
): string {
  return keys.map((key) => `${key} ${String(ours[key])} (tenant ${String(theirs[key])})`).join(', ');
}
