import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALERTS_ROOT,
  enc,
  fixture,
  GA,
  type Json,
  SCOPE,
  startTestEmulator,
  type TestEmulator,
  values,
} from './helpers.js';

const ALERT = 'DirectoryRole_t_StaleSignInAlert';
const POLICY_ID = 'DirectoryRole_t_policy-ga';

describe('$select, $expand and routes', () => {
  let t: TestEmulator;

  beforeAll(async () => {
    t = await startTestEmulator(
      fixture({
        users: [
          {
            id: 'u1',
            displayName: 'Ada',
            userPrincipalName: 'ada@contoso.example',
            signInActivity: { lastSignInDateTime: '2024-01-01T00:00:00Z' },
          },
        ],
        groups: [{ id: 'g1', displayName: 'Tier0', isAssignableToRole: true }],
        servicePrincipals: [{ id: 'sp1', displayName: 'Automation', appId: 'app-1' }],
        'groups/g1/members': [{ id: 'u1', displayName: 'Ada' }],
        'roleManagement/directory/roleDefinitions': [
          { id: GA, templateId: GA, displayName: 'Global Administrator', isPrivileged: true },
          { id: 'custom-def', templateId: 'custom-template', displayName: 'Custom' },
        ],
        'roleManagement/directory/roleEligibilityScheduleInstances': [
          { id: 'e1', principalId: 'u1', roleDefinitionId: GA, directoryScopeId: '/' },
          { id: 'e2', principalId: 'g1', roleDefinitionId: 'custom-template', directoryScopeId: '/' },
          { id: 'e3', principalId: 'sp1', roleDefinitionId: GA, directoryScopeId: '/' },
          { id: 'e4', principalId: 'gone', roleDefinitionId: GA, directoryScopeId: '/' },
          // The fixture inlines a principal: it must still be hidden unless expanded.
          {
            id: 'e5',
            principalId: 'u1',
            roleDefinitionId: GA,
            principal: { '@odata.type': '#microsoft.graph.user', id: 'u1', displayName: 'Inline Ada' },
          },
        ],
        'policies/roleManagementPolicyAssignments': [
          {
            id: 'pa1',
            policyId: POLICY_ID,
            scopeId: '/',
            scopeType: 'DirectoryRole',
            roleDefinitionId: GA,
            policy: {
              id: POLICY_ID,
              displayName: 'DirectoryRole',
              rules: [
                { '@odata.type': '#x.enablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: [] },
              ],
            },
          },
        ],
        [`${ALERTS_ROOT}/alerts`]: [
          {
            id: ALERT,
            alertDefinitionId: ALERT,
            scopeId: '/',
            scopeType: 'DirectoryRole',
            incidentCount: 1,
            isActive: true,
            alertIncidents: [
              { '@odata.type': '#microsoft.graph.staleSignInAlertIncident', id: 'i1', assigneeId: 'u1' },
            ],
          },
        ],
        [`${ALERTS_ROOT}/alertDefinitions`]: [{ id: ALERT, displayName: 'Stale', isRemediatable: true }],
        [`${ALERTS_ROOT}/alertConfigurations`]: [
          {
            '@odata.type': '#microsoft.graph.staleSignInAlertConfiguration',
            id: ALERT,
            alertDefinitionId: ALERT,
            isEnabled: true,
            duration: 'P30D',
          },
        ],
      }),
    );
  });
  afterAll(() => t.close());

  const eligibility = '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances';

  it('returns only the selected properties plus id', async () => {
    const reply = await t.get('/v1.0/users?$select=displayName');
    expect(values(reply.json)).toEqual([{ id: 'u1', displayName: 'Ada' }]);
    expect(reply.json!['@odata.context']).toBe(`${t.emu.baseUrl}/v1.0/$metadata#users(displayName)`);
  });

  it('returns signInActivity only when selected', async () => {
    const plain = values((await t.get('/v1.0/users')).json)[0]!;
    expect(plain.signInActivity).toBeUndefined();
    expect(plain.userPrincipalName).toBe('ada@contoso.example');
    const selected = values((await t.get('/v1.0/users?$select=id,signInActivity')).json)[0]!;
    expect(selected).toEqual({ id: 'u1', signInActivity: { lastSignInDateTime: '2024-01-01T00:00:00Z' } });
  });

  it('keeps @odata.type on polymorphic items under $select and infers it when the fixture omits it', async () => {
    const members = values((await t.get('/v1.0/groups/g1/members?$select=id')).json);
    expect(members).toEqual([{ '@odata.type': '#microsoft.graph.user', id: 'u1' }]);
  });

  it('strips navigations that were not expanded, even when the fixture inlines them', async () => {
    const items = values((await t.get(eligibility)).json);
    expect(items.find((i) => i.id === 'e5')).not.toHaveProperty('principal');
    expect(items.every((i) => !('roleDefinition' in i))).toBe(true);
  });

  it('resolves principal by id across users, groups and service principals, with nested $select', async () => {
    const reply = await t.get(`${eligibility}?$expand=${enc('principal($select=id,displayName)')}`);
    const byId = new Map(values(reply.json).map((i) => [i.id, i.principal as Json | null]));
    expect(byId.get('e1')).toEqual({ '@odata.type': '#microsoft.graph.user', id: 'u1', displayName: 'Ada' });
    expect(byId.get('e2')).toEqual({
      '@odata.type': '#microsoft.graph.group',
      id: 'g1',
      displayName: 'Tier0',
    });
    expect(byId.get('e3')).toEqual({
      '@odata.type': '#microsoft.graph.servicePrincipal',
      id: 'sp1',
      displayName: 'Automation',
    });
    expect(byId.get('e4')).toBeNull();
    // An inline navigation wins over resolution.
    expect(byId.get('e5')).toMatchObject({ displayName: 'Inline Ada' });
    expect(reply.json!['@odata.context']).toBe(
      `${t.emu.baseUrl}/v1.0/$metadata#roleManagement/directory/roleEligibilityScheduleInstances(principal(id,displayName))`,
    );
  });

  it('resolves roleDefinition by id or by template id', async () => {
    const items = values((await t.get(`${eligibility}?$expand=roleDefinition&$select=id`)).json);
    const byId = new Map(items.map((i) => [i.id, i.roleDefinition as Json]));
    expect(byId.get('e1')).toMatchObject({ id: GA, displayName: 'Global Administrator' });
    expect(byId.get('e2')).toMatchObject({ id: 'custom-def', templateId: 'custom-template' });
    expect(Object.keys(items[0]!).sort()).toEqual(['id', 'roleDefinition']);
  });

  it('expands policy without rules unless rules are expanded too', async () => {
    const path = `/v1.0/policies/roleManagementPolicyAssignments?$filter=${enc(SCOPE)}`;
    const plain = values((await t.get(path)).json)[0]!;
    expect(plain).not.toHaveProperty('policy');
    const policyOnly = values((await t.get(`${path}&$expand=policy`)).json)[0]!;
    expect(policyOnly.policy).toEqual({ id: POLICY_ID, displayName: 'DirectoryRole' });
    const withRules = await t.get(`${path}&$expand=${enc('policy($expand=rules)')}`);
    const policy = values(withRules.json)[0]!.policy as Json;
    expect(policy.rules).toEqual([
      { '@odata.type': '#x.enablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: [] },
    ]);
    expect(String(withRules.json!['@odata.context'])).toMatch(
      /roleManagementPolicyAssignments\(policy\(rules\(\)\)\)$/,
    );
  });

  it('expands everything on an alert with $expand=*, resolving definition and configuration by id', async () => {
    const reply = await t.get(`/beta/${ALERTS_ROOT}/alerts/${ALERT}?$expand=*`);
    expect(reply.status).toBe(200);
    const alert = reply.json!;
    expect(alert.alertDefinition).toMatchObject({ id: ALERT, isRemediatable: true });
    expect(alert.alertConfiguration).toMatchObject({
      '@odata.type': '#microsoft.graph.staleSignInAlertConfiguration',
      duration: 'P30D',
    });
    expect(alert.alertIncidents).toEqual([
      { '@odata.type': '#microsoft.graph.staleSignInAlertIncident', id: 'i1', assigneeId: 'u1' },
    ]);
    expect(String(alert['@odata.context'])).toMatch(
      /alerts\(alertDefinition\(\),alertConfiguration\(\),alertIncidents\(\)\)\/\$entity$/,
    );
    const plain = await t.get(`/beta/${ALERTS_ROOT}/alerts/${ALERT}`);
    expect(plain.json).not.toHaveProperty('alertIncidents');
  });

  it('refuses to expand a property that is not a navigation', async () => {
    const reply = await t.get('/v1.0/users?$expand=signInActivity');
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: { code: 'BadRequest' } });
  });

  it('gets one object by id, by user principal name, and 404s an unknown one', async () => {
    expect((await t.get('/v1.0/users/u1?$select=displayName')).json).toEqual({
      '@odata.context': `${t.emu.baseUrl}/v1.0/$metadata#users(displayName)/$entity`,
      id: 'u1',
      displayName: 'Ada',
    });
    expect((await t.get('/v1.0/users/ada@contoso.example')).json).toMatchObject({ id: 'u1' });
    const missing = await t.get('/v1.0/users/nobody');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({
      error: {
        code: 'Request_ResourceNotFound',
        innerError: {
          'request-id': expect.any(String),
          'client-request-id': expect.any(String),
          date: expect.any(String),
        },
      },
    });
  });

  it('serves an absent collection as empty but a missing group as 404', async () => {
    const audits = await t.get('/v1.0/auditLogs/directoryAudits');
    expect(audits.status).toBe(200);
    expect(values(audits.json)).toEqual([]);
    expect((await t.get('/v1.0/groups/nope/members')).status).toBe(404);
  });

  it('answers unknown paths and v1.0 alert paths with Graph segment errors', async () => {
    const unknown = await t.get('/v1.0/roleManagement/directory/nonsense');
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({
      error: { message: "Resource not found for the segment 'nonsense'." },
    });
    const v1 = await t.get(`/v1.0/${ALERTS_ROOT}/alerts?$filter=${enc(SCOPE)}`);
    expect(v1.status).toBe(400);
    expect(v1.json).toMatchObject({
      error: { message: "Resource not found for the segment 'roleManagementAlerts'." },
    });
    expect((await t.get(`/beta/${ALERTS_ROOT}/alerts?$filter=${enc(SCOPE)}`)).status).toBe(200);
  });

  it('serves the same fixture under beta', async () => {
    const reply = await t.get('/beta/users?$select=displayName');
    expect(reply.json!['@odata.context']).toBe(`${t.emu.baseUrl}/beta/$metadata#users(displayName)`);
    expect(values(reply.json)).toHaveLength(1);
  });

  it('refuses query options it does not support and list options on an item', async () => {
    expect((await t.get('/v1.0/users?$orderby=displayName')).status).toBe(400);
    expect((await t.get('/v1.0/users/u1?$top=5')).status).toBe(400);
    expect((await t.request('DELETE', '/v1.0/users/u1')).status).toBe(405);
  });
});
