import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningApi, startApiServer } from '../../src/api/server.js';
import { MetricsRecorder } from '../../src/jobs/metrics-recorder.js';
import { silentLogger } from '../../src/log.js';
import { demoFixture } from '../support/demo-fixture.js';
import { API_KEY, type ServiceEnv, startServiceEnv } from '../support/service-harness.js';

const CONFIGURED = '1a2b3c4d-0000-4000-8000-00000000000a';
const REMOVED = '1a2b3c4d-0000-4000-8000-00000000000b';
let env: ServiceEnv;
let api: RunningApi;
let redis: Redis;

beforeAll(async () => {
  env = await startServiceEnv([await demoFixture()]);
  const { config } = env.writeConfig({ tenants: [{ id: CONFIGURED, name: 'Kept' }] });
  redis = new Redis(env.redis.url);
  const recorder = new MetricsRecorder(redis, config.redis.keyPrefix);
  // Both were scanned once; the second tenant has since been removed from the configuration.
  for (const tenantId of [CONFIGURED, REMOVED]) {
    await recorder.recordScan({
      tenantId,
      outcome: 'complete',
      graphRequests: { logical: 1, http: 1, throttled: 0, retried: 0 },
      startedAt: '2026-12-01T06:00:00Z',
      finishedAt: '2026-12-01T06:00:05Z',
    } as Parameters<MetricsRecorder['recordScan']>[0]);
  }
  api = await startApiServer(config, silentLogger, 0);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await redis?.quit();
  await env?.stop();
});

// regression guard: /metrics kept reporting tenants no longer configured.
it('reports the last successful scan of configured tenants only', async () => {
  const res = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } });
  const text = await res.text();
  expect(text).toContain(`pimwatch_last_successful_scan_timestamp_seconds{tenant_id="${CONFIGURED}"}`);
  expect(text).not.toContain(REMOVED);
});
