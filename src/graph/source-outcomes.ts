import type { Principal, SourceName, SourceStatus } from '../model/snapshot.js';
import { SOURCE_NAMES } from '../model/snapshot.js';
import type { HistorySourceOutcome } from './activation-history.js';
import type { ReadOutcome } from './collection.js';
import { describeFailure, type GraphFailure } from './errors.js';
import type { GraphHttp } from './http.js';

/** A read that may not have been needed for this tenant. */
export type Outcome<T> = ReadOutcome<T> | { status: 'skipped' };
/** What one source's read came to, before it becomes the snapshot's source status. */
export type SourceOutcome = Outcome<unknown> | HistorySourceOutcome;

/** Called as sources finish reading (`done` of `total`, the sources in SOURCE_NAMES): for a progress line. */
export type SourcesDoneReport = (done: number, total: number) => void;

/** A pass-through for a read's result that counts `sources` more as finished. */
export type FinishedSources = (sources: number) => <T>(value: T) => T;

/**
 * A pass-through for reads that counts how many sources have finished, never beyond the total (the
 * last call settles whatever is left, e.g. the principal lookup, which only some tenants need).
 */
export function countFinishedSources(report: SourcesDoneReport | undefined): FinishedSources {
  let done = 0;
  const total = SOURCE_NAMES.length;
  return (sources: number) =>
    <T>(value: T): T => {
      const next = Math.min(total, done + sources);
      if (next !== done) {
        done = next;
        report?.(done, total);
      }
      return value;
    };
}

/** The items read, or none when the source failed or was skipped. */
export function itemsOf<T>(outcome: ReadOutcome<T> | { status: 'skipped' } | undefined): T[] {
  return outcome && outcome.status === 'ok' ? outcome.items : [];
}

/** Adds principals to the map, keeping the richest record (a member list may lack what an expansion had). */
export function rememberIn(principals: Map<string, Principal>) {
  return (p: Principal | null | undefined) => {
    if (!p) return;
    const known = principals.get(p.id);
    if (!known || (known.type === 'unknown' && p.type !== 'unknown')) principals.set(p.id, p);
  };
}

/**
 * A reader's own outcome (ok with what it found, or failed) as a source outcome; a read that was not
 * made (`undefined`, or `skipped`) is skipped.
 */
export function outcomeOf<R extends { status: 'ok' | 'error' | 'skipped'; failure?: GraphFailure }>(
  read: R | undefined,
  items: (read: R) => unknown[],
): SourceOutcome {
  if (!read || read.status === 'skipped') return { status: 'skipped' };
  return read.status === 'ok'
    ? { status: 'ok', items: items(read) }
    : { status: 'error', failure: read.failure! };
}

/** Each source's status for the report: what was read, how many requests it took, and why it failed. */
export function sourceStatuses(
  outcomes: Readonly<Record<SourceName, SourceOutcome>>,
  http: GraphHttp,
): Record<SourceName, SourceStatus> {
  const result = {} as Record<SourceName, SourceStatus>;
  for (const name of SOURCE_NAMES) {
    result[name] = statusOf(outcomes[name], http.countsByTag.get(name) ?? 0);
  }
  return result;
}

function statusOf(outcome: SourceOutcome, requests: number): SourceStatus {
  if (outcome.status === 'skipped') return { status: 'skipped', requests, items: 0 };
  if (outcome.status === 'ok') return { status: 'ok', requests, items: outcome.items.length };
  return {
    status: outcome.status === 'replaced' ? 'replaced' : 'failed',
    requests,
    items: 0,
    cause: describeFailure(outcome.failure),
    ...(outcome.failure.status !== undefined ? { httpStatus: outcome.failure.status } : {}),
    ...(outcome.failure.code ? { graphErrorCode: outcome.failure.code } : {}),
  };
}
