/**
 * Deep-copies fixture resources, moving every ISO date-time string by `deltaMs`. A bundled tenant
 * written for one instant then looks the same (activations "yesterday", sign-ins "40 days ago") whenever
 * it is served. Graph's "never" date (`0001-01-01...`) stays as it is.
 */

/**
 * Where a bundled tenant's reference time is moved to when it is served "now": the start of the current
 * UTC hour. Shifting to the exact millisecond made every demo scan see a slightly different tenant (an
 * activation run starting a few seconds later is a new incident), so two scans with a kept state
 * disagreed; with a whole-hour anchor every scan within the same hour sees the same tenant.
 */
export function stableShiftTarget(now: Date): Date {
  return new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
}

const HOUR_MS = 3_600_000;

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

export function cloneShifted<T>(value: T, deltaMs: number): T {
  // Generated tenants repeat timestamps a lot; each distinct one is worked out once.
  const memo = new Map<string, string>();
  return cloneValue(value, deltaMs, memo) as T;
}

function cloneValue(value: unknown, deltaMs: number, memo: Map<string, string>): unknown {
  if (typeof value === 'string') {
    if (deltaMs === 0 || value.length < 16 || value[10] !== 'T') return value;
    let shifted = memo.get(value);
    if (shifted === undefined) {
      shifted = shiftIsoDateTime(value, deltaMs);
      memo.set(value, shifted);
    }
    return shifted;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneValue(value[i], deltaMs, memo);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    out[key] = cloneValue((value as Record<string, unknown>)[key], deltaMs, memo);
  }
  return out;
}

/**
 * Shifts one string if it is an ISO date-time; returns anything else unchanged. The result is in UTC and
 * keeps the original's fractional digits (Graph writes up to seven), so only the instant changes.
 * Parsing and formatting are done by hand: a 100,000-user fixture holds hundreds of thousands of
 * timestamps, and going through Date objects made the emulator's start take seconds.
 */
export function shiftIsoDateTime(text: string, deltaMs: number): string {
  // Cheap pre-check: most strings in a fixture are ids and names.
  if (text.length < 16 || text[4] !== '-' || (text[10] !== 'T' && text[10] !== 't')) return text;
  const match = ISO_DATE_TIME.exec(text);
  if (!match || match[1] === '0001') return text;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6] ?? '0');
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return text;
  const fraction = match[7] ?? '';
  const zone = match[8]!;
  const offsetMinutes =
    zone === 'Z' || zone === 'z'
      ? 0
      : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const instant =
    daysFromCivil(year, month, day) * DAY_MS +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    millis +
    deltaMs;
  const days = Math.floor(instant / DAY_MS);
  let rest = instant - days * DAY_MS;
  const [y, m, d] = civilFromDays(days);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const sec = Math.floor(rest / 1000);
  const ms = rest - sec * 1000;
  let digits = pad(ms, 3) + fraction.slice(3);
  while (digits.length > fraction.length && digits.endsWith('0')) digits = digits.slice(0, -1);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(sec, 2)}${digits === '' ? '' : `.${digits}`}Z`;
}

const DAY_MS = 86_400_000;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}
