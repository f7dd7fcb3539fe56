import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  directoryBucketSize,
  limitsFor,
  resourceUnitCost,
  Throttle,
  TokenBucket,
} from '../../src/emulator/throttle.js';
import {
  enc,
  fixture,
  type Json,
  makeUsers,
  startTestEmulator,
  TENANT_ID,
  type TestEmulator,
} from './helpers.js';

const q = (query: string) => new URLSearchParams(query);

describe('throttle rules', () => {
  it('prices directory reads in resource units as Graph publishes them', () => {
    expect(resourceUnitCost('users', q(''))).toBe(2);
    expect(resourceUnitCost('users', q('$select=id'))).toBe(1);
    expect(resourceUnitCost('users/{id}', q('$select=id&$expand=manager'))).toBe(2);
    expect(resourceUnitCost('subscribedSkus', q(''))).toBe(3);
    expect(resourceUnitCost('groups/{id}/members', q('$top=999'))).toBe(3);
    expect(resourceUnitCost('groups/{id}/members', q('$top=10&$select=id'))).toBe(1);
    expect(resourceUnitCost('servicePrincipals', q('$select=id&$top=5'))).toBe(1);
    expect(resourceUnitCost('roleManagement/directory/roleAssignments', q('$expand=principal'))).toBe(2);
  });

  it('sizes the directory bucket by tenant size', () => {
    expect(directoryBucketSize(49)).toBe(3500);
    expect(directoryBucketSize(50)).toBe(5000);
    expect(directoryBucketSize(500)).toBe(5000);
    expect(directoryBucketSize(501)).toBe(8000);
  });

  it('puts each request under the right limits', () => {
    expect(
      limitsFor({ method: 'GET', normalisedPath: 'users', query: q('$select=id,signInActivity') }),
    ).toEqual(['signInActivity', 'directory']);
    expect(
      limitsFor({
        method: 'GET',
        normalisedPath: 'users',
        query: q(`$filter=${'signInActivity/lastSignInDateTime le 2024-01-01T00:00:00Z'}`),
      }),
    ).toContain('signInActivity');
    expect(limitsFor({ method: 'GET', normalisedPath: 'auditLogs/directoryAudits', query: q('') })).toEqual([
      'reports',
    ]);
    expect(limitsFor({ method: 'GET', normalisedPath: 'groups', query: q('') })).toEqual(['directory']);
    expect(limitsFor({ method: 'PATCH', normalisedPath: 'x/{id}', query: q('') })).toEqual(['writes']);
    expect(limitsFor({ method: 'POST', normalisedPath: 'users/{id}/sendMail', query: q('') })).toEqual([]);
  });

  it('refills a bucket continuously and says how long until a request fits', () => {
    const bucket = new TokenBucket(10, 10 / 60_000, 0);
    for (let i = 0; i < 10; i++) bucket.take(1, 0);
    expect(bucket.waitMs(1, 0)).toBeCloseTo(6000);
    expect(bucket.waitMs(1, 3000)).toBeCloseTo(3000);
    expect(bucket.waitMs(1, 6000)).toBe(0);
  });

  it('exhausts the directory bucket of a small tenant by resource units', () => {
    let now = 0;
    const throttle = new Throttle({ tenantId: TENANT_ID, userCount: 10, now: () => now });
    const request = { clientId: 'app', method: 'GET', normalisedPath: 'subscribedSkus', query: q('') };
    let served = 0;
    while (throttle.draw(request).ok) served++;
    expect(served).toBe(Math.floor(3500 / 3));
    const refused = throttle.draw(request);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      // 3500 RU per 10 s: 0.35 RU/ms, and 2 RU are missing (1166 * 3 = 3498).
      expect(refused.retryAfterSeconds).toBeCloseTo(0.003, 3);
      expect(refused.headers['x-ms-throttle-information']).toBe('ResourceUnitLimitExceeded');
      expect(refused.headers['x-ms-throttle-scope']).toBe(`Tenant_Application/Read/app/${TENANT_ID}`);
    }
    now += 10_000;
    expect(throttle.draw(request).ok).toBe(true);
    // Another app has its own bucket.
    expect(throttle.draw({ ...request, clientId: 'other' }).ok).toBe(true);
  });

  it('runs the clocks faster with timeScale', () => {
    let now = 0;
    const throttle = new Throttle({ tenantId: TENANT_ID, userCount: 10, timeScale: 60, now: () => now });
    const request = {
      clientId: 'app',
      method: 'GET',
      normalisedPath: 'auditLogs/directoryAudits',
      query: q(''),
    };
    for (let i = 0; i < 5; i++) expect(throttle.draw(request).ok).toBe(true);
    const refused = throttle.draw(request);
    expect(refused.ok).toBe(false);
    // 5 per 10 s is one per 2 s; sixty times faster is one per 33.3 ms.
    if (!refused.ok) expect(refused.retryAfterSeconds).toBeCloseTo(2 / 60, 2);
    now += 34;
    expect(throttle.draw(request).ok).toBe(true);
  });
});

describe('throttling over HTTPS', () => {
  let t: TestEmulator | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const start = (timeScale: number) =>
    startTestEmulator(fixture({ users: makeUsers(20), 'auditLogs/directoryAudits': [] }), {
      throttle: { enabled: true, timeScale },
    });

  it('refuses the 11th sign-in activity read with a fractional Retry-After, and serves it after waiting', async () => {
    // Four times real speed: the sign-in bucket gets a request back every 1.5 s. The burst is sent at
    // once so a slow machine cannot refill the bucket while it is still being emptied.
    t = await start(4);
    const path = `/v1.0/users?$select=${enc('id,signInActivity')}&$filter=${enc("id in ('user-0001')")}`;
    const burst = await Promise.all(Array.from({ length: 11 }, () => t!.get(path)));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(10);
    const refused = burst.find((r) => r.status === 429)!;
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(1.5);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+(\.\d{1,3})?$/);
    expect(refused.headers.get('x-ms-throttle-scope')).toContain(TENANT_ID);
    expect(refused.json).toMatchObject({ error: { code: 'TooManyRequests' } });
    // Plain user reads are not sign-in reads and still pass.
    expect((await t.get('/v1.0/users?$select=id')).status).toBe(200);
    await sleep(retryAfter * 1000);
    expect((await t.get(path)).status).toBe(200);
    expect(t.emu.stats.throttled).toBe(1);
  });

  it('draws inner $batch requests one by one', async () => {
    t = await start(4);
    const requests = Array.from({ length: 12 }, (_, i) => ({
      id: String(i + 1),
      method: 'GET',
      url: `/users?$select=id,signInActivity&$filter=id eq 'user-000${(i % 9) + 1}'`,
    }));
    const reply = await t.request('POST', '/v1.0/$batch', { body: { requests } });
    expect(reply.status).toBe(200);
    const responses = reply.json!.responses as Array<{
      id: string;
      status: number;
      headers: Record<string, string>;
      body: Json;
    }>;
    const byId = new Map(responses.map((r) => [r.id, r]));
    for (let i = 1; i <= 10; i++) expect(byId.get(String(i))?.status).toBe(200);
    for (const id of ['11', '12']) {
      expect(byId.get(id)?.status).toBe(429);
      expect(Number(byId.get(id)?.headers['Retry-After'])).toBeGreaterThan(0);
    }
    expect(t.emu.stats.throttled).toBe(2);
    expect(t.emu.stats.logicalRequests).toBe(12);
  });

  it('limits audit reads to 5 per 10 seconds', async () => {
    t = await start(1);
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await t.get('/v1.0/auditLogs/directoryAudits')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});
