import { z } from 'zod';

/**
 * ISO-8601 durations as Graph uses them (`P30D`, `PT10S`, `PT8H`, `P1DT12H`). Years and months are
 * rejected: they have no fixed length, and Graph's PIM settings never use them.
 */
const PATTERN =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Milliseconds in an ISO-8601 duration, or undefined when the text is not one. */
export function parseIsoDuration(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const [, weeks, days, hours, minutes, seconds] = match;
  const parts = [weeks, days, hours, minutes, seconds];
  if (parts.every((p) => p === undefined)) return undefined;
  const n = (p: string | undefined) => (p === undefined ? 0 : Number(p));
  return Math.round(
    n(weeks) * 7 * DAY + n(days) * DAY + n(hours) * HOUR + n(minutes) * MINUTE + n(seconds) * SECOND,
  );
}

/** Milliseconds in a duration that is known to be valid (schemas have checked it). */
export function durationMs(text: string): number {
  const ms = parseIsoDuration(text);
  if (ms === undefined) throw new Error(`not an ISO-8601 duration: ${text}`);
  return ms;
}

/** A zod string that must be an ISO-8601 duration of days, hours, minutes or seconds. */
export const isoDuration = z.string().refine((s) => parseIsoDuration(s) !== undefined, {
  message: 'must be an ISO-8601 duration such as P30D, PT8H or PT10S',
});

/** Formats milliseconds as a compact ISO-8601 duration (`P30D`, `PT1H30M`). */
export function formatIsoDuration(ms: number): string {
  if (ms <= 0) return 'PT0S';
  const days = Math.floor(ms / DAY);
  let rest = ms - days * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = rest / SECOND;
  let out = 'P';
  if (days) out += `${days}D`;
  if (hours || minutes || seconds) {
    out += 'T';
    if (hours) out += `${hours}H`;
    if (minutes) out += `${minutes}M`;
    if (seconds) out += `${Number(seconds.toFixed(3))}S`;
  }
  return out;
}
