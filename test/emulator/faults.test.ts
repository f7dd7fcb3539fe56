import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture, makeUsers, startTestEmulator, type TestEmulator, values } from './helpers.js';

describe('fault injection', () => {
  let t: TestEmulator;

  beforeAll(async () => {
    t = await startTestEmulator(
      fixture(
        {
          users: makeUsers(10),
          groups: [{ id: 'g1' }, { id: 'g2' }],
          'groups/g1/members': [{ id: 'user-0001' }],
          'groups/g2/members': [{ id: 'user-0002' }],
        },
        // A fault from the fixture itself.
        {
          faults: {
            subscribedSkus: {
              status: 403,
              code: 'Authorization_RequestDenied',
              message: 'Insufficient privileges',
            },
          },
        },
      ),
    );
  });
  afterAll(() => t.close());
  beforeEach(() => {
    for (const path of ['users', 'groups/*/members', 'groups/g2/members', 'servicePrincipals'])
      t.emu.setFault(path, undefined);
  });

  it('answers every request with a fixture fault', async () => {
    for (let i = 0; i < 2; i++) {
      const reply = await t.get('/v1.0/subscribedSkus');
      expect(reply.status).toBe(403);
      expect(reply.json).toMatchObject({
        error: {
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges',
          innerError: { 'request-id': expect.any(String) },
        },
      });
    }
  });

  it('throttles with a fractional Retry-After', async () => {
    t.emu.setFault('users', { status: 429, retryAfter: 0.25 });
    const reply = await t.get('/v1.0/users');
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('0.25');
    expect(reply.json).toMatchObject({ error: { code: 'TooManyRequests' } });
  });

  it('answers 503 with Retry-After', async () => {
    t.emu.setFault('users', { status: 503, retryAfter: 1 });
    const reply = await t.get('/v1.0/users/user-0001');
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(reply.json).toMatchObject({ error: { code: 'ServiceNotAvailable' } });
  });

  it('hits only the nth request', async () => {
    t.emu.setFault('users', { status: 503, nth: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.get('/v1.0/users')).status);
    expect(statuses).toEqual([200, 503, 200, 200]);
  });

  it('hits the first `times` requests, then recovers', async () => {
    t.emu.setFault('users', { status: 429, retryAfter: 0.1, times: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.get('/v1.0/users')).status);
    expect(statuses).toEqual([429, 429, 200, 200]);
  });

  it('applies a groups/*/members wildcard to every group, and an exact path to one', async () => {
    t.emu.setFault('groups/*/members', { status: 403 });
    expect((await t.get('/v1.0/groups/g1/members')).status).toBe(403);
    expect((await t.get('/v1.0/groups/g2/members')).status).toBe(403);
    t.emu.setFault('groups/*/members', undefined);
    t.emu.setFault('groups/g2/members', { status: 500 });
    expect((await t.get('/v1.0/groups/g1/members')).status).toBe(200);
    expect((await t.get('/v1.0/groups/g2/members')).status).toBe(500);
  });

  it('adds latency', async () => {
    t.emu.setFault('users', { latencyMs: 300 });
    const started = performance.now();
    const reply = await t.get('/v1.0/users');
    expect(reply.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('truncates a 200 body in half with a matching Content-Length', async () => {
    t.emu.setFault('users', { truncate: true, nth: 1 });
    const cut = await t.get('/v1.0/users?$select=id');
    const whole = await t.get('/v1.0/users?$select=id');
    expect(cut.status).toBe(200);
    expect(Number(cut.headers.get('content-length'))).toBe(Buffer.byteLength(cut.text));
    expect(() => JSON.parse(cut.text)).toThrow();
    expect(cut.text).toBe(whole.text.slice(0, Math.floor(whole.text.length / 2)));
    expect(values(whole.json)).toHaveLength(10);
  });

  it('applies faults to requests inside $batch', async () => {
    t.emu.setFault('servicePrincipals', { status: 403, code: 'Authorization_RequestDenied' });
    const reply = await t.request('POST', '/v1.0/$batch', {
      body: {
        requests: [
          { id: '1', method: 'GET', url: '/servicePrincipals' },
          { id: '2', method: 'GET', url: '/users/user-0001' },
        ],
      },
    });
    const responses = reply.json!.responses as Array<{ id: string; status: number }>;
    expect(responses.find((r) => r.id === '1')?.status).toBe(403);
    expect(responses.find((r) => r.id === '2')?.status).toBe(200);
  });

  it('counts faulted requests in the stats', async () => {
    t.emu.stats.reset();
    t.emu.setFault('users', { status: 429, retryAfter: 0.1, times: 1 });
    await t.get('/v1.0/users');
    await t.get('/v1.0/users');
    expect(t.emu.stats.byPath.users).toBe(2);
    expect(t.emu.stats.throttled).toBe(1);
  });
});

describe('latency option', () => {
  it('adds latency to every request', async () => {
    const t = await startTestEmulator(fixture({ users: [] }), { latencyMs: 200 });
    try {
      const started = performance.now();
      expect((await t.get('/v1.0/users')).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    } finally {
      await t.close();
    }
  });
});
