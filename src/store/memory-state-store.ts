import type { IncidentRecord, Suppression, Transition } from '../model/lifecycle.js';
import { checkFeedLimit, continueAfter, FEED_START_CURSOR, feedCursor } from './feed-cursor.js';
import { matchesIncidentFilter, sortRecords } from './incident-queries.js';
import { advanceLifecycle, type StoredIncidentRecord } from './lifecycle.js';
import { scanListLimit } from './scan-history.js';
// One namespace: the store implements the whole interface, and the list of its types would only repeat it.
import type * as Store from './state-store.js';
import { type StoreSettingsOptions, storeSettings } from './store-settings.js';
import { buildSuppression, isSuppressionActive, sortSuppressions } from './suppressions.js';

/** The feed keeps exactly `feedMaxLength` entries; the oldest go first. */
export type MemoryStateStoreOptions = StoreSettingsOptions;

interface TenantState {
  incidents: Map<string, StoredIncidentRecord>;
  suppressions: Map<string, Suppression>;
  /** Newest first. */
  scans: Store.ScanSummary[];
  /** Transitions per committed scan id, for replays. Lives as long as the process, like everything here. */
  appliedScans: Map<string, Transition[]>;
}

interface FeedEntry {
  sequence: number;
  tenantId: string;
  transition: Transition;
}

/**
 * State for one process (`scan --state memory`): the same behaviour as the Redis store, nothing persisted.
 * `applyScan` reads, computes and writes without awaiting in between, so in one JavaScript thread each
 * scan is atomic by construction. Values are copied in and out so callers cannot change stored state
 * by mutating what they got, as with the Redis store's JSON round trip.
 */
export class MemoryStateStore implements Store.StateStore {
  private readonly tenants = new Map<string, TenantState>();
  private readonly feed: FeedEntry[] = [];
  private lastSequence = 0;
  private readonly feedMaxLength: number;
  private readonly scanHistoryLength: number;
  private readonly retentionMs: number | undefined;
  private readonly clock: () => Date;

  constructor(options: MemoryStateStoreOptions) {
    ({
      feedMaxLength: this.feedMaxLength,
      scanHistoryLength: this.scanHistoryLength,
      retentionMs: this.retentionMs,
      clock: this.clock,
    } = storeSettings(options));
  }

  private tenant(tenantId: string): TenantState {
    const key = tenantId.toLowerCase();
    let state = this.tenants.get(key);
    if (!state) {
      state = { incidents: new Map(), suppressions: new Map(), scans: [], appliedScans: new Map() };
      this.tenants.set(key, state);
    }
    return state;
  }

  async applyScan(input: Store.ApplyScanInput): Promise<Store.ApplyScanResult> {
    const state = this.tenant(input.tenantId);
    const applied = state.appliedScans.get(input.scanId);
    if (applied) {
      return { transitions: structuredClone(applied), records: this.sortedRecords(state), replayed: true };
    }
    const outcome = advanceLifecycle({
      tenantId: input.tenantId,
      scanId: input.scanId,
      scannedAt: input.scannedAt,
      previous: state.incidents,
      incidents: structuredClone(input.incidents),
      resolvableAlerts: input.resolvableAlerts,
      ...(input.openableAlerts ? { openableAlerts: input.openableAlerts } : {}),
      suppressions: [...state.suppressions.values()],
      ...(this.retentionMs !== undefined ? { retentionMs: this.retentionMs } : {}),
    });
    for (const fingerprint of outcome.changed) {
      state.incidents.set(fingerprint, outcome.records.get(fingerprint)!);
    }
    for (const fingerprint of outcome.pruned) state.incidents.delete(fingerprint);
    for (const id of outcome.prunedSuppressions) state.suppressions.delete(id);
    state.appliedScans.set(input.scanId, outcome.transitions);
    for (const transition of outcome.transitions) {
      this.lastSequence += 1;
      this.feed.push({ sequence: this.lastSequence, tenantId: transition.tenantId, transition });
    }
    this.feed.splice(0, Math.max(0, this.feed.length - this.feedMaxLength));
    return {
      transitions: structuredClone(outcome.transitions),
      records: this.sortedRecords(state),
      replayed: false,
    };
  }

  private sortedRecords(state: TenantState): IncidentRecord[] {
    return sortRecords(structuredClone([...state.incidents.values()]));
  }

  async listIncidents(tenantId: string, filter?: Store.IncidentFilter): Promise<IncidentRecord[]> {
    return this.sortedRecords(this.tenant(tenantId)).filter((record) =>
      matchesIncidentFilter(record, filter),
    );
  }

  async getIncident(tenantId: string, fingerprint: string): Promise<IncidentRecord | null> {
    const record = this.tenant(tenantId).incidents.get(fingerprint);
    return record ? structuredClone(record) : null;
  }

  async getAppliedTransitions(tenantId: string, scanId: string): Promise<Transition[] | null> {
    const applied = this.tenant(tenantId).appliedScans.get(scanId);
    return applied ? structuredClone(applied) : null;
  }

  async addSuppression(input: Store.NewSuppression): Promise<Suppression> {
    const suppression = buildSuppression(input, this.clock());
    this.tenant(input.tenantId).suppressions.set(suppression.id, suppression);
    return structuredClone(suppression);
  }

  async listSuppressions(
    tenantId: string,
    options: Store.SuppressionListOptions = {},
  ): Promise<Suppression[]> {
    const now = this.clock();
    const all = structuredClone([...this.tenant(tenantId).suppressions.values()]);
    return sortSuppressions(options.includeExpired ? all : all.filter((s) => isSuppressionActive(s, now)));
  }

  async removeSuppression(tenantId: string, suppressionId: string): Promise<boolean> {
    return this.tenant(tenantId).suppressions.delete(suppressionId);
  }

  async recordScan(summary: Store.ScanSummary): Promise<void> {
    const scans = this.tenant(summary.tenantId).scans;
    // A retried job records its scan again: once is enough.
    if (scans.some((s) => s.scanId === summary.scanId)) return;
    scans.unshift(structuredClone(summary));
    scans.splice(this.scanHistoryLength);
  }

  async listScans(tenantId: string, limit?: number): Promise<Store.ScanSummary[]> {
    return structuredClone(this.tenant(tenantId).scans.slice(0, scanListLimit(limit)));
  }

  async readFeed(query: Store.FeedQuery): Promise<Store.FeedPage> {
    const limit = checkFeedLimit(query.limit);
    const tenant = query.tenantId?.toLowerCase();
    const bounds = {
      first: this.feed[0] ? feedCursor(this.feed[0].sequence) : null,
      last: this.feed.at(-1) ? feedCursor(this.feed.at(-1)!.sequence) : null,
    };
    const after = query.cursor === undefined ? 0 : continueAfter(query.cursor, bounds);
    const unread = this.feed.filter((entry) => entry.sequence > after);
    const first = unread[0];
    const trimmed = query.cursor !== undefined && first ? first.sequence - (after + 1) : 0;

    const events: Store.FeedPage['events'] = [];
    let nextCursor = query.cursor ?? FEED_START_CURSOR;
    for (const entry of unread) {
      nextCursor = feedCursor(entry.sequence);
      if (tenant !== undefined && entry.tenantId.toLowerCase() !== tenant) continue;
      events.push({ cursor: nextCursor, transition: structuredClone(entry.transition) });
      if (events.length === limit) break;
    }
    return { events, nextCursor, trimmed };
  }

  async close(): Promise<void> {}
}
