import { checkScanHistoryLength, DEFAULT_SCAN_HISTORY_LENGTH, retentionMs } from './scan-history.js';

/** What every state store is configured with, whatever keeps the state. */
export interface StoreSettingsOptions {
  /** Feed entries kept (the memory store keeps exactly this many, Redis about this many). */
  feedMaxLength: number;
  /** Scan summaries kept per tenant. @defaultValue 100 */
  scanHistoryLength?: number;
  /** Decides suppression expiry in `addSuppression`/`listSuppressions`. @defaultValue the system clock */
  clock?: () => Date;
  /** Days a resolved incident or an expired suppression is kept; each scan forgets older ones. @defaultValue for ever */
  retentionDays?: number;
}

/** The same, checked and with the defaults filled in. */
export interface StoreSettings {
  feedMaxLength: number;
  scanHistoryLength: number;
  clock: () => Date;
  /** Undefined: kept for ever. */
  retentionMs: number | undefined;
}

/** Checks a store's settings once, so both stores refuse the same nonsense with the same message. */
export function storeSettings(options: StoreSettingsOptions): StoreSettings {
  if (!Number.isInteger(options.feedMaxLength) || options.feedMaxLength < 1) {
    throw new RangeError(`feed max length must be a positive whole number, not ${options.feedMaxLength}`);
  }
  return {
    feedMaxLength: options.feedMaxLength,
    scanHistoryLength: checkScanHistoryLength(options.scanHistoryLength ?? DEFAULT_SCAN_HISTORY_LENGTH),
    clock: options.clock ?? (() => new Date()),
    retentionMs: retentionMs(options.retentionDays),
  };
}
