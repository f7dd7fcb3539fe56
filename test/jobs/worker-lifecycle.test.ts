import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PimwatchConfig } from '../../src/config/schema.js';
import { openQueues } from '../../src/jobs/queues.js';
import { enqueueScan } from '../../src/jobs/scan-trigger.js';
import { startWorker } from '../../src/jobs/worker.js';
import { silentLogger } from '../../src/log.js';
import { openRedis } from '../../src/redis/open-redis.js';
import { createStateStore } from '../../src/store/create-state-store.js';
import { RedisStateStore } from '../../src/store/redis-state-store.js';
import { demoFixture } from '../support/demo-fixture.js';
import { type ServiceEnv, startServiceEnv } from '../support/service-harness.js';
import { waitFor } from '../support/wait-for.js';
import { waitUntilScanning } from '../support/worker-process.js';

let env: ServiceEnv;
let tenantId: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const fixture = await demoFixture();
  tenantId = fixture.tenantId;
  // Latency makes a scan last long enough to cancel it while it reads Graph.
  env = await startServiceEnv([fixture], { latencyMs: 150, timeShiftTo: new Date() });
}, 60_000);
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});
afterAll(async () => {
  await env?.stop();
});

function queuesFor(config: PimwatchConfig) {
  const connection = openRedis('test-queues', { url: config.redis.url!, blocking: true });
  const queues = openQueues(connection, config.redis.keyPrefix);
  cleanups.push(async () => {
    await queues.close();
    await connection.quit();
  });
  return queues;
}

/** Names of the clients connected to the test's Redis (`CLIENT SETNAME`, which `openRedis` sets). */
async function clientNames(config: PimwatchConfig): Promise<string[]> {
  const admin = openRedis('test-admin', { url: config.redis.url! });
  try {
    const list = (await admin.client('LIST')) as string;
    return list
      .split('\n')
      .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '')
      .filter((name) => name !== '');
  } finally {
    await admin.quit();
  }
}

describe('cancelling a scan', () => {
  it('stops its Graph reads, stores nothing but a failed summary, and does not retry it', async () => {
    const { config } = env.writeConfig({ tenants: [{ id: tenantId, name: 'Demo' }] });
    const worker = await startWorker({ config, logger: silentLogger });
    cleanups.push(() => worker.close());
    const { scan } = queuesFor(config);
    const { scanId } = await enqueueScan(scan, config.worker, { tenantId, trigger: 'api' });
    await waitUntilScanning(scan, scanId);

    expect(worker.cancelScan('no-such-scan')).toBe(false);
    const atCancel = env.emulator.stats.httpRequests;
    expect(worker.cancelScan(scanId, 'asked by the test')).toBe(true);
    const job = await waitFor('the scan to fail', async () => {
      const current = await scan.getJob(scanId);
      return (await current?.getState()) === 'failed' ? current : undefined;
    });
    expect(job.failedReason).toBe('scan cancelled: asked by the test');
    // Three attempts are configured; a cancelled scan uses one.
    expect(job.attemptsMade).toBe(1);

    // Requests in flight when it was cancelled may still land; nothing new is sent after them.
    const afterCancel = env.emulator.stats.httpRequests;
    expect(afterCancel - atCancel).toBeLessThanOrEqual(config.graph.maxConcurrency);
    await sleep(1000);
    expect(env.emulator.stats.httpRequests).toBe(afterCancel);

    const store = createStateStore({
      redisUrl: config.redis.url,
      keyPrefix: config.redis.keyPrefix,
      feedMaxLength: 100,
    });
    cleanups.push(() => store.close());
    expect(await store.listIncidents(tenantId)).toEqual([]);
    const scans = await store.listScans(tenantId);
    expect(scans.map((s) => [s.scanId, s.outcome, s.error])).toEqual([
      [scanId, 'failed', 'scan cancelled: asked by the test'],
    ]);
  }, 90_000);
});

describe('closing a worker', () => {
  it('releases every connection even when one step of the shutdown fails, and says which', async () => {
    const { config } = env.writeConfig({ tenants: [{ id: tenantId, name: 'Demo' }] });
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    // The state store is released before the worker's own connection: a failure there must not skip it.
    vi.spyOn(RedisStateStore.prototype, 'close').mockRejectedValue(new Error('store refused to close'));
    const worker = await startWorker({ config, logger });
    const workerConnection = `${config.redis.keyPrefix}-worker`;
    expect(await clientNames(config)).toContain(workerConnection);

    await worker.close();

    expect(await clientNames(config)).not.toContain(workerConnection);
    const failures = lines.map((line) => JSON.parse(line)).filter((l) => l.msg === 'shutdown step failed');
    expect(failures.map((l) => [l.step, l.err])).toEqual([['state store', 'store refused to close']]);
  }, 60_000);
});
