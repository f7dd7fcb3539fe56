import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApiServer } from '../../src/api/server.js';
import type { PimwatchConfig } from '../../src/config/schema.js';
import { bullPrefix } from '../../src/jobs/connection.js';
import { SCAN_QUEUE } from '../../src/jobs/queues.js';
import { silentLogger } from '../../src/log.js';
import { demoFixture } from '../support/demo-fixture.js';
import { API_KEY, type ServiceEnv, startServiceEnv } from '../support/service-harness.js';
import { waitFor } from '../support/wait-for.js';

/** The API while its Redis is frozen (SIGSTOP) or killed: it answers fast, then recovers on its own. */

const AUTH = { authorization: `Bearer ${API_KEY}` };
let env: ServiceEnv;
let config: PimwatchConfig;
let api: RunningApi;
let tenantId: string;

beforeAll(async () => {
  const fixture = await demoFixture();
  tenantId = fixture.tenantId;
  env = await startServiceEnv([fixture]);
  // The default deadline (the harness raises it for tests whose workers share the event loop).
  ({ config } = env.writeConfig({ tenants: [{ id: tenantId, name: 'Demo' }], api: { redisTimeoutMs: 900 } }));
  api = await startApiServer(config, silentLogger, 0);
}, 60_000);

afterAll(async () => {
  env?.redis.thaw();
  await api?.close();
  await env?.stop();
});

function routes(): { name: string; call: () => Promise<Response> }[] {
  const get =
    (path: string, auth = true) =>
    () =>
      fetch(`${api.url}${path}`, { headers: auth ? AUTH : {} });
  return [
    { name: 'POST /api/v1/scans', call: postScan },
    { name: 'GET /api/v1/scans/:id', call: get('/api/v1/scans/some-scan') },
    { name: 'GET incidents', call: get(`/api/v1/tenants/${tenantId}/incidents`) },
    { name: 'GET feed', call: get('/api/v1/feed?cursor=0-0') },
    { name: 'GET /metrics', call: get('/metrics') },
    { name: 'GET /readyz', call: get('/readyz', false) },
  ];
}

async function timed(call: () => Promise<Response>) {
  const started = performance.now();
  const res = await call();
  await res.arrayBuffer();
  return { res, ms: performance.now() - started };
}

async function expectFast503s(limitMs: number) {
  for (const route of routes()) {
    const { res, ms } = await timed(route.call);
    expect(res.status, route.name).toBe(503);
    expect(res.headers.get('retry-after'), route.name).toMatch(/^\d+$/);
    expect(ms, route.name).toBeLessThan(route.name === 'GET /readyz' ? 1000 : limitMs);
  }
  const health = await timed(() => fetch(`${api.url}/healthz`));
  expect(health.res.status).toBe(200);
}

async function scanJobs(): Promise<number> {
  const connection = new Redis(config.redis.url!, { maxRetriesPerRequest: null });
  const queue = new Queue(SCAN_QUEUE, { connection, prefix: bullPrefix(config.redis.keyPrefix) });
  try {
    const counts = await queue.getJobCounts();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
    await connection.quit();
  }
}

/** Each connection reconnects on its own schedule: wait until a read route answers again. */
async function recovered() {
  await waitFor(
    'the API to answer again',
    async () => {
      const res = await fetch(`${api.url}/api/v1/tenants/${tenantId}/incidents`, { headers: AUTH });
      return res.status === 200 ? true : undefined;
    },
    15_000,
  );
}

function postScan() {
  return fetch(`${api.url}/api/v1/scans`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId }),
  });
}

describe('the API with Redis down', () => {
  it('answers every route within 2 s with 503 and Retry-After while Redis is frozen; a POST it gave up on never runs', async () => {
    env.redis.freeze();
    try {
      await expectFast503s(2000);
    } finally {
      env.redis.thaw();
    }
    await recovered();
    // The POST sent into the frozen Redis was answered 503, so its job must not appear after the thaw.
    expect(await scanJobs()).toBe(0);
  }, 60_000);

  it('answers every route within 2 s while Redis is killed, and works again without a restart when it returns', async () => {
    await env.redis.kill();
    try {
      await expectFast503s(2000);
    } finally {
      await env.redis.restart();
    }
    await recovered();
    // A POST is safe to repeat (one scan per tenant), so a client retries it after a 503.
    const status = await waitFor(
      'a scan to be accepted',
      async () => {
        const res = await postScan();
        return res.status === 503 ? undefined : res.status;
      },
      15_000,
    );
    expect(status).toBe(202);
    expect(await scanJobs()).toBe(1);
  }, 60_000);

  it('needs no key for the probes, whatever the query string or trailing slash', async () => {
    expect((await fetch(`${api.url}/healthz?x=1`)).status).toBe(200);
    expect((await fetch(`${api.url}/healthz/`)).status).toBe(200);
    // 503: no worker runs here; what matters is that it is not a 401.
    expect((await fetch(`${api.url}/readyz/`)).status).toBe(503);
    expect((await fetch(`${api.url}/metrics?healthz`)).status).toBe(401);
  });
});
