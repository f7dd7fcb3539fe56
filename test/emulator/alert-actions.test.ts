import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/emulator/server.js';
import {
  ALERTS_ROOT,
  enc,
  fixture,
  GA,
  ids,
  type Json,
  SCOPE,
  startTestEmulator,
  type TestEmulator,
  values,
} from './helpers.js';

const T = 'tenant';
const alertId = (suffix: string) => `DirectoryRole_${T}_${suffix}`;
const STALE = alertId('StaleSignInAlert');
const GA_ALERT = alertId('TooManyGlobalAdminsAssignedToTenantAlert');
const NO_MFA = alertId('NoMfaOnRoleActivationAlert');
const LICENSE = alertId('InvalidLicenseAlert');
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const NEVER = '0001-01-01T08:00:00Z';

function alert(id: string, incidents: Json[]): Json {
  return {
    id,
    alertDefinitionId: id,
    scopeId: '/',
    scopeType: 'DirectoryRole',
    incidentCount: incidents.length,
    isActive: incidents.length > 0,
    lastModifiedDateTime: NEVER,
    lastScannedDateTime: '2024-01-01T00:00:00Z',
    alertIncidents: incidents,
  };
}

function tenant() {
  return fixture({
    'roleManagement/directory/roleDefinitions': [
      { id: GA, templateId: GA, displayName: 'Global Administrator' },
      { id: USER_ADMIN, templateId: USER_ADMIN, displayName: 'User Administrator' },
    ],
    'roleManagement/directory/roleAssignmentScheduleInstances': [
      { id: 'as-u1-ua', principalId: 'u1', roleDefinitionId: USER_ADMIN, assignmentType: 'Assigned' },
      { id: 'as-u2-ga', principalId: 'u2', roleDefinitionId: GA, assignmentType: 'Assigned' },
      { id: 'as-u3-ga', principalId: 'u3', roleDefinitionId: GA, assignmentType: 'Assigned' },
    ],
    'roleManagement/directory/roleEligibilityScheduleInstances': [
      { id: 'el-u1-ua', principalId: 'u1', roleDefinitionId: USER_ADMIN },
      { id: 'el-u1-ga', principalId: 'u1', roleDefinitionId: GA },
      { id: 'el-u2-ga', principalId: 'u2', roleDefinitionId: GA },
    ],
    'roleManagement/directory/roleAssignments': [
      { id: 'ra-u1-ua', principalId: 'u1', roleDefinitionId: USER_ADMIN },
      { id: 'ra-u2-ga', principalId: 'u2', roleDefinitionId: GA },
    ],
    'policies/roleManagementPolicyAssignments': [
      {
        id: 'pa-ua',
        scopeId: '/',
        scopeType: 'DirectoryRole',
        roleDefinitionId: USER_ADMIN,
        policyId: 'pol-ua',
        policy: {
          id: 'pol-ua',
          rules: [
            {
              '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
              id: 'Enablement_EndUser_Assignment',
              enabledRules: ['Justification'],
            },
          ],
        },
      },
    ],
    [`${ALERTS_ROOT}/alerts`]: [
      alert(STALE, [
        {
          '@odata.type': '#microsoft.graph.staleSignInAlertIncident',
          id: 'stale-1',
          assigneeId: 'u1',
          roleDefinitionId: USER_ADMIN,
          roleTemplateId: USER_ADMIN,
        },
        {
          '@odata.type': '#microsoft.graph.staleSignInAlertIncident',
          id: 'stale-2',
          assigneeId: 'u9',
          roleDefinitionId: USER_ADMIN,
          roleTemplateId: USER_ADMIN,
        },
      ]),
      alert(GA_ALERT, [
        {
          '@odata.type': '#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertIncident',
          id: 'u2',
          assigneeId: 'u2',
        },
      ]),
      alert(NO_MFA, [
        {
          '@odata.type': '#microsoft.graph.noMfaOnRoleActivationAlertIncident',
          id: 'mfa-1',
          roleTemplateId: USER_ADMIN,
          roleDisplayName: 'User Administrator',
        },
      ]),
      alert(LICENSE, [
        {
          '@odata.type': '#microsoft.graph.invalidLicenseAlertIncident',
          id: 'lic-1',
          tenantLicenseStatus: 'Expired',
        },
      ]),
    ],
    [`${ALERTS_ROOT}/alertDefinitions`]: [
      { id: STALE, isRemediatable: true },
      { id: GA_ALERT, isRemediatable: true },
      { id: NO_MFA, isRemediatable: true },
      { id: LICENSE, isRemediatable: false },
    ],
    [`${ALERTS_ROOT}/alertConfigurations`]: [
      {
        '@odata.type': '#microsoft.graph.staleSignInAlertConfiguration',
        id: STALE,
        alertDefinitionId: STALE,
        isEnabled: true,
        duration: 'P30D',
      },
    ],
  });
}

describe('PIM alert write endpoints', () => {
  let t: TestEmulator | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const start = async (options: Omit<EmulatorOptions, 'fixture'> = {}) => {
    t = await startTestEmulator(tenant(), options);
    return t;
  };
  const beta = (path: string) => `/beta/${ALERTS_ROOT}/${path}`;
  const getAlert = async (emu: TestEmulator, id: string) =>
    (await emu.get(beta(`alerts/${id}?$expand=alertIncidents`))).json!;
  const list = async (emu: TestEmulator, path: string) => ids(values((await emu.get(`/v1.0/${path}`)).json));

  it('refreshes all alerts: 202 with Location, an operation that runs then succeeds, alerts scanned now', async () => {
    const emu = await start({ operationPollsUntilDone: 3 });
    const before = Date.now();
    const reply = await emu.request('POST', beta('alerts/refresh'), {
      body: { scopeId: '/', scopeType: 'DirectoryRole' },
    });
    expect(reply.status).toBe(202);
    const location = reply.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${emu.emu.baseUrl}/beta/${ALERTS_ROOT}/operations/[0-9a-f-]{36}$`));
    const polls = [];
    for (let i = 0; i < 3; i++) polls.push((await emu.get(location)).json!);
    expect(polls.map((p) => p.status)).toEqual(['running', 'running', 'succeeded']);
    expect(polls[0]!.resourceLocation).toBe('');
    expect(polls[2]!.resourceLocation).toBe(`${emu.emu.baseUrl}/beta/${ALERTS_ROOT}/alerts`);
    const license = await getAlert(emu, LICENSE);
    expect(Date.parse(String(license.lastScannedDateTime))).toBeGreaterThanOrEqual(before - 1000);
    expect(license.isActive).toBe(true);
  });

  it('refuses a refresh without the directory role scope', async () => {
    const emu = await start();
    expect((await emu.request('POST', beta('alerts/refresh'), { body: { scopeId: '/' } })).status).toBe(400);
  });

  it('refreshes one alert with operation id refresh:{alertId}', async () => {
    const emu = await start();
    const reply = await emu.request('POST', beta(`alerts/${STALE}/refresh`));
    expect(reply.status).toBe(202);
    expect(reply.headers.get('location')).toBe(
      `${emu.emu.baseUrl}/beta/${ALERTS_ROOT}/operations/refresh:${STALE}`,
    );
    const first = (await emu.get(reply.headers.get('location')!)).json!;
    const second = (await emu.get(reply.headers.get('location')!)).json!;
    expect([first.status, second.status]).toEqual(['running', 'succeeded']);
    expect(second).toMatchObject({
      id: `refresh:${STALE}`,
      resourceLocation: `${emu.emu.baseUrl}/beta/${ALERTS_ROOT}/alerts/${STALE}`,
    });
    expect((await emu.request('POST', beta('alerts/nope/refresh'))).status).toBe(404);
    expect((await emu.get(beta('operations/unknown'))).status).toBe(404);
  });

  it('remediates a stale sign-in incident: the assignee loses the role, the alert loses the incident', async () => {
    const emu = await start();
    const reply = await emu.request('POST', beta(`alerts/${STALE}/alertIncidents/stale-1/remediate`));
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    expect(await list(emu, 'roleManagement/directory/roleAssignmentScheduleInstances')).toEqual([
      'as-u2-ga',
      'as-u3-ga',
    ]);
    // u1 keeps their Global Administrator eligibility: only the incident's role goes.
    expect(await list(emu, 'roleManagement/directory/roleEligibilityScheduleInstances')).toEqual([
      'el-u1-ga',
      'el-u2-ga',
    ]);
    expect(await list(emu, 'roleManagement/directory/roleAssignments')).toEqual(['ra-u2-ga']);
    const stale = await getAlert(emu, STALE);
    expect(stale.incidentCount).toBe(1);
    expect(ids(stale.alertIncidents as Json[])).toEqual(['stale-2']);
    expect((await emu.request('POST', beta(`alerts/${STALE}/alertIncidents/stale-1/remediate`))).status).toBe(
      404,
    );
  });

  it('remediates too many global admins by removing the assignee from Global Administrator', async () => {
    const emu = await start();
    expect((await emu.request('POST', beta(`alerts/${GA_ALERT}/alertIncidents/u2/remediate`))).status).toBe(
      200,
    );
    expect(await list(emu, 'roleManagement/directory/roleAssignmentScheduleInstances')).toEqual([
      'as-u1-ua',
      'as-u3-ga',
    ]);
    expect(await list(emu, 'roleManagement/directory/roleEligibilityScheduleInstances')).toEqual([
      'el-u1-ua',
      'el-u1-ga',
    ]);
    expect(await list(emu, 'roleManagement/directory/roleAssignments')).toEqual(['ra-u1-ua']);
    expect((await getAlert(emu, GA_ALERT)).incidentCount).toBe(0);
  });

  it('remediates missing MFA on activation by requiring it in the role policy', async () => {
    const emu = await start();
    expect((await emu.request('POST', beta(`alerts/${NO_MFA}/alertIncidents/mfa-1/remediate`))).status).toBe(
      200,
    );
    const filter = `${SCOPE} and roleDefinitionId eq '${USER_ADMIN}'`;
    const reply = await emu.get(
      `/v1.0/policies/roleManagementPolicyAssignments?$filter=${enc(filter)}&$expand=${enc('policy($expand=rules)')}`,
    );
    const rules = (values(reply.json)[0]!.policy as Json).rules as Json[];
    expect(rules.find((r) => r.id === 'Enablement_EndUser_Assignment')?.enabledRules).toEqual([
      'Justification',
      'MultiFactorAuthentication',
    ]);
  });

  it('refuses to remediate an incident whose alert definition is not remediatable', async () => {
    const emu = await start();
    const reply = await emu.request('POST', beta(`alerts/${LICENSE}/alertIncidents/lic-1/remediate`));
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: { code: 'BadRequest' } });
    expect((await getAlert(emu, LICENSE)).incidentCount).toBe(1);
  });

  it('dismisses an alert with PATCH isActive false', async () => {
    const emu = await start();
    const reply = await emu.request('PATCH', beta(`alerts/${STALE}`), { body: { isActive: false } });
    expect(reply.status).toBe(204);
    expect((await getAlert(emu, STALE)).isActive).toBe(false);
    expect((await emu.request('PATCH', beta(`alerts/${STALE}`), { body: { incidentCount: 0 } })).status).toBe(
      400,
    );
  });

  it('updates a configuration only with its own @odata.type', async () => {
    const emu = await start();
    const path = beta(`alertConfigurations/${STALE}`);
    const wrong = await emu.request('PATCH', path, {
      body: { '@odata.type': '#microsoft.graph.redundantAssignmentAlertConfiguration', duration: 'P45D' },
    });
    expect(wrong.status).toBe(400);
    const missing = await emu.request('PATCH', path, { body: { duration: 'P45D' } });
    expect(missing.status).toBe(400);
    const right = await emu.request('PATCH', path, {
      body: {
        '@odata.type': '#microsoft.graph.staleSignInAlertConfiguration',
        isEnabled: 'false',
        duration: 'P45D',
      },
    });
    expect(right.status).toBe(204);
    expect((await emu.get(path)).json).toMatchObject({ duration: 'P45D', isEnabled: false });
  });
});
