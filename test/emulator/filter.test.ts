import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphRequestError } from '../../src/emulator/graph-error.js';
import { evaluateFilter, parseFilter } from '../../src/emulator/odata-filter.js';
import {
  ALERTS_ROOT,
  enc,
  fixture,
  ids,
  makeUsers,
  SCOPE,
  startTestEmulator,
  type TestEmulator,
  values,
} from './helpers.js';

function matches(filter: string, item: Record<string, unknown>): boolean {
  return evaluateFilter(parseFilter(filter), item);
}

function parseError(filter: string): GraphRequestError {
  try {
    parseFilter(filter);
  } catch (error) {
    if (error instanceof GraphRequestError) return error;
    throw error;
  }
  throw new Error(`expected '${filter}' to be refused`);
}

describe('$filter parser', () => {
  const audit = {
    activityDisplayName: 'Add member to role',
    activityDateTime: '2024-05-02T10:00:00.1234567Z',
    loggedByService: 'Core Directory',
    initiatedBy: {
      app: { appId: '01fc33a7-78ba-4d2f-a4b7-768e336e890e', displayName: 'MS-PIM' },
      user: null,
    },
    targetResources: [{ id: 'u1', displayName: 'Ada' }, { id: 'role-object' }],
    count: 3,
    isEnabled: false,
  };

  it.each([
    ["activityDisplayName eq 'Add member to role'", true],
    ["activityDisplayName eq 'add member to ROLE'", true],
    ["activityDisplayName ne 'Add member to role'", false],
    ['activityDateTime ge 2024-05-01T00:00:00Z', true],
    ['activityDateTime le 2024-05-01T00:00:00Z', false],
    ['activityDateTime gt 2024-05-02T10:00:00.123Z', true],
    ['activityDateTime lt 2024-05-03T00:00:00+02:00', true],
    ['count ge 3 and count lt 4', true],
    ['count gt 3', false],
    ['isEnabled eq false', true],
    ['isEnabled eq true', false],
    ["initiatedBy/app/appId eq '01fc33a7-78ba-4d2f-a4b7-768e336e890e'", true],
    ['initiatedBy/app/appId eq 01fc33a7-78ba-4d2f-a4b7-768e336e890e', true],
    ['initiatedBy/user/id eq null', true],
    ['initiatedBy/user/id ne null', false],
    ["startswith(activityDisplayName,'Add member')", true],
    ["startswith(activityDisplayName, 'Remove')", false],
    ["loggedByService in ('PIM', 'Core Directory')", true],
    ["loggedByService in ('PIM')", false],
    ["targetResources/any(t:t/id eq 'u1')", true],
    ["targetResources/any(t: t/id eq 'u2')", false],
    ["targetResources/any(x:startswith(x/displayName,'Ad'))", true],
    ["(activityDisplayName eq 'Add member to role') and loggedByService eq 'Core Directory'", true],
    ["missing eq 'x'", false],
    ["missing ne 'x'", true],
  ])('%s -> %s', (filter, expected) => {
    expect(matches(filter, audit)).toBe(expected);
  });

  it('handles quotes inside strings', () => {
    expect(matches("displayName eq 'O''Brien'", { displayName: "O'Brien" })).toBe(true);
  });

  it('allows 15 values in "in" and refuses 16, like Graph', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `'id${i}'`).join(',');
    expect(matches(`id in (${list(15)})`, { id: 'id14' })).toBe(true);
    const error = parseError(`id in (${list(16)})`);
    expect(error.status).toBe(400);
    expect(error.code).toBe('Request_UnsupportedQuery');
    expect(error.message).toContain('Max allowed: 15');
  });

  it.each([
    ["displayName eq 'a' or displayName eq 'b'", "'or'"],
    ["not startswith(displayName,'a')", "'not'"],
    ["endswith(mail,'@contoso.com')", "'endswith'"],
    ["displayName has 'x'", "'has'"],
    ["contains(displayName,'x')", "'contains'"],
  ])('refuses %s naming %s', (filter, named) => {
    const error = parseError(filter);
    expect(error.code).toBe('Request_UnsupportedQuery');
    expect(error.message).toContain(named);
  });

  it('refuses malformed filters with 400', () => {
    for (const filter of ["displayName eq 'unterminated", 'displayName eq', "eq 'x'", '']) {
      expect(parseError(filter).status).toBe(400);
    }
  });
});

describe('$filter over HTTPS', () => {
  let t: TestEmulator;
  const users = makeUsers(120);
  const audits = [
    {
      id: 'a1',
      activityDisplayName: 'Add member to role',
      activityDateTime: '2024-05-02T10:00:00Z',
      loggedByService: 'Core Directory',
      initiatedBy: { app: { appId: '01fc33a7-78ba-4d2f-a4b7-768e336e890e', displayName: 'MS-PIM' } },
      targetResources: [{ id: 'user-0002' }],
    },
    {
      id: 'a2',
      activityDisplayName: 'Add member to role',
      activityDateTime: '2024-04-01T10:00:00Z',
      loggedByService: 'Core Directory',
      initiatedBy: { user: { id: 'admin' }, app: null },
      targetResources: [{ id: 'user-0003' }],
    },
    {
      id: 'a3',
      activityDisplayName: 'Add member to role outside of PIM (permanent)',
      activityDateTime: '2024-05-03T10:00:00Z',
      loggedByService: 'PIM',
      targetResources: [{ id: 'user-0003' }],
    },
  ];

  beforeAll(async () => {
    t = await startTestEmulator(
      fixture({
        users,
        'auditLogs/directoryAudits': audits,
        [`${ALERTS_ROOT}/alerts`]: [
          { id: 'al1', alertDefinitionId: 'al1', scopeId: '/', scopeType: 'DirectoryRole' },
          { id: 'al2', alertDefinitionId: 'al2', scopeId: '/', scopeType: 'DirectoryRole' },
        ],
        [`${ALERTS_ROOT}/alertDefinitions`]: [{ id: 'al1', scopeId: '/', scopeType: 'DirectoryRole' }],
        [`${ALERTS_ROOT}/alertConfigurations`]: [
          { '@odata.type': '#c', id: 'al1', alertDefinitionId: 'al1', isEnabled: true },
          { '@odata.type': '#c', id: 'al2', alertDefinitionId: 'al2', isEnabled: false },
        ],
        'policies/roleManagementPolicyAssignments': [
          { id: 'p1', scopeId: '/', scopeType: 'DirectoryRole', roleDefinitionId: 'r1' },
          { id: 'p2', scopeId: '/', scopeType: 'DirectoryRole', roleDefinitionId: 'r2' },
        ],
      }),
    );
  });
  afterAll(() => t.close());

  it('looks up "id in (...)" through the index, in the order asked, with signInActivity', async () => {
    const wanted = ['user-0100', 'user-0007', 'user-0050', 'no-such-user'];
    const filter = `id in (${wanted.map((id) => `'${id}'`).join(',')})`;
    const reply = await t.get(`/v1.0/users?$filter=${enc(filter)}&$select=id,signInActivity`);
    expect(reply.status).toBe(200);
    expect(ids(values(reply.json))).toEqual(['user-0100', 'user-0007', 'user-0050']);
    expect(values(reply.json)[0]).toHaveProperty('signInActivity');
  });

  it('answers a 16-value "in" with 400 Request_UnsupportedQuery', async () => {
    const filter = `id in (${users
      .slice(0, 16)
      .map((u) => `'${u.id}'`)
      .join(',')})`;
    const reply = await t.get(`/v1.0/users?$filter=${enc(filter)}`);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: { code: 'Request_UnsupportedQuery' } });
  });

  it('filters on signInActivity dates, and refuses mixing signInActivity with other properties', async () => {
    const filter = 'signInActivity/lastSignInDateTime le 2024-03-01T00:00:00Z';
    const reply = await t.get(`/v1.0/users?$filter=${enc(filter)}&$select=id`);
    const expected = users
      .filter((u) => {
        const last = (u.signInActivity as { lastSignInDateTime: string | null }).lastSignInDateTime;
        return last !== null && last <= '2024-03-01T00:00:00Z';
      })
      .map((u) => u.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(values(reply.json))).toEqual(expected);
    const mixed = await t.get(`/v1.0/users?$filter=${enc(`${filter} and accountEnabled eq true`)}`);
    expect(mixed.status).toBe(400);
  });

  it('filters audit records by activity, date, nested initiator and target', async () => {
    const q = async (filter: string) =>
      ids(values((await t.get(`/v1.0/auditLogs/directoryAudits?$filter=${enc(filter)}`)).json));
    expect(
      await q("activityDisplayName eq 'Add member to role' and activityDateTime ge 2024-05-01T00:00:00Z"),
    ).toEqual(['a1']);
    expect(await q("initiatedBy/app/appId eq '01fc33a7-78ba-4d2f-a4b7-768e336e890e'")).toEqual(['a1']);
    expect(await q("startswith(activityDisplayName,'Add member to role outside of PIM')")).toEqual(['a3']);
    expect(await q("targetResources/any(t:t/id eq 'user-0003')")).toEqual(['a2', 'a3']);
    expect(await q("loggedByService ne 'PIM'")).toEqual(['a1', 'a2']);
  });

  it('names the clause it cannot serve', async () => {
    const reply = await t.get(`/v1.0/users?$filter=${enc("displayName eq 'a' or displayName eq 'b'")}`);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({
      error: { code: 'Request_UnsupportedQuery', message: expect.stringContaining("'or'") },
    });
  });

  it.each([`${ALERTS_ROOT}/alerts`, `${ALERTS_ROOT}/alertDefinitions`, `${ALERTS_ROOT}/alertConfigurations`])(
    'refuses %s without the scope filter (beta)',
    async (path) => {
      expect((await t.get(`/beta/${path}`)).status).toBe(400);
      expect((await t.get(`/beta/${path}?$filter=${enc("scopeId eq '/'")}`)).status).toBe(400);
      expect((await t.get(`/beta/${path}?$filter=${enc(SCOPE)}`)).status).toBe(200);
    },
  );

  it('refuses policy assignments without the scope filter and filters them by role', async () => {
    const none = await t.get('/v1.0/policies/roleManagementPolicyAssignments');
    expect(none.status).toBe(400);
    expect(none.json).toMatchObject({
      error: { code: 'BadRequest', message: expect.stringContaining('scopeId') },
    });
    const filter = `${SCOPE} and roleDefinitionId eq 'r2'`;
    const reply = await t.get(`/v1.0/policies/roleManagementPolicyAssignments?$filter=${enc(filter)}`);
    expect(ids(values(reply.json))).toEqual(['p2']);
  });

  it('filters alerts through a navigation the fixture left out (alertConfiguration/isEnabled)', async () => {
    const filter = `${SCOPE} and alertConfiguration/isEnabled eq false`;
    const reply = await t.get(`/beta/${ALERTS_ROOT}/alerts?$filter=${enc(filter)}`);
    expect(ids(values(reply.json))).toEqual(['al2']);
  });
});
