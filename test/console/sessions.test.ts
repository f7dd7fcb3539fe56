import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { consoleConfigSchema } from '../../src/console/config-schema.js';
import { registerConsole } from '../../src/console/routes.js';
import { csrfMatches, isLoopbackHost, safeReturnPath, sessionCookie } from '../../src/console/security.js';
import { SessionStore } from '../../src/console/sessions.js';
import { createLogger } from '../../src/log.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';

const USER = { id: 'u1', name: 'Ada', username: 'ada@contoso.example' };
const MINUTE = 60_000;

describe('console sessions in Redis', () => {
  let server: RedisServer;
  let redis: Redis;
  let clock = 0;
  let store: SessionStore;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
    store = new SessionStore(
      redis,
      'sessions-test',
      { idleMs: 30 * MINUTE, absoluteMs: 120 * MINUTE },
      () => clock,
    );
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  it('a session lives while used, and ends when idle too long', async () => {
    clock = 1_000_000;
    const id = await store.create(USER);
    clock += 29 * MINUTE;
    expect((await store.touch(id))?.user).toEqual(USER);
    clock += 29 * MINUTE;
    expect(await store.touch(id)).not.toBeNull();
    clock += 30 * MINUTE;
    expect(await store.touch(id)).toBeNull();
  });

  it('ends at the absolute timeout however busy, and on sign-out', async () => {
    clock = 5_000_000;
    const id = await store.create(USER);
    for (let i = 0; i < 4; i += 1) {
      clock += 25 * MINUTE;
      expect(await store.touch(id), `after ${(i + 1) * 25} minutes`).not.toBeNull();
    }
    clock += 25 * MINUTE; // 125 minutes after sign-in (limit 120), never idle
    expect(await store.touch(id)).toBeNull();
    const other = await store.create(USER);
    await store.destroy(other);
    expect(await store.touch(other)).toBeNull();
  });

  it('keeps only a digest of the cookie in Redis, and a pending login can be taken once', async () => {
    const id = await store.create(USER);
    const keys = await redis.keys('sessions-test:console:session:*');
    expect(keys.some((k) => k.includes(id))).toBe(false);
    await store.savePendingLogin('state-1', { codeVerifier: 'v', nonce: 'n', returnTo: '/' });
    expect(await store.takePendingLogin('state-1')).toEqual({ codeVerifier: 'v', nonce: 'n', returnTo: '/' });
    expect(await store.takePendingLogin('state-1')).toBeNull();
  });
});

describe('console protections', () => {
  it('cookies are HttpOnly and SameSite=Lax always, Secure outside loopback', () => {
    expect(sessionCookie('x', true)).toBe('pimwatch_session=x; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(sessionCookie('x', false)).not.toContain('Secure');
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });

  it('CSRF tokens must match exactly; return paths stay on this site', () => {
    expect(csrfMatches('abc', 'abc')).toBe(true);
    expect(csrfMatches('abd', 'abc')).toBe(false);
    expect(csrfMatches(undefined, 'abc')).toBe(false);
    expect(safeReturnPath('/tenants/x?state=new')).toBe('/tenants/x?state=new');
    for (const bad of ['//evil.example/', 'https://evil.example/', '/\\evil.example', undefined]) {
      expect(safeReturnPath(bad)).toBe('/');
    }
  });

  it('Entra sign-in needs exactly one credential and at least one allowed role or group', () => {
    const base = {
      type: 'entra',
      tenantId: '2c022015-e8d8-4e8d-8fc1-ebb03ec91778',
      clientId: 'app',
      redirectUri: 'https://pimwatch.example/auth/callback',
    };
    const problems = (auth: Record<string, unknown>) =>
      consoleConfigSchema.safeParse({ auth }).error?.issues.map((i) => i.message) ?? [];
    expect(problems({ ...base, clientSecret: { env: 'S' }, allowedRoles: ['Console.Operator'] })).toEqual([]);
    expect(problems({ ...base, allowedRoles: ['Console.Operator'] })).toContain(
      'give exactly one of clientSecret or certificatePath',
    );
    expect(problems({ ...base, clientSecret: { env: 'S' } }).join()).toContain(
      'never open to the whole directory',
    );
  });
});

describe('console.auth: none', () => {
  it('is refused unless the API listens on loopback', async () => {
    const config = configSchema.parse({ api: { host: '0.0.0.0' }, console: { auth: 'none' } });
    const deps = { config, logger: createLogger({ level: 'silent' }) } as unknown as Parameters<
      typeof registerConsole
    >[1];
    await expect(registerConsole(Fastify() as never, deps)).rejects.toThrow(
      'console.auth: none is only allowed when api.host is a loopback address (it is 0.0.0.0)',
    );
  });
});
