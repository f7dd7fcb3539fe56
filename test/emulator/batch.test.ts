import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixture, type Json, makeUsers, startTestEmulator, type TestEmulator } from './helpers.js';

interface InnerResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: Json;
}

describe('$batch', () => {
  let t: TestEmulator;
  const users = makeUsers(30);

  beforeAll(async () => {
    t = await startTestEmulator(
      fixture({ users, groups: [{ id: 'g1' }], 'groups/g1/members': [{ id: 'user-0001' }] }),
    );
  });
  afterAll(() => t.close());
  beforeEach(() => {
    t.emu.stats.reset();
    t.emu.setFault('users/*', undefined);
  });

  const batch = (requests: unknown[], version = 'v1.0') =>
    t.request('POST', `/${version}/$batch`, { body: { requests } });
  const responses = (reply: { json?: Json }) => (reply.json?.responses ?? []) as InnerResponse[];

  it('serves each inner request on its own and counts them one by one', async () => {
    const requests = users
      .slice(0, 20)
      .map((u, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${u.id}?$select=id,displayName` }));
    const reply = await batch(requests);
    expect(reply.status).toBe(200);
    const byId = new Map(responses(reply).map((r) => [r.id, r]));
    expect(byId.size).toBe(20);
    for (const [i, u] of users.slice(0, 20).entries()) {
      expect(byId.get(String(i + 1))).toMatchObject({
        status: 200,
        body: { id: u.id, displayName: u.displayName },
      });
    }
    expect(t.emu.stats.httpRequests).toBe(1);
    expect(t.emu.stats.batches).toBe(1);
    expect(t.emu.stats.logicalRequests).toBe(20);
    expect(t.emu.stats.byRoute['users/{id}']).toBe(20);
    expect(t.emu.stats.byPath['users/user-0001']).toBe(1);
  });

  it('answers in reverse order so clients must match by id', async () => {
    const reply = await batch([
      { id: 'a', method: 'GET', url: '/users/user-0001' },
      { id: 'b', method: 'GET', url: 'users/user-0002' },
      { id: 'c', method: 'GET', url: '/groups/g1/members' },
    ]);
    expect(responses(reply).map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect(t.emu.stats.byRoute['groups/{id}/members']).toBe(1);
  });

  it('refuses 21 requests with 400 and serves none', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users' }));
    const reply = await batch(requests);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({
      error: { code: 'BadRequest', message: expect.stringContaining('20') },
    });
    expect(t.emu.stats.logicalRequests).toBe(0);
  });

  it('returns inner errors in place, with Graph error bodies', async () => {
    const reply = await batch([
      { id: '1', method: 'GET', url: '/users/nobody' },
      { id: '2', method: 'GET', url: '/v1.0/users' },
      { id: '3', method: 'GET', url: '/users?$top=5000' },
      { id: '4', method: 'GET', url: '/users?$top=2' },
    ]);
    const byId = new Map(responses(reply).map((r) => [r.id, r]));
    expect(byId.get('1')).toMatchObject({
      status: 404,
      body: { error: { code: 'Request_ResourceNotFound' } },
    });
    // The version belongs to the batch URL, not to inner URLs.
    expect(byId.get('2')).toMatchObject({
      status: 400,
      body: { error: { message: "Resource not found for the segment 'v1.0'." } },
    });
    expect(byId.get('3')).toMatchObject({
      status: 400,
      body: { error: { code: 'Request_UnsupportedQuery' } },
    });
    expect(byId.get('4')?.status).toBe(200);
    expect(byId.get('4')?.headers?.['Content-Type']).toMatch(/^application\/json/);
  });

  it('passes inner 429s through with Retry-After in the inner headers', async () => {
    t.emu.setFault('users/*', { status: 429, retryAfter: 2.5, nth: 2 });
    const reply = await batch([
      { id: '1', method: 'GET', url: '/users/user-0001' },
      { id: '2', method: 'GET', url: '/users/user-0002' },
      { id: '3', method: 'GET', url: '/users/user-0003' },
    ]);
    const byId = new Map(responses(reply).map((r) => [r.id, r]));
    expect(byId.get('1')?.status).toBe(200);
    expect(byId.get('2')).toMatchObject({
      status: 429,
      headers: { 'Retry-After': '2.5' },
      body: { error: { code: 'TooManyRequests' } },
    });
    expect(byId.get('3')?.status).toBe(200);
    expect(t.emu.stats.throttled).toBe(1);
  });

  it('answers a failed dependency with 424', async () => {
    const reply = await batch([
      { id: '1', method: 'GET', url: '/users/nobody' },
      { id: '2', method: 'GET', url: '/users/user-0001', dependsOn: ['1'] },
    ]);
    expect(responses(reply).find((r) => r.id === '2')?.status).toBe(424);
  });

  it('refuses malformed batches with 400', async () => {
    for (const body of [
      'not json',
      { requests: 'x' },
      { requests: [{ id: '1', url: '/users' }] },
      {
        requests: [
          { id: '1', method: 'GET', url: '/users' },
          { id: '1', method: 'GET', url: '/users' },
        ],
      },
      { requests: [{ id: '1', method: 'POST', url: '/users/user-0001/sendMail', body: {} }] },
    ]) {
      const reply = await t.request('POST', '/v1.0/$batch', { body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.json).toHaveProperty('error.code');
    }
    expect((await t.get('/v1.0/$batch')).status).toBe(405);
  });

  it('can fail as a whole through a fault on $batch', async () => {
    t.emu.setFault('$batch', { status: 503, retryAfter: 1, times: 1 });
    const requests = [{ id: '1', method: 'GET', url: '/users/user-0001' }];
    const failed = await batch(requests);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect(t.emu.stats.logicalRequests).toBe(0);
    expect((await batch(requests)).status).toBe(200);
  });

  it('needs a token like any Graph route', async () => {
    const reply = await t.request('POST', '/v1.0/$batch', {
      token: null,
      body: { requests: [{ id: '1', method: 'GET', url: '/users' }] },
    });
    expect(reply.status).toBe(401);
  });
});
