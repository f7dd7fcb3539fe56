import type { ChainableCommander, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALERT_IDS, type AlertId } from '../../src/model/alerts.js';
import type { ClassifiedIncident, IncidentRecord, Transition } from '../../src/model/lifecycle.js';
import { FeedQueryError, SuppressionValidationError } from '../../src/store/errors.js';
import { feedSequence } from '../../src/store/feed-cursor.js';
import { sortRecords } from '../../src/store/incident-queries.js';
import { advanceLifecycle, type StoredIncidentRecord } from '../../src/store/lifecycle.js';
import { RedisStateStore } from '../../src/store/redis-state-store.js';
import type { ApplyScanInput, ScanSummary, StateStore } from '../../src/store/state-store.js';
import type { NewSuppression } from '../../src/store/suppressions.js';
import { type Backend, memoryBackend, mockBackend, type OpenOptions, realRedisBackend } from './backends.js';
import { at, makeIncident, OTHER_TENANT, TENANT } from './incident-factory.js';

const ALL_ALERTS: ReadonlySet<AlertId> = new Set(ALERT_IDS);

function scan(
  scanId: string,
  minutes: number,
  incidents: ClassifiedIncident[],
  options: { tenantId?: string; resolvable?: ReadonlySet<AlertId> } = {},
): ApplyScanInput {
  return {
    tenantId: options.tenantId ?? TENANT,
    scanId,
    scannedAt: at(minutes),
    incidents,
    resolvableAlerts: options.resolvable ?? ALL_ALERTS,
  };
}

/** Every event of the feed, read `pageSize` at a time from the start. */
async function readWholeFeed(store: StateStore, pageSize: number, tenantId?: string) {
  const events: { cursor: string; transition: Transition }[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page += 1) {
    const result = await store.readFeed({ cursor, limit: pageSize, tenantId });
    expect(result.events.length).toBeLessThanOrEqual(pageSize);
    if (result.events.length === 0) {
      expect(result.nextCursor).toBe(cursor ?? '0-0');
      return events;
    }
    events.push(...result.events);
    cursor = result.nextCursor;
  }
  throw new Error('feed paging did not end');
}

function summary(scanId: string, tenantId = TENANT): ScanSummary {
  return {
    scanId,
    tenantId,
    trigger: 'schedule',
    startedAt: at(0),
    finishedAt: at(1),
    outcome: 'partial',
    incidentsByAlert: { StaleSignInAlert: 2 },
    unknownAlerts: ['NoMfaOnRoleActivationAlert'],
    transitions: 2,
    graphRequests: { http: 12, logical: 30, throttled: 1, retried: 1 },
    failedSources: [
      { source: 'roleManagementPolicyAssignments', cause: 'HTTP 403 Authorization_RequestDenied' },
    ],
  };
}

const stale = makeIncident({ alert: 'StaleSignInAlert', principal: 'user-1', role: 'role-1' });
const outside = makeIncident({ alert: 'RolesAssignedOutsidePimAlert', principal: 'user-2', role: 'role-2' });
const license = makeIncident({ alert: 'InvalidLicenseAlert', principal: 'tenant', role: 'none' });

/**
 * Wraps a client so that the first transaction's EXEC waits for `interfere` (another writer committing)
 * to finish first: a conflict on demand, instead of hoping two scans happen to race.
 */
function withWriterBeforeFirstExec(client: Redis, interfere: () => Promise<unknown>) {
  let execs = 0;
  const proxy = new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property !== 'multi') return value.bind(target);
      return (...args: unknown[]) => {
        const pipeline = value.apply(target, args) as ChainableCommander;
        const exec = pipeline.exec.bind(pipeline);
        pipeline.exec = (async () => {
          execs += 1;
          if (execs === 1) await interfere();
          return exec();
        }) as ChainableCommander['exec'];
        return pipeline;
      };
    },
  });
  return { client: proxy, execs: () => execs };
}

const backends: Backend[] = [mockBackend(), realRedisBackend(), memoryBackend()];

let prefix = '';
let now = new Date(at(0));
let storeCount = 0;
type Open = (options?: Partial<OpenOptions>) => StateStore;

/**
 * One group of tests on every backend. Each group is its own \`describe.each\`, so the suite reads as a list
 * of groups and no function outgrows a screen; every test gets a fresh key prefix and the clock at 0.
 */
function describeOnBackends(
  group: string,
  body: (open: Open, backend: Backend) => void,
  on: readonly Backend[] = backends,
) {
  describe.each(on)(`state store on $name: ${group}`, (backend) => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());
    beforeEach(() => {
      storeCount += 1;
      // A fresh prefix per test: tests share one Redis and never clear it.
      prefix = `pwtest-${process.pid}-${storeCount}`;
      now = new Date(at(0));
    });
    afterEach(() => backend.closeAll());
    body((options = {}) => backend.open({ keyPrefix: prefix, clock: () => now, ...options }), backend);
  });
}

describeOnBackends('lifecycle', (open) => {
  it('moves incidents through new, open, resolved and reopened over several scans', async () => {
    const store = open();
    const first = await store.applyScan(scan('s1', 0, [stale, outside]));
    expect(first.transitions.map((t) => [t.type, t.fingerprint])).toEqual([
      ['opened', stale.fingerprint],
      ['opened', outside.fingerprint],
    ]);

    const second = await store.applyScan(scan('s2', 60, [stale, license]));
    expect(second.transitions.map((t) => [t.type, t.fingerprint])).toEqual([
      ['opened', license.fingerprint],
      ['resolved', outside.fingerprint],
    ]);

    // StaleSignIn's detector failed: its absent incident stays open, the others resolve or reopen.
    const resolvable = new Set(ALERT_IDS.filter((alert) => alert !== 'StaleSignInAlert'));
    const third = await store.applyScan(scan('s3', 120, [outside], { resolvable }));
    expect(third.transitions.map((t) => [t.type, t.fingerprint])).toEqual([
      ['reopened', outside.fingerprint],
      ['resolved', license.fingerprint],
    ]);

    const fourth = await store.applyScan(scan('s4', 180, [outside, stale]));
    expect(fourth.transitions).toEqual([]);

    const records = await store.listIncidents(TENANT);
    expect(records).toEqual(fourth.records);
    const byFingerprint = new Map(records.map((r) => [r.fingerprint, r]));
    expect(byFingerprint.get(stale.fingerprint)).toMatchObject({
      state: 'open',
      firstSeen: at(0),
      lastSeen: at(180),
      timesSeen: 3,
      transitions: 1,
      resolvedAt: null,
    });
    expect(byFingerprint.get(outside.fingerprint)).toMatchObject({
      state: 'open',
      timesSeen: 3,
      transitions: 3,
    });
    expect(byFingerprint.get(license.fingerprint)).toMatchObject({
      state: 'resolved',
      resolvedAt: at(120),
      timesSeen: 1,
      transitions: 2,
    });
  });

  it('lists incidents by state and alert, and gets one by fingerprint', async () => {
    const store = open();
    await store.applyScan(scan('s1', 0, [stale, outside, license]));
    await store.applyScan(scan('s2', 60, [stale, outside]));
    const fingerprints = (records: IncidentRecord[]) => records.map((r) => r.fingerprint).sort();

    expect(fingerprints(await store.listIncidents(TENANT, { state: 'resolved' }))).toEqual([
      license.fingerprint,
    ]);
    expect(fingerprints(await store.listIncidents(TENANT, { state: ['open', 'resolved'] }))).toEqual(
      [stale, outside, license].map((i) => i.fingerprint).sort(),
    );
    expect(fingerprints(await store.listIncidents(TENANT, { alert: 'StaleSignInAlert' }))).toEqual([
      stale.fingerprint,
    ]);
    expect(await store.listIncidents(TENANT, { alert: 'StaleSignInAlert', state: 'resolved' })).toEqual([]);
    expect(await store.getIncident(TENANT, outside.fingerprint)).toMatchObject({
      state: 'open',
      timesSeen: 2,
    });
    expect(await store.getIncident(TENANT, 'no-such-fingerprint')).toBeNull();
    expect(await store.listIncidents(OTHER_TENANT)).toEqual([]);
    // The tenant id is matched without case.
    expect(await store.listIncidents(TENANT.toUpperCase())).toHaveLength(3);
  });
});

describeOnBackends('lifecycle across tenants and retries', (open) => {
  it('keeps tenants apart', async () => {
    const store = open();
    const theirs = makeIncident({ tenantId: OTHER_TENANT });
    await store.applyScan(scan('s1', 0, [stale]));
    await store.applyScan(scan('s1', 0, [theirs], { tenantId: OTHER_TENANT }));
    // An empty clean scan of the other tenant must not resolve ours.
    await store.applyScan(scan('s2', 60, [], { tenantId: OTHER_TENANT }));
    expect((await store.getIncident(TENANT, stale.fingerprint))?.state).toBe('new');
    expect((await store.getIncident(OTHER_TENANT, theirs.fingerprint))?.state).toBe('resolved');
  });

  it('answers a retried scan id with its first transitions and changes nothing', async () => {
    const store = open();
    const first = await store.applyScan(scan('job-1', 0, [stale, outside]));
    const retried = await store.applyScan(scan('job-1', 5, [stale]));
    expect(first.replayed).toBe(false);
    expect(retried.replayed).toBe(true);
    expect(retried.transitions).toEqual(first.transitions);
    expect(retried.records).toEqual(first.records);
    expect((await store.getIncident(TENANT, stale.fingerprint))?.timesSeen).toBe(1);
    const feed = await readWholeFeed(store, 100);
    expect(feed.map((e) => e.transition.eventId)).toEqual(first.transitions.map((t) => t.eventId));
  });

  it('gives back the transitions a committed scan produced, by scan id', async () => {
    const store = open();
    const first = await store.applyScan(scan('job-7', 0, [stale, outside]));
    expect(await store.getAppliedTransitions(TENANT, 'job-7')).toEqual(first.transitions);
    expect(await store.getAppliedTransitions(TENANT, 'never-ran')).toBeNull();
    expect(await store.getAppliedTransitions(OTHER_TENANT, 'job-7')).toBeNull();
  });
});

describeOnBackends('concurrent commits', (open) => {
  it('commits concurrent scans of one tenant one after another, losing and duplicating nothing', async () => {
    // Three handles = three connections (one shared store for memory), like three worker replicas.
    const handles = [open(), open(), open()];
    const pool = Array.from({ length: 9 }, (_, i) =>
      makeIncident({
        alert: ALERT_IDS[i % ALERT_IDS.length]!,
        principal: `user-${i}`,
        role: `role-${i % 4}`,
      }),
    );
    // Ten different, never empty subsets, so incidents open, resolve and reopen in many orders.
    const scans = Array.from({ length: 10 }, (_, i) =>
      scan(
        `race-${i}`,
        i,
        pool.filter((_, j) => (i * 5 + j * 3) % 7 < 3 || j === i % pool.length),
      ),
    );
    const results = await Promise.all(scans.map((input, i) => handles[i % handles.length]!.applyScan(input)));

    // Every commit sees all earlier ones, so total sightings grow with each: that gives the commit order.
    const sightings = results.map((r) => r.records.reduce((sum, record) => sum + record.timesSeen, 0));
    const order = scans.map((_, i) => i).sort((a, b) => sightings[a]! - sightings[b]!);
    expect(new Set(sightings).size).toBe(scans.length);

    // The stored outcome must equal applying the scans one by one in that order.
    let expected = new Map<string, StoredIncidentRecord>();
    const expectedTransitions: Transition[] = [];
    for (const index of order) {
      const input = scans[index]!;
      const step = advanceLifecycle({ ...input, previous: expected, suppressions: [] });
      expected = step.records;
      expect(results[index]!.transitions).toEqual(step.transitions);
      expectedTransitions.push(...step.transitions);
    }
    const stored = await handles[0]!.listIncidents(TENANT);
    expect(stored).toEqual(sortRecords([...expected.values()]));

    // Counters add up against the scans and the feed.
    const feed = await readWholeFeed(handles[1]!, 7, TENANT);
    expect(feed.map((e) => e.transition.eventId)).toEqual(expectedTransitions.map((t) => t.eventId));
    expect(new Set(feed.map((e) => e.transition.eventId)).size).toBe(feed.length);
    for (const record of stored) {
      const scansSeeingIt = scans.filter((s) =>
        s.incidents.some((i) => i.fingerprint === record.fingerprint),
      );
      expect(record.timesSeen).toBe(scansSeeingIt.length);
      expect(record.transitions).toBe(
        feed.filter((e) => e.transition.fingerprint === record.fingerprint).length,
      );
    }
    expect(stored.length).toBe(pool.length);
  });
});

const valid: NewSuppression = {
  tenantId: TENANT,
  principalId: 'user-1',
  alert: 'StaleSignInAlert',
  reason: 'break-glass account, reviewed quarterly',
  author: 'alice@example.com',
  expiresAt: at(60 * 24 * 30),
};

describeOnBackends('suppression checks', (open) => {
  it.each<{ name: string; change: Partial<NewSuppression>; fields: string[] }>([
    { name: 'no reason', change: { reason: '' }, fields: ['reason'] },
    { name: 'a blank reason', change: { reason: '   ' }, fields: ['reason'] },
    { name: 'no author', change: { author: '' }, fields: ['author'] },
    { name: 'an expiry in the past', change: { expiresAt: at(-1) }, fields: ['expiresAt'] },
    { name: 'an expiry of exactly now', change: { expiresAt: at(0) }, fields: ['expiresAt'] },
    { name: 'an expiry past 90 days', change: { expiresAt: at(60 * 24 * 90 + 1) }, fields: ['expiresAt'] },
    { name: 'an expiry that is not a date', change: { expiresAt: 'next tuesday' }, fields: ['expiresAt'] },
    {
      name: 'no target',
      change: { principalId: undefined, alert: undefined },
      fields: ['principalId', 'alert'],
    },
    { name: 'a principal without an alert', change: { alert: undefined }, fields: ['alert'] },
    { name: 'an unknown alert', change: { alert: 'MadeUpAlert' }, fields: ['alert'] },
    { name: 'two targets', change: { fingerprint: stale.fingerprint }, fields: ['fingerprint'] },
    {
      name: 'several problems at once',
      change: { reason: '', author: '', expiresAt: at(-5) },
      fields: ['reason', 'author', 'expiresAt'],
    },
  ])('rejects $name, naming the field', async ({ change, fields }) => {
    const store = open();
    const error = await store.addSuppression({ ...valid, ...change }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SuppressionValidationError);
    const problems = (error as SuppressionValidationError).problems;
    expect(problems.map((p) => p.field)).toEqual(fields);
    for (const field of fields) expect((error as Error).message).toContain(`${field}:`);
    expect(await store.listSuppressions(TENANT, { includeExpired: true })).toEqual([]);
  });

  it('accepts an expiry of exactly 90 days and a fingerprint-only suppression', async () => {
    const store = open();
    const longest = await store.addSuppression({ ...valid, expiresAt: at(60 * 24 * 90) });
    expect(longest).toMatchObject({
      createdAt: at(0),
      expiresAt: at(60 * 24 * 90),
      alert: 'StaleSignInAlert',
    });
    const single = await store.addSuppression({
      tenantId: TENANT,
      fingerprint: stale.fingerprint,
      reason: 'known',
      author: 'bob',
      expiresAt: at(60),
    });
    expect(single.fingerprint).toBe(stale.fingerprint);
    expect(single.principalId).toBeUndefined();
    expect(single.id).not.toBe(longest.id);
  });
});

describeOnBackends('suppressions', (open) => {
  it('lists active suppressions, expired ones on request, and removes them', async () => {
    const store = open();
    const short = await store.addSuppression({ ...valid, expiresAt: at(30) });
    now = new Date(at(10));
    const long = await store.addSuppression({ ...valid, expiresAt: at(600) });
    expect((await store.listSuppressions(TENANT)).map((s) => s.id)).toEqual([short.id, long.id]);

    now = new Date(at(30));
    expect((await store.listSuppressions(TENANT)).map((s) => s.id)).toEqual([long.id]);
    expect((await store.listSuppressions(TENANT, { includeExpired: true })).map((s) => s.id)).toEqual([
      short.id,
      long.id,
    ]);
    expect(await store.listSuppressions(OTHER_TENANT, { includeExpired: true })).toEqual([]);

    expect(await store.removeSuppression(TENANT, long.id)).toBe(true);
    expect(await store.removeSuppression(TENANT, long.id)).toBe(false);
    expect((await store.listSuppressions(TENANT, { includeExpired: true })).map((s) => s.id)).toEqual([
      short.id,
    ]);
  });

  it('marks transitions of suppressed incidents, keeps them in the feed, and announces them when it ends', async () => {
    const store = open();
    const sup = await store.addSuppression({ ...valid, expiresAt: at(90) });
    const first = await store.applyScan(scan('s1', 0, [stale, outside]));
    expect(first.transitions.map((t) => [t.fingerprint, t.suppressed?.id ?? null])).toEqual([
      [stale.fingerprint, sup.id],
      [outside.fingerprint, null],
    ]);
    expect((await store.applyScan(scan('s2', 60, [stale, outside]))).transitions).toEqual([]);

    const third = await store.applyScan(scan('s3', 120, [stale, outside]));
    expect(third.transitions).toMatchObject([
      { type: 'opened', fingerprint: stale.fingerprint, suppressed: null },
    ]);
    expect(third.transitions[0]!.eventId).not.toBe(first.transitions[0]!.eventId);

    const feed = await readWholeFeed(store, 10);
    expect(feed.map((e) => e.transition.suppressed?.id ?? null)).toEqual([sup.id, null, null]);
  });
});

/** Scans two tenants alternately; returns every transition in commit order. */
async function fillFeed(store: StateStore): Promise<Transition[]> {
  const ours = Array.from({ length: 4 }, (_, i) => makeIncident({ principal: `u${i}` }));
  const theirs = Array.from({ length: 3 }, (_, i) =>
    makeIncident({ tenantId: OTHER_TENANT, principal: `t${i}` }),
  );
  const steps: ApplyScanInput[] = [
    scan('a1', 0, ours.slice(0, 3)),
    scan('b1', 1, theirs, { tenantId: OTHER_TENANT }),
    scan('a2', 60, ours.slice(1)),
    scan('b2', 61, theirs.slice(2), { tenantId: OTHER_TENANT }),
    scan('a3', 120, ours),
  ];
  const transitions: Transition[] = [];
  for (const step of steps) transitions.push(...(await store.applyScan(step)).transitions);
  return transitions;
}

describeOnBackends('feed paging', (open) => {
  it.each([1, 4, 100])('pages every event exactly once and in order (page size %i)', async (pageSize) => {
    const store = open();
    const transitions = await fillFeed(store);
    expect(transitions.length).toBe(11);
    const feed = await readWholeFeed(store, pageSize);
    expect(feed.map((e) => e.transition)).toEqual(transitions);
    const sequences = feed.map((e) => feedSequence(e.cursor));
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
  });

  it.each([
    [TENANT, 1],
    [OTHER_TENANT, 2],
    [TENANT.toUpperCase(), 50],
  ])('filters by tenant %s (page size %i)', async (tenantId, pageSize) => {
    const store = open();
    const transitions = await fillFeed(store);
    const feed = await readWholeFeed(store, pageSize, tenantId);
    const wanted = transitions.filter((t) => t.tenantId.toLowerCase() === tenantId.toLowerCase());
    expect(wanted.length).toBeGreaterThan(0);
    expect(feed.map((e) => e.transition.eventId)).toEqual(wanted.map((t) => t.eventId));
  });

  it('continues from the last cursor with only what came later', async () => {
    const store = open();
    await fillFeed(store);
    const { nextCursor } = await store.readFeed({ limit: 1000 });
    const idle = await store.readFeed({ cursor: nextCursor, limit: 10 });
    expect(idle).toEqual({ events: [], nextCursor, trimmed: 0 });

    const later = await store.applyScan(scan('a4', 180, []));
    expect(later.transitions.length).toBe(4);
    const page = await store.readFeed({ cursor: nextCursor, limit: 10, tenantId: TENANT });
    expect(page.events.map((e) => e.transition)).toEqual(later.transitions);
    expect(page.nextCursor).toBe(page.events.at(-1)!.cursor);
    expect(page.trimmed).toBe(0);
  });
});

describeOnBackends('feed cursors and limits', (open) => {
  it('starts from the oldest event without a cursor', async () => {
    const store = open();
    const transitions = await fillFeed(store);
    const page = await store.readFeed({ limit: 2 });
    expect(page.events.map((e) => e.transition.eventId)).toEqual(
      transitions.slice(0, 2).map((t) => t.eventId),
    );
    expect(page.nextCursor).toBe(page.events[1]!.cursor);
  });

  it('rejects cursors it never handed out and limits out of range', async () => {
    const store = open();
    await expect(store.readFeed({ cursor: 'latest', limit: 10 })).rejects.toBeInstanceOf(FeedQueryError);
    await expect(store.readFeed({ limit: 0 })).rejects.toThrow(/limit/);
    await expect(store.readFeed({ limit: 1001 })).rejects.toBeInstanceOf(FeedQueryError);
    await expect(store.readFeed({ limit: 2.5 })).rejects.toBeInstanceOf(FeedQueryError);
  });

  it('refuses a cursor beyond the newest event with the bounds, even on an empty feed', async () => {
    const store = open();
    await expect(store.readFeed({ cursor: '5-0', limit: 10 })).rejects.toMatchObject({
      name: 'FeedCursorConflictError',
      firstCursor: null,
      lastCursor: null,
    });
    expect((await store.readFeed({ cursor: '0-0', limit: 10 })).events).toEqual([]);
    const transitions = await fillFeed(store);
    const all = await store.readFeed({ limit: 1000 });
    expect(all.events).toHaveLength(transitions.length);
    const last = all.events.at(-1)!.cursor;
    await expect(
      store.readFeed({ cursor: `${Number(last.split('-')[0]) + 1}-0`, limit: 10 }),
    ).rejects.toMatchObject({ firstCursor: all.events[0]!.cursor, lastCursor: last });
  });

  it('keeps at least the configured number of events and says how many a late reader missed', async () => {
    const store = open({ feedMaxLength: 10 });
    const many = Array.from({ length: 250 }, (_, i) => makeIncident({ principal: `bulk-${i}` }));
    const { transitions } = await store.applyScan(scan('bulk', 0, many));
    const page = await store.readFeed({ cursor: '0-0', limit: 1000 });
    expect(page.events.length).toBeGreaterThanOrEqual(10);
    // Real Redis trims whole stream nodes (MAXLEN ~), so it may keep more; it must still drop some.
    expect(page.events.length).toBeLessThan(250);
    expect(page.trimmed).toBe(250 - page.events.length);
    expect(page.events.map((e) => e.transition.eventId)).toEqual(
      transitions.slice(250 - page.events.length).map((t) => t.eventId),
    );
  });
});

describeOnBackends('retention', (open) => {
  it('forgets resolved incidents and expired suppressions once they are older than the retention', async () => {
    const store = open({ retentionDays: 2 });
    const day = 24 * 60;
    const other = makeIncident({ principal: 'kept-open' });
    await store.applyScan(scan('r1', 0, [stale, other]));
    await store.applyScan(scan('r2', 1, [other]));
    const suppression = await store.addSuppression({
      tenantId: TENANT,
      fingerprint: other.fingerprint,
      reason: 'r',
      author: 'a',
      expiresAt: at(60),
    });
    // A day and a half later: past the suppression's expiry and the resolution, within the retention.
    await store.applyScan(scan('r3', 1.5 * day, [other]));
    expect((await store.getIncident(TENANT, stale.fingerprint))?.state).toBe('resolved');
    expect((await store.listSuppressions(TENANT, { includeExpired: true })).map((s) => s.id)).toEqual([
      suppression.id,
    ]);
    // Past the retention: both are forgotten; the open incident stays.
    await store.applyScan(scan('r4', 3 * day, [other]));
    expect(await store.getIncident(TENANT, stale.fingerprint)).toBeNull();
    expect(await store.listSuppressions(TENANT, { includeExpired: true })).toEqual([]);
    expect((await store.getIncident(TENANT, other.fingerprint))?.state).toBe('open');
  });
});

describeOnBackends('scan history', (open) => {
  it('keeps only the latest scans per tenant, newest first', async () => {
    const store = open({ scanHistoryLength: 3 });
    for (const id of ['s1', 's2', 's3', 's4', 's5']) await store.recordScan(summary(id));
    await store.recordScan(summary('x1', OTHER_TENANT));
    expect((await store.listScans(TENANT, 10)).map((s) => s.scanId)).toEqual(['s5', 's4', 's3']);
    expect((await store.listScans(TENANT, 2)).map((s) => s.scanId)).toEqual(['s5', 's4']);
    expect((await store.listScans(TENANT)).map((s) => s.scanId)).toEqual(['s5', 's4', 's3']);
    expect(await store.listScans(OTHER_TENANT, 10)).toEqual([summary('x1', OTHER_TENANT)]);
    expect((await store.listScans(TENANT, 1))[0]).toEqual(summary('s5'));
  });

  it('records a scan id once, however often a retried job records it', async () => {
    const store = open();
    await store.recordScan(summary('s1'));
    await store.recordScan(summary('s2'));
    await store.recordScan(summary('s1'));
    expect((await store.listScans(TENANT, 10)).map((s) => s.scanId)).toEqual(['s2', 's1']);
  });
});

const redisBackends = backends.filter((backend) => backend.connect !== undefined);

describeOnBackends(
  'on Redis: key prefixes',
  (open, backend) => {
    const connect = backend.connect!;
    it('writes only under its key prefix, and two prefixes do not see each other', async () => {
      const mine = open();
      const mirror = open({ keyPrefix: `${prefix}-b` });
      await mine.applyScan(scan('s1', 0, [stale]));
      await mine.addSuppression({
        tenantId: TENANT,
        fingerprint: stale.fingerprint,
        reason: 'r',
        author: 'a',
        expiresAt: at(60),
      });
      await mine.recordScan(summary('s1'));

      expect(await mirror.listIncidents(TENANT)).toEqual([]);
      expect(await mirror.listSuppressions(TENANT, { includeExpired: true })).toEqual([]);
      expect(await mirror.listScans(TENANT)).toEqual([]);
      expect((await mirror.readFeed({ limit: 10 })).events).toEqual([]);

      const raw = connect();
      try {
        const tenant = `${prefix}:tenant:${TENANT}`;
        expect((await raw.keys(`${prefix}:*`)).sort()).toEqual(
          [
            `${prefix}:feed`,
            `${prefix}:feed:seq`,
            `${tenant}:applied:s1`,
            `${tenant}:recorded:s1`,
            `${tenant}:incidents`,
            `${tenant}:scans`,
            `${tenant}:suppressions`,
          ].sort(),
        );
        expect(await raw.keys(`${prefix}-b:*`)).toEqual([]);
      } finally {
        raw.disconnect();
      }
    });
  },
  redisBackends,
);

describeOnBackends(
  'on Redis: conflicting commits',
  (open, backend) => {
    const connect = backend.connect!;
    /** A store whose first commit attempt is overtaken by `other` applying scan `b` = [stale, outside]. */
    function overtakenStore(other: StateStore) {
      const racing = withWriterBeforeFirstExec(connect(), () =>
        other.applyScan(scan('b', 60, [stale, outside])),
      );
      const store = new RedisStateStore({
        redis: racing.client,
        ownsConnection: true,
        keyPrefix: prefix,
        feedMaxLength: 100,
      });
      return { store, execs: racing.execs };
    }

    it('recomputes a scan when another writer committed between its read and its commit', async () => {
      const { store, execs } = overtakenStore(open());
      try {
        const result = await store.applyScan(scan('a', 120, [stale]));
        expect(execs()).toBe(2);
        // Applied on top of the other scan: nothing opened twice, the incident it no longer saw resolved.
        expect(result.transitions.map((t) => [t.type, t.fingerprint])).toEqual([
          ['resolved', outside.fingerprint],
        ]);
        expect(await store.getIncident(TENANT, stale.fingerprint)).toMatchObject({
          state: 'open',
          timesSeen: 2,
          transitions: 1,
        });
        const feed = await readWholeFeed(store, 10);
        expect(feed.map((e) => e.transition.type)).toEqual(['opened', 'opened', 'resolved']);
      } finally {
        await store.close();
      }
    });

    it('recomputes even a scan that produces no transitions, so no sighting is lost', async () => {
      const other = open();
      await other.applyScan(scan('before', 0, [stale]));
      const { store, execs } = overtakenStore(other);
      const resolvable = new Set(ALERT_IDS.filter((alert) => alert !== 'RolesAssignedOutsidePimAlert'));
      try {
        const result = await store.applyScan(scan('a', 120, [stale], { resolvable }));
        expect(execs()).toBe(2);
        expect(result.transitions).toEqual([]);
        expect(await store.getIncident(TENANT, stale.fingerprint)).toMatchObject({
          state: 'open',
          timesSeen: 3,
        });
        expect(await store.getIncident(TENANT, outside.fingerprint)).toMatchObject({
          state: 'new',
          timesSeen: 1,
        });
      } finally {
        await store.close();
      }
    });
  },
  redisBackends,
);
