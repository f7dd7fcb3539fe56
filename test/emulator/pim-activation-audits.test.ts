import { describe, expect, it } from 'vitest';
import { withPimActivationAudits } from '../../src/emulator/pim-activation-audits.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import {
  PIM_ACTIVATION_COMPLETED,
  pimAuditSchema,
  readPimActivationRecord,
} from '../../src/graph/readers/pim-activation-audits.js';
import { demoFixture } from '../support/demo-fixture.js';
import { scanFixture } from '../support/scan-harness.js';

const TENANT = '11111111-2222-4333-8444-555555555555';
const USER = 'a1b2c3d4-0000-4000-8000-000000000001';
const ROLE = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const AUDITS = 'auditLogs/directoryAudits';
const REQUESTS = 'roleManagement/directory/roleAssignmentScheduleRequests';

function request(id: string, changes: Record<string, unknown> = {}) {
  return {
    id,
    action: 'selfActivate',
    status: 'Provisioned',
    principalId: USER,
    roleDefinitionId: ROLE,
    createdDateTime: '2026-06-10T07:59:56Z',
    justification: 'Password resets',
    scheduleInfo: {
      startDateTime: '2026-06-10T08:00:00Z',
      expiration: { type: 'afterDuration', duration: 'PT8H' },
    },
    ...changes,
  };
}

function resources(extra: TenantFixture['resources'] = {}): TenantFixture['resources'] {
  return {
    organization: [{ id: TENANT, displayName: 'Contoso' }],
    users: [{ id: USER, displayName: 'Alice', userPrincipalName: 'alice@contoso.example' }],
    'roleManagement/directory/roleDefinitions': [
      { id: ROLE, templateId: ROLE, displayName: 'User Administrator', isBuiltIn: true },
    ],
    [REQUESTS]: [
      request('r-ok'),
      request('r-granted', { status: 'Granted' }),
      request('r-denied', { status: 'Denied' }),
      request('r-admin', { action: 'adminAssign' }),
      request('r-extend', { action: 'selfExtend' }),
    ],
    ...extra,
  };
}

describe('the emulator writes PIM audit records for activation requests', () => {
  it('writes one per successful self-activation, in the shape the audit reader reads', () => {
    const input = resources();
    const served = withPimActivationAudits(TENANT, input);
    const written = served[AUDITS] ?? [];
    expect(written.map((r) => r.correlationId)).toEqual(['r-ok', 'r-granted']);
    expect(written[0]).toMatchObject({
      category: 'RoleManagement',
      result: 'success',
      loggedByService: 'PIM',
      activityDisplayName: PIM_ACTIVATION_COMPLETED,
      activityDateTime: '2026-06-10T08:00:00.000Z',
      initiatedBy: { user: { id: USER, userPrincipalName: 'alice@contoso.example' } },
    });
    const reading = readPimActivationRecord(pimAuditSchema.parse(written[0]));
    expect(reading).toEqual({
      kind: 'activation',
      activation: {
        recordId: written[0]!.id,
        principalId: USER,
        target: { kind: 'role', roleDefinitionId: ROLE },
        startDateTime: '2026-06-10T08:00:00.000Z',
        endDateTime: '2026-06-10T16:00:00.000Z',
        requestId: 'r-ok',
      },
    });
    // The caller's fixture is left as it was.
    expect(input[AUDITS]).toBeUndefined();
  });

  it('keeps the directory records already listed and adds its own after them', () => {
    const core = {
      id: 'core-1',
      activityDisplayName: 'Add member to role',
      activityDateTime: '2026-06-10T08:00:01Z',
    };
    const served = withPimActivationAudits(TENANT, resources({ [AUDITS]: [core] }));
    expect(served[AUDITS]?.[0]).toBe(core);
    expect(served[AUDITS]).toHaveLength(3);
  });

  it('serves a fixture that lists activation records itself as it is', () => {
    const own = {
      id: 'own-1',
      activityDisplayName: PIM_ACTIVATION_COMPLETED,
      activityDateTime: '2026-06-10T08:00:00Z',
    };
    const input = resources({ [AUDITS]: [own] });
    expect(withPimActivationAudits(TENANT, input)).toBe(input);
  });

  it('a listed activation record PIM could not have written fails the audit source, naming the record', async () => {
    const fixture = await demoFixture();
    const now = new Date(fixture.referenceTime!);
    const broken = {
      id: 'PIM_broken_record',
      category: 'RoleManagement',
      result: 'success',
      activityDisplayName: PIM_ACTIVATION_COMPLETED,
      activityDateTime: new Date(now.getTime() - 86_400_000).toISOString(),
      loggedByService: 'PIM',
      initiatedBy: { user: { id: USER } },
      targetResources: [{ id: ROLE, type: 'Role' }],
      additionalDetails: [{ key: 'StartTime', value: new Date(now.getTime() - 86_400_000).toISOString() }],
    };
    fixture.resources[AUDITS] = [...(fixture.resources[AUDITS] ?? []), broken];
    const { report } = await scanFixture(fixture, { now, activationHistory: 'auditLog' });
    expect(report.complete).toBe(false);
    expect(report.sources.pimActivationAudits.status).toBe('failed');
    expect(report.sources.pimActivationAudits.cause).toContain(
      'audit record PIM_broken_record lacks additionalDetails ExpirationTime',
    );
    expect(report.detectors.RedundantAssignmentAlert.status).toBe('unknown');
  });
});
