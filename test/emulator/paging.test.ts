import { Client, PageIterator } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_PAGE_LIMITS, pageLimitsFor, pagesNeeded } from '../../src/emulator/graph-limits.js';
import {
  ALERTS_ROOT,
  enc,
  fixture,
  ids,
  type Json,
  makeUsers,
  SCOPE,
  startTestEmulator,
  type TestEmulator,
  values,
} from './helpers.js';

const ALERT_ID = `DirectoryRole_x_TooManyGlobalAdminsAssignedToTenantAlert`;

describe('paging', () => {
  let t: TestEmulator;
  const users = makeUsers(1200);
  const assignments = Array.from({ length: 250 }, (_, i) => ({
    id: `ra-${i}`,
    principalId: users[i]!.id,
    roleDefinitionId: 'role-1',
    directoryScopeId: '/',
  }));
  const incidents = Array.from({ length: 120 }, (_, i) => ({
    '@odata.type': '#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertIncident',
    id: `inc-${i}`,
    assigneeId: `inc-${i}`,
  }));

  beforeAll(async () => {
    t = await startTestEmulator(
      fixture(
        {
          users,
          'roleManagement/directory/roleAssignments': assignments,
          'roleManagement/directory/roleDefinitions': Array.from({ length: 150 }, (_, i) => ({
            id: `def-${i}`,
          })),
          'groups/g1/members': users
            .slice(0, 5)
            .map((u) => ({ '@odata.type': '#microsoft.graph.user', id: u.id })),
          groups: [{ id: 'g1' }],
          [`${ALERTS_ROOT}/alerts`]: [
            { id: ALERT_ID, scopeId: '/', scopeType: 'DirectoryRole', alertIncidents: incidents },
          ],
        },
        { pageSizes: { 'groups/*/members': 2 } },
      ),
    );
  });
  afterAll(() => t.close());

  it('returns every user exactly once across pages of the default size', async () => {
    const pages = await t.getAllPages('/v1.0/users');
    expect(pages.map((p) => values(p).length)).toEqual([...Array(12).fill(100)]);
    const all = pages.flatMap(values);
    expect(new Set(ids(all)).size).toBe(1200);
    expect(ids(all)).toEqual(ids(users));
  });

  it('puts an absolute https nextLink after value that keeps the query options', async () => {
    const reply = await t.get(
      `/v1.0/users?$select=id,displayName&$filter=${enc('accountEnabled eq true')}&$top=50`,
    );
    const body = reply.json!;
    const keys = Object.keys(body);
    expect(keys.indexOf('@odata.nextLink')).toBeGreaterThan(keys.indexOf('value'));
    const next = new URL(String(body['@odata.nextLink']));
    expect(next.protocol).toBe('https:');
    expect(next.origin).toBe(t.emu.baseUrl);
    expect(next.pathname).toBe('/v1.0/users');
    expect(next.searchParams.get('$select')).toBe('id,displayName');
    expect(next.searchParams.get('$filter')).toBe('accountEnabled eq true');
    expect(next.searchParams.get('$top')).toBe('50');
    expect(next.searchParams.get('$skiptoken')).toMatch(/^[\w-]+$/);
    expect(values(body)).toHaveLength(50);
    expect(values(body).every((u) => Object.keys(u).sort().join() === 'displayName,id')).toBe(true);
  });

  it('pages a filtered collection without losing or repeating matches', async () => {
    const pages = await t.getAllPages(`/v1.0/users?$filter=${enc('accountEnabled eq true')}&$top=333`);
    const expected = users.filter((u) => u.accountEnabled).map((u) => u.id);
    expect(pages.flatMap(values).map((u) => u.id)).toEqual(expected);
    expect(pages).toHaveLength(Math.ceil(expected.length / 333));
  });

  it('honours $top up to 999 and refuses more, as Graph does for directory objects', async () => {
    expect(values((await t.get('/v1.0/users?$top=999')).json)).toHaveLength(999);
    const tooMany = await t.get('/v1.0/users?$top=1000');
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toMatchObject({
      error: {
        code: 'Request_UnsupportedQuery',
        message: expect.stringContaining("Invalid page size specified: '1000'"),
      },
    });
  });

  it("caps pages at 120 when signInActivity is selected (Graph's documented maximum)", async () => {
    const reply = await t.get('/v1.0/users?$select=id,signInActivity&$top=999');
    expect(reply.status).toBe(200);
    expect(values(reply.json)).toHaveLength(120);
    expect(reply.json!['@odata.nextLink']).toBeDefined();
  });

  it('ignores $top on role assignments and pages them by 100', async () => {
    const pages = await t.getAllPages('/v1.0/roleManagement/directory/roleAssignments?$top=5');
    expect(pages.map((p) => values(p).length)).toEqual([100, 100, 50]);
    expect(new URL(String(pages[0]!['@odata.nextLink'])).searchParams.get('$top')).toBe('5');
    expect(ids(pages.flatMap(values))).toEqual(ids(assignments));
  });

  it('serves role definitions in one page', async () => {
    const reply = await t.get('/v1.0/roleManagement/directory/roleDefinitions');
    expect(values(reply.json)).toHaveLength(150);
    expect(reply.json!['@odata.nextLink']).toBeUndefined();
  });

  it("applies a fixture's page size override, wildcards included", async () => {
    const pages = await t.getAllPages('/v1.0/groups/g1/members');
    expect(pages.map((p) => values(p).length)).toEqual([2, 2, 1]);
  });

  it('pages alert incidents with $top and $skip (default 50)', async () => {
    const base = `/beta/${ALERTS_ROOT}/alerts/${ALERT_ID}/alertIncidents`;
    const first = await t.get(`${base}?$top=5`);
    expect(values(first.json)).toHaveLength(5);
    const next = new URL(String(first.json!['@odata.nextLink']));
    expect(next.searchParams.get('$skip')).toBe('5');
    expect(next.searchParams.get('$top')).toBe('5');
    const all = await t.getAllPages(base);
    expect(all.map((p) => values(p).length)).toEqual([50, 50, 20]);
    expect(ids(all.flatMap(values))).toEqual(ids(incidents));
    expect(String(all[0]!['@odata.context'])).toContain(`alerts('${ALERT_ID}')/alertIncidents`);
  });

  it('is followed to the end by the real Graph client', async () => {
    const client = Client.initWithMiddleware({
      authProvider: { getAccessToken: async () => t.token },
      baseUrl: t.emu.baseUrl,
      customHosts: new Set([new URL(t.emu.baseUrl).hostname]),
      fetchOptions: { dispatcher: t.trust.dispatcher } as RequestInit,
    });
    const first = (await client.api('/users').select('id').top(300).get()) as Json;
    const seen: string[] = [];
    await new PageIterator(client, first as never, (user: Json) => {
      seen.push(String(user.id));
      return true;
    }).iterate();
    expect(seen).toEqual(ids(users));
  });

  it('rejects an invalid skip token', async () => {
    const reply = await t.get('/v1.0/users?$skiptoken=garbage');
    expect(reply.status).toBe(400);
  });

  it('keeps $filter on alert collections', async () => {
    const reply = await t.get(`/beta/${ALERTS_ROOT}/alerts?$filter=${enc(SCOPE)}`);
    expect(ids(values(reply.json))).toEqual([ALERT_ID]);
  });
});

describe('page limits table', () => {
  it('says how many requests a collection needs at its largest page', () => {
    expect(pagesNeeded('users', 0)).toBe(1);
    expect(pagesNeeded('users', 999)).toBe(1);
    expect(pagesNeeded('users', 1000)).toBe(2);
    expect(pagesNeeded('users', 100_000, { signInActivity: true })).toBe(834);
    expect(pagesNeeded('groups/abc/members', 2000)).toBe(3);
    expect(pagesNeeded('roleManagement/directory/roleEligibilityScheduleInstances', 10_000)).toBe(100);
    expect(pagesNeeded('auditLogs/directoryAudits', 2500)).toBe(3);
    expect(pagesNeeded('roleManagement/directory/roleDefinitions', 500)).toBe(1);
    expect(pagesNeeded(`${ALERTS_ROOT}/alerts/x/alertIncidents`, 101)).toBe(3);
    expect(pagesNeeded('users', 10, { pageSizes: { users: 3 } })).toBe(4);
  });

  it('has a row for every collection a scan reads', () => {
    for (const path of [
      'organization',
      'subscribedSkus',
      'users',
      'groups',
      'groups/{id}/members',
      'servicePrincipals',
      'roleManagement/directory/roleDefinitions',
      'roleManagement/directory/roleAssignments',
      'roleManagement/directory/roleAssignmentScheduleInstances',
      'roleManagement/directory/roleEligibilityScheduleInstances',
      'roleManagement/directory/roleAssignmentScheduleRequests',
      'policies/roleManagementPolicyAssignments',
      'auditLogs/directoryAudits',
      `${ALERTS_ROOT}/alertDefinitions`,
      `${ALERTS_ROOT}/alertConfigurations`,
      `${ALERTS_ROOT}/alerts`,
    ]) {
      expect(GRAPH_PAGE_LIMITS[path], path).toBeDefined();
    }
    expect(pageLimitsFor('users', { signInActivity: true }).maxSize).toBe(120);
    expect(pageLimitsFor('users', { signInActivity: true }).topLimit).toBe(999);
  });
});
