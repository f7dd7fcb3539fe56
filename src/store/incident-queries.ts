import type { IncidentRecord } from '../model/lifecycle.js';
import type { IncidentFilter } from './state-store.js';

export function matchesIncidentFilter(record: IncidentRecord, filter: IncidentFilter = {}): boolean {
  if (filter.alert !== undefined && record.alert !== filter.alert) return false;
  if (filter.state !== undefined) {
    const states: readonly string[] = typeof filter.state === 'string' ? [filter.state] : filter.state;
    if (!states.includes(record.state)) return false;
  }
  return true;
}

/** Oldest incident first; fingerprint breaks ties so every listing of the same state is identical. */
export function sortRecords<T extends IncidentRecord>(records: T[]): T[] {
  return records.sort(
    (a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.fingerprint.localeCompare(b.fingerprint),
  );
}
