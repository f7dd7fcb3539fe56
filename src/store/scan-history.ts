/** How many scan summaries a tenant's history keeps unless configured otherwise. */
export const DEFAULT_SCAN_HISTORY_LENGTH = 100;
/** How many scans `listScans` returns when no limit is given. */
export const DEFAULT_SCAN_LIST_LIMIT = 20;

export function checkScanHistoryLength(length: number): number {
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`scan history length must be a positive whole number, not ${length}`);
  }
  return length;
}

export function scanListLimit(limit: number | undefined): number {
  const value = limit ?? DEFAULT_SCAN_LIST_LIMIT;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`scan list limit must be a positive whole number, not ${value}`);
  }
  return value;
}

/** A retention in days as milliseconds (undefined: keep for ever). */
export function retentionMs(days: number | undefined): number | undefined {
  if (days === undefined) return undefined;
  if (!Number.isFinite(days) || days <= 0) {
    throw new RangeError(`retention must be a positive number of days, not ${days}`);
  }
  return days * 86_400_000;
}
