/**
 * Redis key layout. `{p}` is `redis.keyPrefix` (default `pimwatch`); `{t}` is the tenant id in lower case,
 * so `ABC...` and `abc...` are one tenant. Every value is JSON unless said otherwise.
 *
 *   {p}:tenant:{t}:incidents           HASH    fingerprint -> incident record (StoredIncidentRecord)
 *   {p}:tenant:{t}:suppressions        HASH    suppression id -> Suppression (expired ones kept for the record)
 *   {p}:tenant:{t}:scans               LIST    ScanSummary, newest first, trimmed to the history length
 *   {p}:tenant:{t}:applied:{scanId}    STRING  the transitions a committed scan produced; expires after a
 *                                              week. Lets a retried job get them again instead of re-applying.
 *   {p}:tenant:{t}:recorded:{scanId}   STRING  "1" once the scan is in the history; expires after a week.
 *                                              Makes recording a retried scan's summary idempotent.
 *   {p}:feed                           STREAM  one entry per transition of every tenant, ids `{seq}-0`,
 *                                              fields `tenantId`, `eventId`, `transition`; XADD MAXLEN ~ N
 *   {p}:feed:seq                       STRING  (integer) the last sequence number given to a feed entry
 *
 * A scan's transaction touches one tenant's keys and the two feed keys, so this layout needs a single
 * Redis (standalone or Sentinel), not Cluster, where those keys would live in different slots.
 */
export interface TenantKeys {
  incidents: string;
  suppressions: string;
  scans: string;
  appliedScan(scanId: string): string;
  recordedScan(scanId: string): string;
}

export interface StoreKeys {
  tenant(tenantId: string): TenantKeys;
  feed: string;
  feedSequence: string;
}

export function storeKeys(prefix: string): StoreKeys {
  if (prefix === '' || /[\s{}]/.test(prefix)) {
    // Braces would turn part of every key into a Cluster hash tag; whitespace is a typo.
    throw new RangeError(`key prefix "${prefix}" must be non-empty, without spaces or braces`);
  }
  return {
    tenant(tenantId) {
      const base = `${prefix}:tenant:${tenantId.toLowerCase()}`;
      return {
        incidents: `${base}:incidents`,
        suppressions: `${base}:suppressions`,
        scans: `${base}:scans`,
        appliedScan: (scanId) => `${base}:applied:${scanId}`,
        recordedScan: (scanId) => `${base}:recorded:${scanId}`,
      };
    },
    feed: `${prefix}:feed`,
    feedSequence: `${prefix}:feed:seq`,
  };
}
