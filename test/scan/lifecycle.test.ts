import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { MemoryStateStore } from '../../src/store/memory-state-store.js';
import { RedisStateStore } from '../../src/store/redis-state-store.js';
import type { StateStore } from '../../src/store/state-store.js';
import { demoFixture, demoNow } from '../support/demo-fixture.js';
import { expectConformantOcsf } from '../support/ocsf-conformance.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { scanFixture } from '../support/scan-harness.js';

const HANNAH = '6ff87454-8389-481f-8a32-49d9ed78b20d';
const EXCHANGE_ADMIN = '29232cdf-9323-42fd-ade2-1d097af3e4de';
const INSTANCES = 'roleManagement/directory/roleAssignmentScheduleInstances';

/** The demo tenant after Hannah's Exchange Administrator assignment (made outside PIM) was removed. */
async function withoutHannahsAssignment(changes: Partial<TenantFixture> = {}): Promise<TenantFixture> {
  const fixture = await demoFixture(changes);
  fixture.resources[INSTANCES] = fixture.resources[INSTANCES]!.filter(
    (i) => !(i.principalId === HANNAH && i.roleDefinitionId === EXCHANGE_ADMIN),
  );
  return fixture;
}

let server: RedisServer;
const connections: Redis[] = [];
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  for (const c of connections) await c.quit();
  await server.stop();
});

function redisStore(prefix: string): StateStore {
  const redis = new Redis(server.url);
  connections.push(redis);
  return new RedisStateStore({ redis, keyPrefix: prefix, feedMaxLength: 10_000 });
}

const minutes = (base: Date, n: number) => new Date(base.getTime() + n * 60_000);

describe.each([
  { name: 'redis', open: () => redisStore(`lifecycle-${Math.random().toString(36).slice(2)}`) },
  { name: 'memory', open: () => new MemoryStateStore({ feedMaxLength: 10_000 }) as StateStore },
])('incident lifecycle over scans of a changing tenant ($name)', ({ open }) => {
  it('goes new, open, resolved, reopened, open', async () => {
    const store = open();
    const base = await demoNow();
    const outside = (r: Awaited<ReturnType<typeof scanFixture>>) =>
      r.report.incidents.find(
        (i) =>
          i.alert === 'RolesAssignedOutsidePimAlert' &&
          i.assigneeId === HANNAH &&
          i.classification !== 'graphOnly',
      );

    const first = await scanFixture(await demoFixture(), { now: base, store });
    expect(outside(first)?.state).toBe('new');
    const fingerprint = outside(first)!.fingerprint;

    const second = await scanFixture(await demoFixture(), { now: minutes(base, 1), store });
    expect(outside(second)?.state).toBe('open');
    expect(second.transitions).toEqual([]);

    const third = await scanFixture(await withoutHannahsAssignment(), { now: minutes(base, 2), store });
    expect(outside(third)).toBeUndefined();
    expect(third.transitions.map((t) => [t.type, t.fingerprint])).toContainEqual(['resolved', fingerprint]);
    expect((await store.getIncident(first.report.tenantId, fingerprint))?.state).toBe('resolved');

    const fourth = await scanFixture(await demoFixture(), { now: minutes(base, 3), store });
    expect(outside(fourth)?.state).toBe('reopened');
    expect(fourth.transitions.filter((t) => t.fingerprint === fingerprint).map((t) => t.type)).toEqual([
      'reopened',
    ]);

    const fifth = await scanFixture(await demoFixture(), { now: minutes(base, 4), store });
    expect(outside(fifth)?.state).toBe('open');
    const record = await store.getIncident(first.report.tenantId, fingerprint);
    expect(record).toMatchObject({ timesSeen: 4, firstSeen: first.report.scannedAt });
    const eventIds = [first, third, fourth].flatMap((r) =>
      r.transitions.filter((t) => t.fingerprint === fingerprint),
    );
    expect(new Set(eventIds.map((t) => t.eventId)).size).toBe(3);
    expectConformantOcsf(
      [first, third, fourth].flatMap((r) => r.transitions),
      { tenantId: first.report.tenantId, tenantName: first.report.tenantName },
    );
  }, 60_000);

  it('a partial scan resolves nothing of the detector whose source failed', async () => {
    const store = open();
    const base = await demoNow();
    const first = await scanFixture(await demoFixture(), { now: base, store });
    const opened = first.report.incidents.filter((i) => i.state === 'new');

    // The assignment is gone, but the audit log cannot be read: the alert is unknown, not clean.
    const partial = await scanFixture(
      await withoutHannahsAssignment({
        faults: { 'auditLogs/directoryAudits': { status: 403, code: 'Authorization_RequestDenied' } },
      }),
      { now: minutes(base, 1), store },
    );
    expect(partial.report.complete).toBe(false);
    expect(partial.report.detectors.RolesAssignedOutsidePimAlert.status).toBe('unknown');
    expect(partial.transitions.filter((t) => t.alert === 'RolesAssignedOutsidePimAlert')).toEqual([]);
    for (const incident of opened.filter((i) => i.alert === 'RolesAssignedOutsidePimAlert')) {
      expect((await store.getIncident(first.report.tenantId, incident.fingerprint))?.state).toBe('new');
    }
    // The detectors that ran still moved on normally (nothing else changed, so nothing resolved).
    expect(partial.transitions).toEqual([]);
  }, 60_000);

  // regression guard: a worker killed right after the state commit left that scan out of the history.
  it('a scan retried after dying between its commit and its history entry is recorded once', async () => {
    const store = open();
    const base = await demoNow();
    const first = await scanFixture(await demoFixture(), { now: base, store, scanId: 'died-after-commit' });
    const tenantId = first.report.tenantId;
    // Simulate the crash: the commit stays, the history entry never happened.
    const recorded = await store.listScans(tenantId, 10);
    expect(recorded.map((s) => s.scanId)).toEqual(['died-after-commit']);
    const fresh = open();
    await fresh.applyScan({
      tenantId,
      scanId: 'died-after-commit',
      scannedAt: base.toISOString(),
      incidents: [],
      resolvableAlerts: new Set(),
    });
    const retried = await scanFixture(await demoFixture(), {
      now: base,
      store: fresh,
      scanId: 'died-after-commit',
    });
    expect(retried.transitions).toEqual([]);
    expect((await fresh.listScans(tenantId, 10)).map((s) => s.scanId)).toEqual(['died-after-commit']);
    await scanFixture(await demoFixture(), { now: base, store: fresh, scanId: 'died-after-commit' });
    expect(await fresh.listScans(tenantId, 10)).toHaveLength(1);
  }, 60_000);

  it('two concurrent scans of one tenant leave consistent state', async () => {
    const store = open();
    const base = await demoNow();
    const [a, b] = await Promise.all([
      scanFixture(await demoFixture(), { now: base, store, scanId: 'concurrent-a' }),
      scanFixture(await withoutHannahsAssignment(), { now: base, store, scanId: 'concurrent-b' }),
    ]);
    const tenantId = a.report.tenantId;
    const records = await store.listIncidents(tenantId);
    const feed = await store.readFeed({ limit: 1000, tenantId });
    const all = [...a.transitions, ...b.transitions];
    // Every transition made it to the feed exactly once, and the records agree with the transitions.
    expect(feed.events.map((e) => e.transition.eventId).sort()).toEqual(all.map((t) => t.eventId).sort());
    for (const record of records) {
      const mine = all.filter((t) => t.fingerprint === record.fingerprint);
      expect(record.transitions, record.fingerprint).toBe(mine.length);
      expect(record.timesSeen).toBeGreaterThanOrEqual(1);
      expect(record.timesSeen).toBeLessThanOrEqual(2);
    }
    expect((await store.listScans(tenantId, 10)).map((s) => s.scanId).sort()).toEqual([
      'concurrent-a',
      'concurrent-b',
    ]);
  }, 60_000);
});
