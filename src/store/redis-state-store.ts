import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { IncidentRecord, Suppression, Transition } from '../model/lifecycle.js';
import { CorruptStateError, StateConflictError } from './errors.js';
import {
  checkFeedLimit,
  continueAfter,
  FEED_START_CURSOR,
  type FeedBounds,
  feedSequence,
} from './feed-cursor.js';
import { matchesIncidentFilter, sortRecords } from './incident-queries.js';
import { type StoreKeys, storeKeys } from './keys.js';
import { advanceLifecycle, type StoredIncidentRecord } from './lifecycle.js';
import { scanListLimit } from './scan-history.js';
import { SerialRunner } from './serial-runner.js';
import type {
  ApplyScanInput,
  ApplyScanResult,
  FeedEvent,
  FeedPage,
  FeedQuery,
  IncidentFilter,
  NewSuppression,
  ScanSummary,
  StateStore,
  SuppressionListOptions,
} from './state-store.js';
import { type StoreSettingsOptions, storeSettings } from './store-settings.js';
import { buildSuppression, isSuppressionActive, sortSuppressions } from './suppressions.js';

/*
 * How a scan commits atomically (see keys.ts for the layout).
 *
 * Optimistic concurrency: WATCH the tenant's incidents, suppressions and the scan's `applied` marker, read
 * them, run the pure lifecycle, then WATCH the two feed keys, read the feed's last sequence number, and
 * write records + marker + feed entries in one MULTI/EXEC. If anyone changed a watched key in between,
 * EXEC does nothing and we read and compute again. So two scans of one tenant are applied one after the
 * other, each on top of the other's result, and a transition reaches the feed in the same EXEC that counts
 * it on its record: exactly once.
 *
 * Why not a per-tenant lock: a lock has to expire in case its holder dies, and one that expires during a
 * slow write lets a second writer in; WATCH cannot leak or deadlock, and a conflict costs one re-read.
 * Scans of one tenant rarely overlap (jobs are deduplicated per tenant), so retries are rare. Why not Lua:
 * the lifecycle rules would exist twice (TypeScript for the memory store, Lua here).
 *
 * WATCH belongs to the connection, not to the caller: two transactions interleaved on one connection
 * would share (and clear) each other's watches. Every WATCH/MULTI/EXEC here therefore runs through one
 * SerialRunner per store; concurrency between processes and connections is what WATCH handles.
 *
 * Feed ids are `{seq}-0` with `seq` counted by us rather than Redis's time-based `*` ids: a cursor then
 * doubles as a position (gaps = events the cap dropped). Reading both `feed:seq` and the stream's last
 * id keeps ids increasing even if one of the two keys was deleted by hand.
 */

/** How long a committed scan's transitions stay available to a retry of the same scan id. */
const APPLIED_SCAN_TTL_SECONDS = 7 * 24 * 60 * 60;

/** KEYS: recorded marker, history list. ARGV: summary JSON, last index kept, marker TTL seconds. */
const RECORD_SCAN_SCRIPT = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[3])) then
  redis.call('LPUSH', KEYS[2], ARGV[1])
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]))
end
return 1`;
/** Stream entries read per round trip while filtering the feed by tenant. */
const FEED_FILTER_BATCH = 500;
/** Upper bound of entries one `readFeed` call looks at, so a rare tenant cannot make one call scan the whole feed. */
const FEED_FILTER_MAX_EXAMINED = 20 * FEED_FILTER_BATCH;

/** The feed's length is approximate (`MAXLEN ~`): Redis may keep a few more entries. */
export interface RedisStateStoreOptions extends StoreSettingsOptions {
  redis: Redis;
  /** `redis.keyPrefix`. */
  keyPrefix: string;
  /** Quit the connection in `close()`; set when the store opened it itself. @defaultValue false */
  ownsConnection?: boolean;
  /** Commit attempts per scan before giving up with StateConflictError. @defaultValue 30 */
  maxCommitAttempts?: number;
}

function parseStored<T>(raw: string, where: string): T {
  try {
    return JSON.parse(raw) as T;
  } catch (cause) {
    throw new CorruptStateError(`value at ${where} is not JSON`, { cause });
  }
}

function fieldsOf(entry: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < entry.length; i += 2) fields.set(entry[i]!, entry[i + 1]!);
  return fields;
}

export class RedisStateStore implements StateStore {
  private readonly redis: Redis;
  private readonly keys: StoreKeys;
  private readonly feedMaxLength: number;
  private readonly scanHistoryLength: number;
  private readonly ownsConnection: boolean;
  private readonly clock: () => Date;
  private readonly maxCommitAttempts: number;
  private readonly retentionMs: number | undefined;
  private readonly transactions = new SerialRunner();

  constructor(options: RedisStateStoreOptions) {
    ({
      feedMaxLength: this.feedMaxLength,
      scanHistoryLength: this.scanHistoryLength,
      retentionMs: this.retentionMs,
      clock: this.clock,
    } = storeSettings(options));
    this.redis = options.redis;
    this.keys = storeKeys(options.keyPrefix);
    this.ownsConnection = options.ownsConnection ?? false;
    this.maxCommitAttempts = options.maxCommitAttempts ?? 30;
  }

  applyScan(input: ApplyScanInput): Promise<ApplyScanResult> {
    return this.transactions.run(async () => {
      for (let attempt = 1; attempt <= this.maxCommitAttempts; attempt += 1) {
        const result = await this.tryApplyScan(input).catch(async (error: unknown) => {
          // EXEC ends the watches, but an attempt that failed before it leaves them on this connection,
          // where they would abort the next transaction for no reason.
          await this.redis.unwatch().catch(() => {});
          throw error;
        });
        if (result) return result;
        // Someone else committed first. A little jitter keeps racing writers from colliding in lockstep.
        await sleep(Math.floor(Math.random() * 4 * attempt));
      }
      throw new StateConflictError(
        `scan ${input.scanId} of tenant ${input.tenantId} did not commit after ${this.maxCommitAttempts} attempts: ` +
          'other writers kept changing the same state',
      );
    });
  }

  /** One optimistic attempt; null when a watched key changed and the attempt must be repeated. */
  private async tryApplyScan(input: ApplyScanInput): Promise<ApplyScanResult | null> {
    const { redis } = this;
    const keys = this.keys.tenant(input.tenantId);
    const appliedKey = keys.appliedScan(input.scanId);

    await redis.watch(keys.incidents, keys.suppressions, appliedKey);
    const [applied, rawRecords, rawSuppressions] = await Promise.all([
      redis.get(appliedKey),
      redis.hgetall(keys.incidents),
      redis.hvals(keys.suppressions),
    ]);
    const previous = new Map<string, StoredIncidentRecord>();
    for (const [fingerprint, raw] of Object.entries(rawRecords)) {
      previous.set(fingerprint, parseStored<StoredIncidentRecord>(raw, `${keys.incidents} ${fingerprint}`));
    }

    if (applied !== null) {
      await redis.unwatch();
      return {
        transitions: parseStored<Transition[]>(applied, appliedKey),
        records: sortRecords([...previous.values()]),
        replayed: true,
      };
    }

    const outcome = advanceLifecycle({
      tenantId: input.tenantId,
      scanId: input.scanId,
      scannedAt: input.scannedAt,
      previous,
      incidents: input.incidents,
      resolvableAlerts: input.resolvableAlerts,
      ...(input.openableAlerts ? { openableAlerts: input.openableAlerts } : {}),
      suppressions: rawSuppressions.map((raw) => parseStored<Suppression>(raw, keys.suppressions)),
      ...(this.retentionMs !== undefined ? { retentionMs: this.retentionMs } : {}),
    });

    const lastSequence = outcome.transitions.length > 0 ? await this.watchFeedSequence() : 0;
    const tx = redis.multi();
    if (outcome.changed.length > 0) {
      const changed = outcome.changed.map((fp) => [fp, JSON.stringify(outcome.records.get(fp))]);
      tx.hset(keys.incidents, Object.fromEntries(changed));
    }
    if (outcome.pruned.length > 0) tx.hdel(keys.incidents, ...outcome.pruned);
    if (outcome.prunedSuppressions.length > 0) tx.hdel(keys.suppressions, ...outcome.prunedSuppressions);
    tx.set(appliedKey, JSON.stringify(outcome.transitions), 'EX', APPLIED_SCAN_TTL_SECONDS);
    outcome.transitions.forEach((transition, index) => {
      tx.xadd(
        this.keys.feed,
        'MAXLEN',
        '~',
        String(this.feedMaxLength),
        `${lastSequence + index + 1}-0`,
        'tenantId',
        transition.tenantId,
        'eventId',
        transition.eventId,
        'transition',
        JSON.stringify(transition),
      );
    });
    if (outcome.transitions.length > 0) {
      tx.set(this.keys.feedSequence, String(lastSequence + outcome.transitions.length));
    }

    const replies = await tx.exec();
    if (replies === null) return null;
    const failed = replies.find(([error]) => error !== null);
    if (failed) {
      throw new Error(`committing scan ${input.scanId} of tenant ${input.tenantId} failed in EXEC`, {
        cause: failed[0],
      });
    }
    return {
      transitions: outcome.transitions,
      records: sortRecords([...outcome.records.values()]),
      replayed: false,
    };
  }

  private async feedBounds(): Promise<FeedBounds> {
    const [first, last] = await Promise.all([
      this.redis.xrange(this.keys.feed, '-', '+', 'COUNT', 1),
      this.redis.xrevrange(this.keys.feed, '+', '-', 'COUNT', 1),
    ]);
    return { first: first[0]?.[0] ?? null, last: last[0]?.[0] ?? null };
  }

  /** Watches the feed keys and returns the last sequence number used (0 for an empty feed). */
  private async watchFeedSequence(): Promise<number> {
    await this.redis.watch(this.keys.feed, this.keys.feedSequence);
    const [counter, last] = await Promise.all([
      this.redis.get(this.keys.feedSequence),
      this.redis.xrevrange(this.keys.feed, '+', '-', 'COUNT', 1),
    ]);
    const counted = counter === null ? 0 : Number(counter);
    if (!Number.isSafeInteger(counted) || counted < 0) {
      throw new CorruptStateError(`${this.keys.feedSequence} holds "${counter}", not a sequence number`);
    }
    const newest = last[0] ? feedSequence(last[0][0]) : 0;
    return Math.max(counted, newest);
  }

  async listIncidents(tenantId: string, filter?: IncidentFilter): Promise<IncidentRecord[]> {
    const key = this.keys.tenant(tenantId).incidents;
    const records = (await this.redis.hvals(key)).map((raw) => parseStored<StoredIncidentRecord>(raw, key));
    return sortRecords(records.filter((record) => matchesIncidentFilter(record, filter)));
  }

  async getIncident(tenantId: string, fingerprint: string): Promise<IncidentRecord | null> {
    const key = this.keys.tenant(tenantId).incidents;
    const raw = await this.redis.hget(key, fingerprint);
    return raw === null ? null : parseStored<StoredIncidentRecord>(raw, `${key} ${fingerprint}`);
  }

  async getAppliedTransitions(tenantId: string, scanId: string): Promise<Transition[] | null> {
    const key = this.keys.tenant(tenantId).appliedScan(scanId);
    const raw = await this.redis.get(key);
    return raw === null ? null : parseStored<Transition[]>(raw, key);
  }

  async addSuppression(input: NewSuppression): Promise<Suppression> {
    const suppression = buildSuppression(input, this.clock());
    // A plain HSET: a scan that is committing meanwhile watches this hash and simply recomputes.
    await this.redis.hset(
      this.keys.tenant(input.tenantId).suppressions,
      suppression.id,
      JSON.stringify(suppression),
    );
    return suppression;
  }

  async listSuppressions(tenantId: string, options: SuppressionListOptions = {}): Promise<Suppression[]> {
    const key = this.keys.tenant(tenantId).suppressions;
    const now = this.clock();
    const all = (await this.redis.hvals(key)).map((raw) => parseStored<Suppression>(raw, key));
    return sortSuppressions(options.includeExpired ? all : all.filter((s) => isSuppressionActive(s, now)));
  }

  async removeSuppression(tenantId: string, suppressionId: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.tenant(tenantId).suppressions, suppressionId)) > 0;
  }

  async recordScan(summary: ScanSummary): Promise<void> {
    const keys = this.keys.tenant(summary.tenantId);
    // One script, so "not recorded yet" and the push cannot be split by a crash or a second caller: a job
    // retried after its worker died between commit and history records the scan exactly once.
    await this.redis.eval(
      RECORD_SCAN_SCRIPT,
      2,
      keys.recordedScan(summary.scanId),
      keys.scans,
      JSON.stringify(summary),
      String(this.scanHistoryLength - 1),
      String(APPLIED_SCAN_TTL_SECONDS),
    );
  }

  async listScans(tenantId: string, limit?: number): Promise<ScanSummary[]> {
    const key = this.keys.tenant(tenantId).scans;
    const raws = await this.redis.lrange(key, 0, scanListLimit(limit) - 1);
    return raws.map((raw) => parseStored<ScanSummary>(raw, key));
  }

  async readFeed(query: FeedQuery): Promise<FeedPage> {
    const limit = checkFeedLimit(query.limit);
    const tenant = query.tenantId?.toLowerCase();
    let after = query.cursor === undefined ? 0 : continueAfter(query.cursor, await this.feedBounds());
    let nextCursor = query.cursor ?? FEED_START_CURSOR;
    let trimmed = 0;
    let examined = 0;
    const events: FeedEvent[] = [];

    while (events.length < limit && examined < FEED_FILTER_MAX_EXAMINED) {
      // Without a tenant filter every entry is returned, so fetch exactly what is still missing.
      const batch = tenant === undefined ? limit - events.length : FEED_FILTER_BATCH;
      // Sequence numbers have no second part, so "after n" is the range starting at n + 1.
      const entries = await this.redis.xrange(this.keys.feed, String(after + 1), '+', 'COUNT', batch);
      if (entries.length === 0) break;
      if (examined === 0 && query.cursor !== undefined) {
        trimmed = feedSequence(entries[0]![0]) - (after + 1);
      }
      for (const [id, rawFields] of entries) {
        examined += 1;
        after = feedSequence(id);
        nextCursor = id;
        const fields = fieldsOf(rawFields);
        if (tenant !== undefined && fields.get('tenantId')?.toLowerCase() !== tenant) continue;
        events.push({ cursor: id, transition: parseStored<Transition>(fields.get('transition') ?? '', id) });
        if (events.length === limit) break;
      }
      if (entries.length < batch) break;
    }
    return { events, nextCursor, trimmed };
  }

  async close(): Promise<void> {
    if (!this.ownsConnection) return;
    try {
      await this.redis.quit();
    } catch {
      // Already closed or never connected: nothing left to release.
      this.redis.disconnect();
    }
  }
}
