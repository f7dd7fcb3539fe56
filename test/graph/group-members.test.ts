import { afterAll, describe, expect, it } from 'vitest';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { readGroupMembersTransitively } from '../../src/graph/readers/group-members.js';
import { directoryObjectSchema, principalFrom } from '../../src/graph/readers/shared.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';

const TENANT_ID = '7d1c3b61-8f0e-4d43-9a51-0c9b4c2f7a10';
const GROUP = 'a0000000-0000-4000-8000-000000000001';
const USER = 'b0000000-0000-4000-8000-000000000001';
const BARE_USER = 'b0000000-0000-4000-8000-000000000002';
const SP = 'c0000000-0000-4000-8000-000000000001';

/** Members listed the way Graph may answer a `$select`: without `@odata.type`. */
const fixture: TenantFixture = {
  tenantId: TENANT_ID,
  resources: {
    users: [
      { id: USER, displayName: 'Uma User', userPrincipalName: 'uma@contoso.example', accountEnabled: true },
      {
        id: BARE_USER,
        displayName: 'Bea Bare',
        userPrincipalName: 'bea@contoso.example',
        accountEnabled: true,
      },
    ],
    servicePrincipals: [{ id: SP, displayName: 'Deployer', appId: 'd0000000-0000-4000-8000-000000000001' }],
    groups: [{ id: GROUP, displayName: 'Tier 0', isAssignableToRole: true }],
    [`groups/${GROUP}/members`]: [
      { id: USER, displayName: 'Uma User', userPrincipalName: 'uma@contoso.example', accountEnabled: true },
      { id: SP, displayName: 'Deployer', appId: 'd0000000-0000-4000-8000-000000000001' },
      { id: BARE_USER },
    ],
  },
  faults: { 'groups/*/members': { omitODataType: true } },
};

let tenant: EmulatedTenant | undefined;
afterAll(async () => {
  await tenant?.close();
});

describe('group member typing without @odata.type', () => {
  it.each([
    { name: 'declared type wins', raw: { '@odata.type': '#microsoft.graph.group', id: 'x' }, type: 'group' },
    {
      name: 'a userPrincipalName means a user',
      raw: { id: 'x', userPrincipalName: 'a@b.example' },
      type: 'user',
    },
    {
      name: 'an isAssignableToRole flag means a group',
      raw: { id: 'x', isAssignableToRole: false },
      type: 'group',
    },
    { name: 'an appId means a service principal', raw: { id: 'x', appId: 'app' }, type: 'servicePrincipal' },
    { name: 'nothing to go on stays unknown', raw: { id: 'x', displayName: 'X' }, type: 'unknown' },
  ])('$name', ({ raw, type }) => {
    expect(principalFrom(directoryObjectSchema.parse(raw)).type).toBe(type);
  });

  it('types members from their properties, and looks up the ones with none', async () => {
    tenant = await startEmulatedTenant(fixture);
    const session = tenant.openSession();
    try {
      const outcome = await readGroupMembersTransitively(session.http, [GROUP]);
      expect(outcome.status).toBe('ok');
      expect(outcome.members.get(GROUP)).toEqual([USER, SP, BARE_USER]);
      const types = Object.fromEntries(outcome.principals.map((p) => [p.id, p.type]));
      expect(types).toEqual({ [USER]: 'user', [SP]: 'servicePrincipal', [BARE_USER]: 'user' });
      // One members page, then one users look-up for the member nothing typed.
      expect(session.http.countsByTag.get('groupMembers')).toBe(1);
      expect(session.http.countsByTag.get('principalLookup')).toBe(1);
    } finally {
      await session.close();
    }
  });
});
