import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedResources } from '../../src/emulator/served-resources.js';
import { enc, fixture, type Json, startTestEmulator, type TestEmulator, values } from './helpers.js';

const USERS = 100_000;

describe('a 100,000-user tenant', () => {
  let t: TestEmulator;
  const users = Array.from({ length: USERS }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    displayName: `User ${i}`,
    userPrincipalName: `user${i}@contoso.example`,
    accountEnabled: i % 7 !== 0,
    signInActivity: { lastSignInDateTime: `2024-05-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z` },
  }));
  let startMs = 0;

  beforeAll(async () => {
    const started = performance.now();
    t = await startTestEmulator(fixture({ users }));
    startMs = performance.now() - started;
  });
  afterAll(() => t.close());

  it('starts in a few seconds at most', () => {
    // Generous for a loaded shared machine; the real guard against copies is the test below.
    expect(startMs).toBeLessThan(8000);
  });

  it('shares read-only collections with the fixture and copies only what writes can change', () => {
    const alerts = [{ id: 'a1', lastScannedDateTime: '2024-01-01T00:00:00Z' }];
    const resources = { users, 'identityGovernance/roleManagementAlerts/alerts': alerts };
    const served = servedResources(fixture(resources), 0);
    expect(served.users).toBe(users);
    expect(served['identityGovernance/roleManagementAlerts/alerts']).not.toBe(alerts);
    expect(served['identityGovernance/roleManagementAlerts/alerts']).toEqual(alerts);
    const shifted = servedResources(fixture(resources), 24 * 60 * 60 * 1000);
    expect(shifted['identityGovernance/roleManagementAlerts/alerts']![0]!.lastScannedDateTime).toBe(
      '2024-01-02T00:00:00Z',
    );
  });

  it('answers "id in" from the index', async () => {
    const wanted = [99_999, 0, 54_321, 12_345].map((i) => users[i]!.id);
    const filter = `id in (${wanted.map((id) => `'${id}'`).join(',')})`;
    const started = performance.now();
    const reply = await t.get(`/v1.0/users?$filter=${enc(filter)}&$select=id,signInActivity`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(values(reply.json).map((u) => u.id)).toEqual(wanted);
  });

  it('pages through every user exactly once at the largest page size', async () => {
    let next: string | undefined = '/v1.0/users?$select=id&$top=999';
    let pages = 0;
    let count = 0;
    let lastId = '';
    let ordered = true;
    while (next) {
      const reply = await t.get(next);
      const page: Json[] = values(reply.json);
      pages++;
      count += page.length;
      for (const user of page) {
        ordered &&= String(user.id) > lastId;
        lastId = String(user.id);
      }
      next = reply.json!['@odata.nextLink'] as string | undefined;
    }
    expect(pages).toBe(Math.ceil(USERS / 999));
    expect(count).toBe(USERS);
    expect(ordered).toBe(true);
    expect(t.emu.stats.byPath.users).toBeGreaterThanOrEqual(pages);
  });
});
