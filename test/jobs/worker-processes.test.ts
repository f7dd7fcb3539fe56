import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PimwatchConfig } from '../../src/config/schema.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { generateTenant } from '../../src/fixtures/generate-tenant.js';
import { bullPrefix } from '../../src/jobs/connection.js';
import type { TypedQueue } from '../../src/jobs/job-map.js';
import { keepFinished, SCAN_QUEUE } from '../../src/jobs/queues.js';
import { enqueueScan, TICK_JOB } from '../../src/jobs/scan-trigger.js';
import { startWorker } from '../../src/jobs/worker.js';
import { silentLogger } from '../../src/log.js';
import { openRedis } from '../../src/redis/open-redis.js';
import { createStateStore } from '../../src/store/create-state-store.js';
import type { StateStore } from '../../src/store/state-store.js';
import { demoFixture } from '../support/demo-fixture.js';
import { type ServiceEnv, startServiceEnv } from '../support/service-harness.js';
import { waitUntil } from '../support/wait-for.js';
import {
  spawnWorker,
  type WorkerProcess,
  waitForStart,
  waitUntilScanning,
} from '../support/worker-process.js';

const envs: ServiceEnv[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});
afterAll(async () => {
  for (const e of envs) await e.stop();
});

function openQueue(config: PimwatchConfig): TypedQueue<'scan'> {
  const connection = openRedis('test-queue', { url: config.redis.url!, blocking: true });
  const queue: TypedQueue<'scan'> = new Queue(SCAN_QUEUE, {
    connection,
    prefix: bullPrefix(config.redis.keyPrefix),
  });
  cleanups.push(async () => {
    await queue.close();
    await connection.quit();
  });
  return queue;
}

function openStore(config: PimwatchConfig): StateStore {
  const store = createStateStore({
    redisUrl: config.redis.url,
    keyPrefix: config.redis.keyPrefix,
    feedMaxLength: 10_000,
  });
  cleanups.push(() => store.close());
  return store;
}

function spawn(configPath: string, env: NodeJS.ProcessEnv): WorkerProcess {
  const worker = spawnWorker(configPath, env);
  cleanups.push(async () => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await worker.exited;
  });
  return worker;
}

/**
 * A cron pattern (with seconds) whose next firing is a year away: the workers create their schedulers,
 * but every scan in these tests is one the test asked for, never a race with the clock.
 */
function notDuringThisTest(): string {
  const at = new Date(Date.now() - 24 * 3600 * 1000);
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`;
}

describe('several worker processes', () => {
  it('two workers and 20 tenants: each tenant is scanned exactly once per tick, by either worker', async () => {
    const fixtures: TenantFixture[] = Array.from({ length: 20 }, (_, i) =>
      generateTenant({ users: 60, holdings: 25, seed: 100 + i }),
    );
    const env = await startServiceEnv(fixtures, { latencyMs: 5 });
    envs.push(env);
    const cron = notDuringThisTest();
    const { path, config } = env.writeConfig({
      tenants: fixtures.map((f, i) => ({ id: f.tenantId, name: `Tenant ${i + 1}`, cron })),
      worker: { concurrency: 3 },
    });
    const workers = [spawn(path, env.env), spawn(path, env.env)];
    await Promise.all(workers.map((w) => waitForStart(w)));
    const queue = openQueue(config);
    // What a scheduler adds when it fires: one tick per tenant, all at once, for whichever worker is free.
    await queue.addBulk(
      fixtures.map((f) => ({
        name: TICK_JOB,
        data: { tenantId: f.tenantId, trigger: 'schedule' as const },
        opts: keepFinished(config.worker),
      })),
    );
    const store = openStore(config);
    const scansOf = async () => Promise.all(fixtures.map((f) => store.listScans(f.tenantId, 10)));
    await waitUntil(
      'every tenant scanned',
      async () => (await scansOf()).every((list) => list.length >= 1),
      90_000,
    );
    // Give a duplicate time to show up if there were one.
    await sleep(3000);
    const scans = await scansOf();
    for (const [i, list] of scans.entries()) {
      expect(
        list.map((s) => `${s.trigger}:${s.outcome}`),
        fixtures[i]!.tenantId,
      ).toEqual(['schedule:complete']);
    }
    const jobs = await queue.getJobs(['completed'], 0, -1);
    const scanJobs = jobs.filter((j) => j.name === 'scan');
    expect(scanJobs).toHaveLength(20);
    expect(new Set(scanJobs.map((j) => j.processedBy)).size).toBe(2);
    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
  }, 180_000);
});

describe('a worker process stopped during a scan', () => {
  it('SIGTERM during a scan: the worker finishes the scan, then exits 0', async () => {
    const fixture = await demoFixture();
    const env = await startServiceEnv([fixture], { latencyMs: 150, timeShiftTo: new Date() });
    envs.push(env);
    const { path, config } = env.writeConfig({ tenants: [{ id: fixture.tenantId, name: 'Demo' }] });
    const worker = spawn(path, env.env);
    await waitForStart(worker);
    const queue = openQueue(config);
    const { scanId } = await enqueueScan(queue, config.worker, {
      tenantId: fixture.tenantId,
      trigger: 'api',
    });
    await waitUntilScanning(queue, scanId);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const job = await queue.getJob(scanId);
    expect(await job?.getState()).toBe('completed');
    expect(worker.output()).toContain('"msg":"worker stopped"');
  }, 120_000);

  it('SIGKILL during a scan: another worker runs it again and the state stays consistent', async () => {
    const fixture = await demoFixture();
    const env = await startServiceEnv([fixture], { latencyMs: 150, timeShiftTo: new Date() });
    envs.push(env);
    const { path, config } = env.writeConfig({
      tenants: [{ id: fixture.tenantId, name: 'Demo' }],
      // Short enough to notice the dead worker quickly, long enough that a busy machine does not make the
      // rescuer itself look dead (its lock is renewed every half lock duration).
      worker: { lockDurationMs: 5000, stalledIntervalMs: 1000 },
    });
    const doomed = spawn(path, env.env);
    await waitForStart(doomed);
    const queue = openQueue(config);
    const { scanId } = await enqueueScan(queue, config.worker, {
      tenantId: fixture.tenantId,
      trigger: 'api',
    });
    await waitUntilScanning(queue, scanId);
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBe('SIGKILL');

    const rescuer = await startWorker({ config, logger: silentLogger });
    cleanups.push(() => rescuer.close());
    await waitUntil(
      'the scan to complete on the other worker',
      async () => {
        const job = await queue.getJob(scanId);
        const state = await job?.getState();
        if (state === 'failed') throw new Error(`the scan failed instead: ${job?.failedReason}`);
        return state === 'completed';
      },
      90_000,
    );
    const job = await queue.getJob(scanId);
    expect(job?.processedBy).toBe(rescuer.workerId);
    const store = openStore(config);
    const records = await store.listIncidents(fixture.tenantId);
    const feed = await store.readFeed({ limit: 1000 });
    const eventIds = feed.events.map((e) => e.transition.eventId);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    expect(eventIds).toHaveLength(records.length);
    expect(records.every((r) => r.state === 'new' && r.timesSeen === 1)).toBe(true);
    expect(await store.listScans(fixture.tenantId, 10)).toHaveLength(1);
  }, 120_000);
});
