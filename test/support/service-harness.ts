import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { PimwatchConfig } from '../../src/config/schema.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/server.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

export const TENANT_SECRET_ENV = 'PIMWATCH_TEST_TENANT_SECRET';
export const API_KEY_ENV = 'PIMWATCH_TEST_API_KEY';
export const API_KEY = 'test-api-key-0123456789';

export interface ServiceEnv {
  redis: RedisServer;
  emulator: RunningEmulator;
  /** Environment for pimwatch processes: secrets are passed this way, never written in the config. */
  env: NodeJS.ProcessEnv;
  /** Writes a configuration file for these tenants and returns its path and parsed form. */
  writeConfig(options: ConfigOptions): { path: string; config: PimwatchConfig };
  stop(): Promise<void>;
}

export interface ConfigOptions {
  tenants: { id: string; name: string; cron?: string; clientId?: string }[];
  keyPrefix?: string;
  worker?: Record<string, unknown>;
  notifiers?: Record<string, unknown>;
  graph?: Record<string, unknown>;
  detectors?: Record<string, unknown>;
  api?: Record<string, unknown>;
  console?: Record<string, unknown>;
}

/**
 * What the job and API tests run against: a private redis-server on a free port and the Graph
 * emulator (over HTTPS, its token endpoint included) serving the given tenants. pimwatch reaches them
 * through an ordinary configuration file, as it would reach real ones.
 */
export async function startServiceEnv(
  fixtures: TenantFixture[],
  emulatorOptions: Omit<EmulatorOptions, 'fixture' | 'fixtures'> = {},
): Promise<ServiceEnv> {
  const redis = await startRedisServer();
  const emulator = await startEmulator(
    fixtures.length === 1
      ? { fixture: fixtures[0]!, ...emulatorOptions }
      : ({ fixtures, ...emulatorOptions } as EmulatorOptions),
  );
  const dir = mkdtempSync(join(tmpdir(), 'pimwatch-service-'));
  // In-process workers read secrets from this process's environment, child processes from `env`.
  process.env[TENANT_SECRET_ENV] = 'emulator-client-secret';
  process.env[API_KEY_ENV] = API_KEY;
  const env = { ...process.env };
  return {
    redis,
    emulator,
    env,
    writeConfig(options) {
      const raw = {
        tenants: options.tenants.map((t) => ({
          id: t.id,
          name: t.name,
          credential: {
            type: 'clientSecret',
            clientId: t.clientId ?? '00000000-0000-0000-0000-00000000e41a',
            clientSecret: { env: TENANT_SECRET_ENV },
          },
          ...(t.cron ? { schedule: { cron: t.cron, timezone: 'UTC' } } : {}),
        })),
        graph: {
          baseUrl: emulator.baseUrl,
          authorityHost: emulator.authorityHost,
          caFile: emulator.caCertPath,
          maxRetries: 2,
          maxRetryDelaySeconds: 1,
          // Scans here run back to back; the client's pacing under Graph's throttles is tested elsewhere.
          rateLimits: { signInActivityPerMinute: 10_000, reportsPer10Seconds: 10_000 },
          ...options.graph,
        },
        redis: { url: redis.url, keyPrefix: options.keyPrefix ?? `t${randomUUID().slice(0, 8)}` },
        worker: {
          backoffMs: 200,
          shutdownTimeoutMs: 10_000,
          heartbeatIntervalMs: 500,
          ...options.worker,
        },
        api: {
          apiKeys: [{ name: 'tests', key: { env: API_KEY_ENV } }],
          port: 0,
          // In-process workers share the test's event loop with the API: a busy loop is not an outage.
          redisTimeoutMs: 5000,
          ...options.api,
        },
        ...(options.notifiers ? { notifiers: options.notifiers } : {}),
        ...(options.detectors ? { detectors: options.detectors } : {}),
        ...(options.console ? { console: options.console } : {}),
        log: { level: 'warn' },
      };
      const path = join(dir, `config-${randomUUID().slice(0, 8)}.json`);
      writeFileSync(path, JSON.stringify(raw, null, 2));
      return { path, config: loadConfig({ file: path, env }) };
    },
    async stop() {
      await emulator.close();
      await redis.stop();
    },
  };
}
