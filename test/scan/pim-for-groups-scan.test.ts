import { describe, expect, it } from 'vitest';
import type { TenantFixture } from '../../src/emulator/fixture-schema.js';
import { demoFixture, demoNow } from '../support/demo-fixture.js';
import { scanFixture } from '../support/scan-harness.js';

/**
 * A PIM for Groups tier planted into the demo tenant, scanned end to end (emulator over HTTPS, the real
 * Graph client): "Tier 0 Admins" is eligible for Global Administrator and Privileged Role Administrator,
 * and people are eligible members of it.
 */
const PIM = 'identityGovernance/privilegedAccess/group';
const ROLES = 'roleManagement/directory';
const GA = '62e90394-69f5-4237-9190-012177145e10';
const PRA = 'e8611ab8-c189-46e8-94e1-60213ab1f814';
const GROUP = '7a1f0c3e-9b2d-4e8f-a6c5-3d4b2a1f0e9d';
const DAY = 86_400_000;

const PEOPLE = {
  idle: 'b1e0c2d3-0000-4000-8000-00000000a001', // eligible a year, never activates
  runner: 'b1e0c2d3-0000-4000-8000-00000000a002', // activates back to back
  stale: 'b1e0c2d3-0000-4000-8000-00000000a003', // has not signed in for 90 days
  recent: 'b1e0c2d3-0000-4000-8000-00000000a004', // near miss: eligible for five days
  owner: 'b1e0c2d3-0000-4000-8000-00000000a005', // owns the group: holds nothing
  steady: 'b1e0c2d3-0000-4000-8000-00000000a006', // near miss: activated twice, weeks apart
};

function withTier0(fixture: TenantFixture, now: Date): TenantFixture {
  const iso = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
  const r = fixture.resources;
  const user = (name: keyof typeof PEOPLE, lastSignIn: string) => ({
    id: PEOPLE[name],
    displayName: `Tier0 ${name}`,
    userPrincipalName: `t0-${name}@harbourlinefreight.onmicrosoft.com`,
    accountEnabled: true,
    signInActivity: { lastSignInDateTime: lastSignIn },
  });
  r.users = [
    ...(r.users ?? []),
    ...(['idle', 'runner', 'recent', 'owner', 'steady'] as const).map((n) => user(n, iso(DAY))),
    user('stale', iso(90 * DAY)),
  ];
  r.groups = [...(r.groups ?? []), { id: GROUP, displayName: 'Tier 0 Admins', isAssignableToRole: true }];
  r[`${ROLES}/roleEligibilityScheduleInstances`] = [
    ...(r[`${ROLES}/roleEligibilityScheduleInstances`] ?? []),
    ...[GA, PRA].map((role) => ({
      id: `tier0-${role}`,
      principalId: GROUP,
      roleDefinitionId: role,
      directoryScopeId: '/',
      memberType: 'Direct',
      startDateTime: iso(400 * DAY),
      endDateTime: null,
    })),
  ];
  const membership = (name: keyof typeof PEOPLE, daysAgo: number, accessId = 'member') => ({
    id: `tier0-${name}-${accessId}`,
    groupId: GROUP,
    principalId: PEOPLE[name],
    accessId,
    memberType: 'direct',
    startDateTime: iso(daysAgo * DAY),
    endDateTime: null,
  });
  r[`${PIM}/eligibilityScheduleInstances`] = [
    membership('idle', 365),
    membership('runner', 365),
    membership('stale', 365),
    membership('recent', 5),
    membership('steady', 365),
    membership('owner', 365, 'owner'),
  ];
  r[`${PIM}/assignmentScheduleInstances`] = [];
  const activation = (name: keyof typeof PEOPLE, startMsAgo: number, i: number) => ({
    id: `tier0-${name}-activation-${i}`,
    action: 'selfActivate',
    status: 'Provisioned',
    accessId: 'member',
    groupId: GROUP,
    principalId: PEOPLE[name],
    createdDateTime: iso(startMsAgo),
    scheduleInfo: { startDateTime: iso(startMsAgo), expiration: { type: 'afterDuration', duration: 'PT1H' } },
  });
  r[`${PIM}/assignmentScheduleRequests`] = [
    activation('runner', 5 * DAY, 1),
    activation('runner', 5 * DAY - 3_600_000, 2),
    activation('runner', 5 * DAY - 7_200_000, 3),
    activation('steady', 20 * DAY, 1),
    activation('steady', 10 * DAY, 2),
  ];
  return fixture;
}

const tierIds = new Set(Object.values(PEOPLE));

async function tierIncidents(activationHistory: 'scheduleRequests' | 'auditLog') {
  const now = await demoNow();
  const result = await scanFixture(withTier0(await demoFixture(), now), { now, activationHistory });
  expect(result.report.complete).toBe(true);
  const nameOf = new Map(Object.entries(PEOPLE).map(([name, id]) => [id, name]));
  // TooManyGlobalAdmins incidents name no role (design section 3: one per holder).
  const roleName = (id: string | undefined) => (id === GA ? 'GA' : id === PRA ? 'PRA' : (id ?? '-'));
  return result.report.incidents
    .filter((i) => i.assigneeId && tierIds.has(i.assigneeId))
    .map((i) => `${i.alert.replace(/Alert$/, '')} ${nameOf.get(i.assigneeId!)} ${roleName(i.roleTemplateId)}`)
    .sort();
}

const EXPECTED = [
  'RedundantAssignment idle GA',
  'RedundantAssignment idle PRA',
  'RedundantAssignment stale GA',
  'RedundantAssignment stale PRA',
  'SequentialActivationRenewals runner GA',
  'SequentialActivationRenewals runner PRA',
  'StaleSignIn stale GA',
  'StaleSignIn stale PRA',
  'TooManyGlobalAdminsAssignedToTenant idle -',
  'TooManyGlobalAdminsAssignedToTenant recent -',
  'TooManyGlobalAdminsAssignedToTenant runner -',
  'TooManyGlobalAdminsAssignedToTenant stale -',
  'TooManyGlobalAdminsAssignedToTenant steady -',
];

describe('a PIM for Groups tier in the demo tenant (emulator, real Graph client)', () => {
  it('reports its planted incidents, and none for the near misses or the owner', async () => {
    expect(await tierIncidents('scheduleRequests')).toEqual(EXPECTED);
  }, 60_000);

  it('finds the same from PIM audit records as from the schedule requests', async () => {
    expect(await tierIncidents('auditLog')).toEqual(EXPECTED);
  }, 60_000);
});
