import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer } from '../../src/api/server.js';
import { startWorker } from '../../src/jobs/worker.js';
import { silentLogger } from '../../src/log.js';
import { demoFixture } from '../support/demo-fixture.js';
import { type ServiceEnv, startServiceEnv } from '../support/service-harness.js';
import { waitFor } from '../support/wait-for.js';

const RECONCILE_MS = 4000;
let env: ServiceEnv;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  env = await startServiceEnv([await demoFixture()]);
}, 60_000);

afterAll(async () => {
  for (const item of open.splice(0).reverse()) await item.close().catch(() => {});
  await env?.stop();
});

interface Readiness {
  status: string;
  tenantsWithoutScheduler?: string[];
}

it('after FLUSHALL under a running worker, /readyz is 503 naming the tenants until the schedulers are back, within one interval', async () => {
  const tenants = [
    { id: '1a2b3c4d-0000-4000-8000-000000000001', name: 'One', cron: '0 3 * * *' },
    { id: '1a2b3c4d-0000-4000-8000-000000000002', name: 'Two', cron: '0 4 * * *' },
  ];
  const { config } = env.writeConfig({ tenants, worker: { schedulerReconcileIntervalMs: RECONCILE_MS } });
  open.push(await startWorker({ config, logger: silentLogger }));
  const api = await startApiServer(config, silentLogger, 0);
  open.push(api);
  const readyz = async () => {
    const res = await fetch(`${api.url}/readyz`);
    return { code: res.status, body: (await res.json()) as Readiness };
  };
  await waitFor('the service to be ready', async () => ((await readyz()).code === 200 ? true : undefined));

  // The test's private redis-server: nobody else's data is flushed.
  const admin = new Redis(env.redis.url);
  open.push({ close: async () => void (await admin.quit()) });
  await admin.flushall();
  const flushedAt = Date.now();

  const after = await readyz();
  expect(after.code).toBe(503);
  expect(after.body.tenantsWithoutScheduler?.sort()).toEqual(tenants.map((t) => t.id).sort());

  await waitFor(
    'the schedulers to be recreated',
    async () => ((await readyz()).code === 200 ? true : undefined),
    RECONCILE_MS + 3000,
  );
  expect(Date.now() - flushedAt).toBeLessThan(RECONCILE_MS + 2000);
  expect((await readyz()).body.tenantsWithoutScheduler).toEqual([]);
}, 60_000);

it('after Redis restarts empty, a running worker recreates the schedulers on reconnect, long before the interval', async () => {
  const tenants = [{ id: '1a2b3c4d-0000-4000-8000-000000000003', name: 'Three', cron: '0 5 * * *' }];
  // An interval far beyond the test: only the reconnect can bring the scheduler back in time.
  const { config } = env.writeConfig({ tenants, worker: { schedulerReconcileIntervalMs: 600_000 } });
  open.push(await startWorker({ config, logger: silentLogger }));
  const api = await startApiServer(config, silentLogger, 0);
  open.push(api);
  const ready = async () => (await fetch(`${api.url}/readyz`)).status === 200;
  await waitFor('the service to be ready', async () => ((await ready()) ? true : undefined));

  await env.redis.kill();
  await env.redis.restart();
  await waitFor(
    'the scheduler to be back after the restart',
    async () => ((await ready()) ? true : undefined),
    15_000,
  );
}, 60_000);
