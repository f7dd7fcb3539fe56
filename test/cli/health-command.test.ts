import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../src/api/server.js';
import { apiHealthUrl } from '../../src/cli/health-command.js';
import { configSchema } from '../../src/config/schema.js';
import { heartbeatKey } from '../../src/jobs/heartbeat.js';
import { startWorker } from '../../src/jobs/worker.js';
import { checkWorkerHealth } from '../../src/jobs/worker-health.js';
import { silentLogger } from '../../src/log.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { runPimwatch } from '../support/run-cli.js';

let redis: RedisServer;
let client: Redis;
const dir = mkdtempSync(join(tmpdir(), 'pimwatch-health-'));

beforeAll(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.url);
});
afterAll(async () => {
  await client?.quit();
  await redis?.stop();
});

function configFile(keyPrefix: string, url = redis.url): string {
  const path = join(dir, `${keyPrefix}.yaml`);
  writeFileSync(path, `redis: { url: "${url}", keyPrefix: ${keyPrefix} }\n`);
  return path;
}

describe('pimwatch health (the worker container health check)', () => {
  it('exits 0 while a worker on this host beats, 1 once it has stopped', async () => {
    const keyPrefix = 'health-live';
    const config = configSchema.parse({ redis: { url: redis.url, keyPrefix } });
    const worker = await startWorker({ config, logger: silentLogger });
    try {
      const live = await runPimwatch(['health', '--config', configFile(keyPrefix)]);
      expect(live.code, live.stderr).toBe(0);
      expect(live.stdout).toMatch(
        new RegExp(`^pimwatch health: healthy: worker on host ${hostname()} reported \\d+ s ago\\n$`),
      );
    } finally {
      await worker.close();
    }
    const gone = await runPimwatch(['health', '--config', configFile(keyPrefix)]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(
      `pimwatch health: unhealthy: no worker on host ${hostname()} has reported to Redis\n`,
    );
  }, 60_000);

  it('exits 1 within its timeout when Redis does not answer', async () => {
    const started = Date.now();
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const run = await runPimwatch(['health', '--config', configFile('health-down', 'redis://127.0.0.1:1')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^pimwatch health: unhealthy: cannot read worker heartbeats from Redis: /);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('is unhealthy for a beat older than the limit, or one from another host only', async () => {
    const keyPrefix = 'health-stale';
    const now = Date.parse('2026-12-06T12:00:00Z');
    await client.zadd(
      heartbeatKey(keyPrefix),
      now - 90_000,
      'worker-a-17-abc1',
      now - 1_000,
      'worker-b-18-def2',
    );
    const check = (host: string, maxAgeMs: number) =>
      checkWorkerHealth({ redisUrl: redis.url, keyPrefix, host, maxAgeMs, now: () => now });
    expect(await check('worker-a', 60_000)).toEqual({
      healthy: false,
      message: 'the worker on host worker-a last reported 90 s ago (limit 60 s)',
    });
    expect(await check('worker-a', 120_000)).toEqual({
      healthy: true,
      message: 'worker on host worker-a reported 90 s ago',
    });
    expect(await check('worker-b', 60_000)).toMatchObject({ healthy: true });
    // `worker` is a prefix of both ids but the name of neither host.
    expect(await check('worker', 60_000)).toEqual({
      healthy: false,
      message: 'no worker on host worker has reported to Redis',
    });
  });

  it('--api exits 0 while the API answers /healthz, 1 once it is gone', async () => {
    const config = configSchema.parse({
      redis: { url: redis.url, keyPrefix: 'health-api' },
      api: { port: 0, apiKeys: [{ name: 'probe', key: { env: 'PIMWATCH_HEALTH_TEST_KEY' } }] },
    });
    process.env.PIMWATCH_HEALTH_TEST_KEY = 'health-test-key-0123456789';
    const api = await startApiServer(config, silentLogger);
    const port = new URL(api.url).port;
    try {
      const up = await runPimwatch(['health', '--api', '--port', port, '--config', configFile('health-api')]);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout).toBe(`pimwatch health: healthy: http://127.0.0.1:${port}/healthz answered 200\n`);
    } finally {
      await api.close();
    }
    const down = await runPimwatch(['health', '--api', '--port', port, '--config', configFile('health-api')]);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(
      `pimwatch health: unhealthy: http://127.0.0.1:${port}/healthz did not answer (ECONNREFUSED)\n`,
    );
  }, 60_000);

  it('reaches a wildcard-bound API on loopback', () => {
    expect(apiHealthUrl('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080/healthz');
    expect(apiHealthUrl('::', 8080)).toBe('http://127.0.0.1:8080/healthz');
    expect(apiHealthUrl('10.1.2.3', 9000)).toBe('http://10.1.2.3:9000/healthz');
    expect(apiHealthUrl('::1', 9000)).toBe('http://[::1]:9000/healthz');
  });
});
