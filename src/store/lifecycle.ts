import { createHash } from 'node:crypto';
import type { AlertId } from '../model/alerts.js';
import type {
  ClassifiedIncident,
  IncidentRecord,
  IncidentState,
  Suppression,
  Transition,
  TransitionType,
} from '../model/lifecycle.js';
import { findActiveSuppression } from './suppressions.js';

/**
 * Pure incident lifecycle: previous records + one scan's incidents in, next records + transitions out.
 * No clock (`scannedAt` comes in), no I/O; the Redis and in-memory stores both call this, so the rules
 * live in one place.
 */

/** An opening that people were not told about because a suppression covered it. */
export interface HiddenOpening {
  type: Extract<TransitionType, 'opened' | 'reopened'>;
  suppressionId: string;
}

/**
 * An `IncidentRecord` as the store keeps it. `hiddenOpening` is the one thing the shared model has no
 * field for: it remembers that the current episode's opening was suppressed, so it can be announced
 * once the suppression ends instead of staying hidden for good.
 */
export interface StoredIncidentRecord extends IncidentRecord {
  hiddenOpening?: HiddenOpening | null;
}

export interface LifecycleInput {
  tenantId: string;
  scanId: string;
  /** When the scan ran (ISO-8601); stamps records and transitions and decides which suppressions are active. */
  scannedAt: string;
  previous: ReadonlyMap<string, StoredIncidentRecord>;
  incidents: readonly ClassifiedIncident[];
  /** Alerts whose detector ran with status ok: only their absent incidents may resolve. */
  resolvableAlerts: ReadonlySet<AlertId>;
  /**
   * Alerts whose incidents may open or reopen on our word alone; an incident of another alert opens only
   * when PIM reports it too (`both`). Absent: every alert.
   */
  openableAlerts?: ReadonlySet<AlertId>;
  /** The tenant's suppressions, expired ones included (they are ignored by time). */
  suppressions: readonly Suppression[];
  /**
   * Resolved incidents and expired suppressions older than this (before `scannedAt`) are forgotten.
   * Absent: kept for ever.
   */
  retentionMs?: number;
}

export interface LifecycleResult {
  /** Every record, changed or not, keyed by fingerprint. */
  records: Map<string, StoredIncidentRecord>;
  /** Fingerprints whose record this scan changed: what a store has to write back. */
  changed: string[];
  /** Fingerprints of resolved records past the retention: what a store has to delete. */
  pruned: string[];
  /** Ids of suppressions that expired longer ago than the retention: what a store has to delete. */
  prunedSuppressions: string[];
  transitions: Transition[];
}

const OPEN_STATES: ReadonlySet<IncidentState> = new Set(['new', 'open', 'reopened']);

export function isOpenState(state: IncidentState): boolean {
  return OPEN_STATES.has(state);
}

/**
 * The event id of a record's `counter`-th transition. Built from identity and position only, so a retried
 * job that repeats the transition repeats its id (receivers dedupe), and the next transition gets a new one.
 */
export function transitionEventId(tenantId: string, fingerprint: string, counter: number): string {
  return createHash('sha256')
    .update(`pimwatch.transition|${tenantId.toLowerCase()}|${fingerprint}|${counter}`)
    .digest('hex')
    .slice(0, 32);
}

function mayOpen(input: LifecycleInput, incident: ClassifiedIncident): boolean {
  return (
    !input.openableAlerts || input.openableAlerts.has(incident.alert) || incident.classification === 'both'
  );
}

/** Counts a transition on its record and remembers or forgets a hidden opening. */
type Emit = (
  record: StoredIncidentRecord,
  type: TransitionType,
  suppressed: Suppression | null,
) => StoredIncidentRecord;

/** An `Emit` that collects the transitions of one scan into `transitions`. */
function transitionEmitter(input: LifecycleInput, transitions: Transition[]): Emit {
  const { tenantId, scanId, scannedAt } = input;
  return (record, type, suppressed) => {
    const counter = record.transitions + 1;
    const hiddenOpening: HiddenOpening | null =
      type !== 'resolved' && suppressed ? { type, suppressionId: suppressed.id } : null;
    transitions.push({
      eventId: transitionEventId(tenantId, record.fingerprint, counter),
      type,
      tenantId,
      fingerprint: record.fingerprint,
      alert: record.alert,
      severity: record.severity,
      at: scannedAt,
      scanId,
      incident: record.incident,
      suppressed,
    });
    return { ...record, transitions: counter, hiddenOpening };
  };
}

/** A record seen for the first time: it opens. */
function firstRecord(input: LifecycleInput, incident: ClassifiedIncident): StoredIncidentRecord {
  return {
    tenantId: input.tenantId,
    fingerprint: incident.fingerprint,
    alert: incident.alert,
    severity: incident.severity,
    state: 'new',
    firstSeen: input.scannedAt,
    lastSeen: input.scannedAt,
    resolvedAt: null,
    timesSeen: 1,
    transitions: 0,
    incident,
    hiddenOpening: null,
  };
}

/** A known record seen again: it reopens if it was resolved, and a hidden opening may be announced now. */
function recordSeenAgain(
  previous: StoredIncidentRecord,
  incident: ClassifiedIncident,
  scannedAt: string,
  suppression: Suppression | null,
  emit: Emit,
): StoredIncidentRecord {
  const seenAgain: StoredIncidentRecord = {
    ...previous,
    alert: incident.alert,
    severity: incident.severity,
    lastSeen: scannedAt,
    timesSeen: previous.timesSeen + 1,
    incident,
  };
  if (previous.state === 'resolved') {
    return emit({ ...seenAgain, state: 'reopened', resolvedAt: null }, 'reopened', suppression);
  }
  const record: StoredIncidentRecord = { ...seenAgain, state: 'open' };
  const hidden = previous.hiddenOpening;
  if (hidden && !suppression) {
    // The suppression that hid the opening has expired or was removed and the incident is still
    // here: announce it now, under a fresh event id, rather than let it stay hidden.
    return emit(record, hidden.type, null);
  }
  if (hidden && suppression && suppression.id !== hidden.suppressionId) {
    return { ...record, hiddenOpening: { ...hidden, suppressionId: suppression.id } };
  }
  return record;
}

/** The scan's incidents, each once (the first copy of a fingerprint wins), checked to be the tenant's. */
function distinctIncidents(input: LifecycleInput): ClassifiedIncident[] {
  const seen = new Set<string>();
  return input.incidents.filter((incident) => {
    if (incident.tenantId.toLowerCase() !== input.tenantId.toLowerCase()) {
      throw new Error(
        `incident ${incident.fingerprint} belongs to tenant ${incident.tenantId}, not ${input.tenantId}`,
      );
    }
    if (seen.has(incident.fingerprint)) return false;
    seen.add(incident.fingerprint);
    return true;
  });
}

export function advanceLifecycle(input: LifecycleInput): LifecycleResult {
  const { scannedAt } = input;
  // Stored on every record and compared with suppression expiries: a malformed time would spread silently.
  if (Number.isNaN(Date.parse(scannedAt)))
    throw new RangeError(`scannedAt "${scannedAt}" is not an ISO-8601 time`);
  const records = new Map(input.previous);
  const changed: string[] = [];
  const transitions: Transition[] = [];
  const emit = transitionEmitter(input, transitions);

  const incidents = distinctIncidents(input);
  for (const incident of incidents) {
    const previous = input.previous.get(incident.fingerprint);
    const opening = !previous || previous.state === 'resolved';
    if (opening && !mayOpen(input, incident)) continue;
    const suppression = findActiveSuppression(incident, input.suppressions, scannedAt);
    const record = previous
      ? recordSeenAgain(previous, incident, scannedAt, suppression, emit)
      : emit(firstRecord(input, incident), 'opened', suppression);
    records.set(incident.fingerprint, record);
    changed.push(incident.fingerprint);
  }

  // Sorted so the order of resolved transitions does not depend on how the store listed its records.
  const seen = new Set(incidents.map((incident) => incident.fingerprint));
  const absent = [...input.previous.keys()].filter((fingerprint) => !seen.has(fingerprint)).sort();
  for (const fingerprint of absent) {
    const previous = input.previous.get(fingerprint)!;
    // A detector that did not run cleanly proves nothing about absence: its incidents stay as they were.
    if (!isOpenState(previous.state) || !input.resolvableAlerts.has(previous.alert)) continue;
    const suppression = findActiveSuppression(previous.incident, input.suppressions, scannedAt);
    records.set(
      fingerprint,
      emit({ ...previous, state: 'resolved', resolvedAt: scannedAt }, 'resolved', suppression),
    );
    changed.push(fingerprint);
  }

  const { pruned, prunedSuppressions } = pastRetention(input, records);
  for (const fingerprint of pruned) records.delete(fingerprint);
  return { records, changed, transitions, pruned, prunedSuppressions };
}

/** What has been over long enough to forget: resolved incidents and suppressions, by the retention. */
function pastRetention(
  input: LifecycleInput,
  records: ReadonlyMap<string, StoredIncidentRecord>,
): { pruned: string[]; prunedSuppressions: string[] } {
  if (input.retentionMs === undefined) return { pruned: [], prunedSuppressions: [] };
  const cutoff = Date.parse(input.scannedAt) - input.retentionMs;
  const before = (time: string | null) => time !== null && Date.parse(time) < cutoff;
  const pruned = [...records.values()]
    .filter((r) => r.state === 'resolved' && before(r.resolvedAt))
    .map((r) => r.fingerprint)
    .sort();
  const prunedSuppressions = input.suppressions.filter((s) => before(s.expiresAt)).map((s) => s.id);
  return { pruned, prunedSuppressions };
}
