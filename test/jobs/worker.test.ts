import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../src/api/server.js';
import type { PimwatchConfig } from '../../src/config/schema.js';
import { bullPrefix } from '../../src/jobs/connection.js';
import { SCAN_QUEUE } from '../../src/jobs/queues.js';
import { schedulerId } from '../../src/jobs/schedulers.js';
import { type RunningWorker, startWorker } from '../../src/jobs/worker.js';
import { silentLogger } from '../../src/log.js';
import { createStateStore } from '../../src/store/create-state-store.js';
import { demoFixture } from '../support/demo-fixture.js';
import { runPimwatch } from '../support/run-cli.js';
import { API_KEY, type ServiceEnv, startServiceEnv } from '../support/service-harness.js';
import { waitFor } from '../support/wait-for.js';

let envx: ServiceEnv;
let tenantId: string;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  const fixture = await demoFixture();
  tenantId = fixture.tenantId;
  // Latency makes a scan take long enough to observe it running.
  envx = await startServiceEnv([fixture], { latencyMs: 40, timeShiftTo: new Date() });
}, 60_000);

afterAll(async () => {
  for (const item of open.splice(0).reverse()) await item.close().catch(() => {});
  await envx?.stop();
});

function scanQueue(config: PimwatchConfig) {
  const connection = new Redis(config.redis.url!, { maxRetriesPerRequest: null });
  const queue = new Queue(SCAN_QUEUE, { connection, prefix: bullPrefix(config.redis.keyPrefix) });
  open.push({
    close: async () => {
      await queue.close();
      await connection.quit();
    },
  });
  return queue;
}

async function worker(config: PimwatchConfig): Promise<RunningWorker> {
  const w = await startWorker({ config, logger: silentLogger });
  open.push(w);
  return w;
}

describe('schedulers', () => {
  it('a one-second pattern fires scans that complete', async () => {
    const { config } = envx.writeConfig({
      tenants: [{ id: tenantId, name: 'Demo', cron: '* * * * * *' }],
      worker: { minScheduleIntervalSeconds: 1 },
    });
    const w = await worker(config);
    const store = createStateStore({
      redisUrl: config.redis.url,
      keyPrefix: config.redis.keyPrefix,
      feedMaxLength: 100,
    });
    open.push(store);
    const scans = await waitFor('two scheduled scans', async () => {
      const list = await store.listScans(tenantId, 10);
      return list.length >= 2 ? list : undefined;
    });
    expect(scans.every((s) => s.trigger === 'schedule' && s.outcome === 'complete')).toBe(true);
    expect(new Set(scans.map((s) => s.scanId)).size).toBe(scans.length);
    await w.close();
  }, 60_000);

  it('three workers starting together leave one scheduler per tenant; a removed tenant loses its scheduler', async () => {
    const second = '0f1e2d3c-4b5a-4968-8776-655443322110';
    const { config } = envx.writeConfig({
      tenants: [
        { id: tenantId, name: 'Demo', cron: '0 3 * * *' },
        { id: second, name: 'Second', cron: '0 4 * * *' },
      ],
    });
    await Promise.all([worker(config), worker(config), worker(config)]);
    const queue = scanQueue(config);
    const schedulers = await queue.getJobSchedulers(0, -1);
    expect(schedulers.map((s) => s.key).sort()).toEqual([schedulerId(tenantId), schedulerId(second)].sort());
    expect(schedulers.find((s) => s.key === schedulerId(second))).toMatchObject({
      pattern: '0 4 * * *',
      tz: 'UTC',
    });

    const shrunk = { ...config, tenants: config.tenants.filter((t) => t.id === tenantId) };
    await worker(shrunk);
    const after = await queue.getJobSchedulers(0, -1);
    expect(after.map((s) => s.key)).toEqual([schedulerId(tenantId)]);
  }, 60_000);
});

describe('on-demand scans through the API', () => {
  it('POST queues a scan, a second POST returns the same scan, GET shows the summary', async () => {
    const { config } = envx.writeConfig({ tenants: [{ id: tenantId, name: 'Demo' }] });
    await worker(config);
    const api = await startApiServer(config, silentLogger, 0);
    open.push(api);
    const post = () =>
      fetch(`${api.url}/api/v1/scans`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId }),
      });
    const first = await post();
    expect(first.status).toBe(202);
    const { scanId } = (await first.json()) as { scanId: string };
    const again = await post();
    expect(again.status).toBe(200);
    expect(((await again.json()) as { scanId: string }).scanId).toBe(scanId);

    const done = await waitFor('the scan to complete', async () => {
      const res = await fetch(`${api.url}/api/v1/scans/${scanId}`, {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      const body = (await res.json()) as {
        state: string;
        summary?: { outcome: string; transitions: number };
      };
      return body.state === 'completed' ? body : undefined;
    });
    expect(done.summary?.outcome).toBe('complete');
    expect(done.summary?.transitions).toBeGreaterThan(0);

    // After it finished, a new POST starts a new scan.
    const later = await post();
    expect(later.status).toBe(202);
    expect(((await later.json()) as { scanId: string }).scanId).not.toBe(scanId);
  }, 60_000);

  // regression guard: callers racing the first one were told "queued" for a scan someone else made.
  it('concurrent POSTs: one caller queued the scan, every other one is told it joined', async () => {
    const { config } = envx.writeConfig({ tenants: [{ id: tenantId, name: 'Demo' }] });
    const api = await startApiServer(config, silentLogger, 0);
    open.push(api);
    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const res = await fetch(`${api.url}/api/v1/scans`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ tenantId }),
        });
        return {
          code: res.status,
          ...((await res.json()) as { scanId: string; status: string; joined: boolean }),
        };
      }),
    );
    expect(new Set(answers.map((a) => a.scanId)).size).toBe(1);
    expect(answers.filter((a) => a.joined === false)).toEqual([
      expect.objectContaining({ code: 202, status: 'queued' }),
    ]);
    expect(answers.filter((a) => a.joined).every((a) => a.code === 200 && a.status === 'joined')).toBe(true);
  }, 30_000);
});

describe('the scans API, guarded', () => {
  it('answers 401 without a key, 400 naming the field on a bad body, and shows counters at /metrics', async () => {
    const { config } = envx.writeConfig({ tenants: [{ id: tenantId, name: 'Demo' }] });
    await worker(config);
    const api = await startApiServer(config, silentLogger, 0);
    open.push(api);
    const auth = { authorization: `Bearer ${API_KEY}` };

    expect((await fetch(`${api.url}/api/v1/scans/1`)).status).toBe(401);
    expect(
      (await fetch(`${api.url}/api/v1/scans/1`, { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);

    const bad = await fetch(`${api.url}/api/v1/scans`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: tenantId }),
    });
    expect(bad.status).toBe(400);
    const problems = ((await bad.json()) as { problems: string[] }).problems;
    expect(problems).toEqual(
      expect.arrayContaining(['tenantId: required', expect.stringContaining('tenant')]),
    );
    // regression guard: a present but wrong value was answered "required" too.
    for (const [body, problem] of [
      [{ tenantId: 5 }, 'tenantId: must be a tenant id (a GUID)'],
      [{ tenantId: 'contoso' }, 'tenantId: must be a tenant id (a GUID)'],
    ] as const) {
      const wrong = await fetch(`${api.url}/api/v1/scans`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(wrong.status).toBe(400);
      expect(((await wrong.json()) as { problems: string[] }).problems).toEqual([problem]);
    }
    const limit = await fetch(`${api.url}/api/v1/feed?limit=ten`, { headers: auth });
    expect(((await limit.json()) as { problems: string[] }).problems).toEqual([
      expect.stringMatching(/^limit: .*expected number/),
    ]);

    const res = await fetch(`${api.url}/api/v1/scans`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId }),
    });
    const { scanId } = (await res.json()) as { scanId: string };
    await waitFor('the scan to complete', async () => {
      const r = await fetch(`${api.url}/api/v1/scans/${scanId}`, { headers: auth });
      return ((await r.json()) as { state: string }).state === 'completed' ? true : undefined;
    });
    const metrics = await (await fetch(`${api.url}/metrics`, { headers: auth })).text();
    expect(metrics).toMatch(/pimwatch_scans_total\{outcome="complete"\} [1-9]/);
    expect(metrics).toMatch(/pimwatch_graph_requests_total [1-9]\d*/);
    expect(metrics).toMatch(
      new RegExp(`pimwatch_last_successful_scan_timestamp_seconds\\{tenant_id="${tenantId}"\\} \\d+`),
    );
    expect(metrics).toMatch(/pimwatch_open_incidents\{tenant_id="[^"]+",alert="StaleSignInAlert"\} 7/);
    expect(metrics).toContain('pimwatch_scan_duration_seconds_count 1');

    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    const incidents = await fetch(
      `${api.url}/api/v1/tenants/${tenantId}/incidents?state=new&alert=StaleSignInAlert`,
      {
        headers: auth,
      },
    );
    expect(((await incidents.json()) as { count: number }).count).toBe(7);
    const badQuery = await fetch(`${api.url}/api/v1/tenants/${tenantId}/incidents?state=sleepy`, {
      headers: auth,
    });
    expect(badQuery.status).toBe(400);
  }, 60_000);
});

describe('pimwatch trigger', () => {
  it('queues a scan for the workers and, with --wait, reports its result', async () => {
    const { path, config } = envx.writeConfig({ tenants: [{ id: tenantId, name: 'Demo' }] });
    await worker(config);
    const run = await runPimwatch(['trigger', '--tenant', tenantId, '--config', path, '--wait'], {
      env: envx.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      // 40: the demo's 38 plus its two break-glass Global Administrators, not excluded in this config.
      /^queued scan (\S+) of Demo\nscan \1: complete, 40 incident\(s\), 40 change\(s\), \d+ Graph requests\n$/,
    );
  }, 60_000);
});
