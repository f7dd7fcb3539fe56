import { describe, expect, it } from 'vitest';
import {
  documentedEnumValues,
  FIXTURE_RULES,
  type FixtureRule,
  FixtureTenant,
  fixtureViolations,
  grantReferencesExist,
  incidentReferencesExist,
  memberReferencesExist,
  noGroupInRoleAssignableGroup,
  onlyRoleAssignableGroupsHoldRoles,
  pimGroupReferencesExist,
} from '../../src/emulator/fixture-rules.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { TENANT_ID } from './helpers.js';

const GA = '62e90394-69f5-4237-9190-012177145e10';
const ROLES = 'roleManagement/directory';
const ALERTS = 'identityGovernance/roleManagementAlerts/alerts';
const PIM_GROUPS = 'identityGovernance/privilegedAccess/group';

/** A small tenant that keeps every rule: a user, a role-assignable group holding GA, a plain group. */
function tenant(
  extra: Record<string, Record<string, unknown>[]> = {},
  deleted?: TenantFixture['deletedObjects'],
): TenantFixture {
  return {
    tenantId: TENANT_ID,
    resources: {
      users: [{ id: 'alice', displayName: 'Alice' }],
      groups: [
        { id: 'tier0', displayName: 'Tier 0', isAssignableToRole: true },
        { id: 'staff', displayName: 'Staff', isAssignableToRole: false },
      ],
      servicePrincipals: [{ id: 'deployer', displayName: 'Deployer' }],
      [`${ROLES}/roleDefinitions`]: [{ id: GA, templateId: GA, displayName: 'Global Administrator' }],
      'groups/tier0/members': [{ '@odata.type': '#microsoft.graph.user', id: 'alice' }],
      [`${ROLES}/roleEligibilityScheduleInstances`]: [
        { id: 'e1', principalId: 'tier0', roleDefinitionId: GA, memberType: 'Direct' },
      ],
      ...extra,
    },
    ...(deleted ? { deletedObjects: deleted } : {}),
  };
}

/** The tenant with one instance, one request and one audit record carrying the given enum values. */
function enumTenant(v: Record<'memberType' | 'assignmentType' | 'action' | 'status' | 'result', string>) {
  const grant = { principalId: 'alice', roleDefinitionId: GA };
  return tenant({
    [`${ROLES}/roleAssignmentScheduleInstances`]: [
      { id: 'a1', ...grant, memberType: v.memberType, assignmentType: v.assignmentType },
    ],
    [`${ROLES}/roleAssignmentScheduleRequests`]: [{ id: 'r1', ...grant, action: v.action, status: v.status }],
    'identityGovernance/privilegedAccess/group/assignmentScheduleInstances': [
      { id: 'p1', memberType: v.memberType.toLowerCase() === 'group' ? 'group' : 7 },
    ],
    'auditLogs/directoryAudits': [{ id: 'd1', result: v.result }],
  });
}

interface Case {
  name: string;
  rule: FixtureRule;
  fixture: TenantFixture;
  /** `path` of each violation expected, in order; empty when the rule holds. */
  expected: string[];
}

const cases: Case[] = [
  // noGroupInRoleAssignableGroup
  {
    name: 'a user in a role-assignable group is fine',
    rule: noGroupInRoleAssignableGroup,
    fixture: tenant(),
    expected: [],
  },
  {
    name: 'a group inside a role-assignable group is refused',
    rule: noGroupInRoleAssignableGroup,
    fixture: tenant({ 'groups/tier0/members': [{ id: 'alice' }, { id: 'staff' }] }),
    expected: ['resources.groups/tier0/members[1]'],
  },
  {
    name: "a member typed as a group by Graph's @odata.type is refused even when the fixture lacks it",
    rule: noGroupInRoleAssignableGroup,
    fixture: tenant({ 'groups/tier0/members': [{ '@odata.type': '#microsoft.graph.group', id: 'gone' }] }),
    expected: ['resources.groups/tier0/members[0]'],
  },
  {
    name: 'a group inside a plain group is allowed',
    rule: noGroupInRoleAssignableGroup,
    fixture: tenant({ 'groups/staff/members': [{ id: 'tier0' }] }),
    expected: [],
  },
  // onlyRoleAssignableGroupsHoldRoles
  {
    name: 'a role-assignable group holds a role',
    rule: onlyRoleAssignableGroupsHoldRoles,
    fixture: tenant(),
    expected: [],
  },
  {
    name: 'a plain group cannot hold a role (any grant collection)',
    rule: onlyRoleAssignableGroupsHoldRoles,
    fixture: tenant({
      [`${ROLES}/roleAssignments`]: [{ id: 'a1', principalId: 'staff', roleDefinitionId: GA }],
      [`${ROLES}/roleAssignmentScheduleInstances`]: [
        { id: 'a1', principalId: 'STAFF', roleDefinitionId: GA },
      ],
    }),
    expected: [
      `resources.${ROLES}/roleAssignments[0].principalId`,
      `resources.${ROLES}/roleAssignmentScheduleInstances[0].principalId`,
    ],
  },
  {
    name: 'users and service principals hold roles',
    rule: onlyRoleAssignableGroupsHoldRoles,
    fixture: tenant({
      [`${ROLES}/roleAssignments`]: [
        { id: 'a1', principalId: 'alice', roleDefinitionId: GA },
        { id: 'a2', principalId: 'deployer', roleDefinitionId: GA },
      ],
    }),
    expected: [],
  },
  // documentedEnumValues
  {
    name: 'documented values pass, in any case',
    rule: documentedEnumValues,
    fixture: enumTenant({
      memberType: 'group',
      assignmentType: 'ACTIVATED',
      action: 'selfExtend',
      status: 'provisioned',
      result: 'Success',
    }),
    expected: [],
  },
  {
    name: 'undocumented memberType, assignmentType, action, status and result are refused',
    rule: documentedEnumValues,
    fixture: enumTenant({
      memberType: 'Nested',
      assignmentType: 'Eligible',
      action: 'selfActivated',
      status: 'Done',
      result: 'ok',
    }),
    expected: [
      `resources.${ROLES}/roleAssignmentScheduleInstances[0].memberType`,
      `resources.${ROLES}/roleAssignmentScheduleInstances[0].assignmentType`,
      `resources.${ROLES}/roleAssignmentScheduleRequests[0].action`,
      `resources.${ROLES}/roleAssignmentScheduleRequests[0].status`,
      'resources.identityGovernance/privilegedAccess/group/assignmentScheduleInstances[0].memberType',
      'resources.auditLogs/directoryAudits[0].result',
    ],
  },
  {
    name: 'an absent or null value is not a violation',
    rule: documentedEnumValues,
    fixture: tenant({
      [`${ROLES}/roleAssignmentScheduleInstances`]: [{ id: 'a1', memberType: null }],
    }),
    expected: [],
  },
  // grantReferencesExist
  {
    name: 'grants name existing principals and roles',
    rule: grantReferencesExist,
    fixture: tenant(),
    expected: [],
  },
  {
    name: 'a grant to a missing principal or role is refused',
    rule: grantReferencesExist,
    fixture: tenant({
      [`${ROLES}/roleAssignments`]: [{ id: 'a1', principalId: 'ghost', roleDefinitionId: 'no-such-role' }],
    }),
    expected: [
      `resources.${ROLES}/roleAssignments[0].principalId`,
      `resources.${ROLES}/roleAssignments[0].roleDefinitionId`,
    ],
  },
  {
    name: 'a grant to a principal marked deleted is allowed',
    rule: grantReferencesExist,
    fixture: tenant(
      { [`${ROLES}/roleAssignments`]: [{ id: 'a1', principalId: 'Ghost', roleDefinitionId: GA }] },
      [{ id: 'ghost', type: 'user' }],
    ),
    expected: [],
  },
  // memberReferencesExist
  {
    name: 'member lists name existing groups and principals',
    rule: memberReferencesExist,
    fixture: tenant(),
    expected: [],
  },
  {
    name: 'a member list of a missing group, or naming a missing member, is refused',
    rule: memberReferencesExist,
    fixture: tenant({
      'groups/nogroup/members': [{ id: 'alice' }],
      'groups/staff/members': [{ id: 'ghost' }],
    }),
    expected: ['resources.groups/nogroup/members', 'resources.groups/staff/members[0].id'],
  },
  {
    name: 'a member marked deleted is allowed',
    rule: memberReferencesExist,
    fixture: tenant({ 'groups/staff/members': [{ id: 'ghost' }] }, [{ id: 'ghost' }]),
    expected: [],
  },
  // pimGroupReferencesExist
  {
    name: 'PIM for Groups schedules naming an existing group and principal are fine',
    rule: pimGroupReferencesExist,
    fixture: tenant({
      [`${PIM_GROUPS}/eligibilityScheduleInstances`]: [
        { id: 'pe1', groupId: 'TIER0', principalId: 'alice', accessId: 'member' },
      ],
    }),
    expected: [],
  },
  {
    name: 'a PIM for Groups schedule naming a missing group or principal is refused',
    rule: pimGroupReferencesExist,
    fixture: tenant({
      [`${PIM_GROUPS}/assignmentScheduleInstances`]: [
        { id: 'pa1', groupId: 'nogroup', principalId: 'alice', accessId: 'member' },
        { id: 'pa2', groupId: 'tier0', principalId: 'ghost', accessId: 'member' },
      ],
    }),
    expected: [
      `resources.${PIM_GROUPS}/assignmentScheduleInstances[0].groupId`,
      `resources.${PIM_GROUPS}/assignmentScheduleInstances[1].principalId`,
    ],
  },
  {
    name: 'an accessId other than member or owner is refused',
    rule: documentedEnumValues,
    fixture: tenant({
      [`${PIM_GROUPS}/eligibilityScheduleInstances`]: [
        { id: 'pe1', groupId: 'tier0', principalId: 'alice', accessId: 'Member' },
        { id: 'pe2', groupId: 'tier0', principalId: 'alice', accessId: 'admin' },
      ],
    }),
    expected: [`resources.${PIM_GROUPS}/eligibilityScheduleInstances[1].accessId`],
  },
  // incidentReferencesExist
  {
    name: 'incidents naming existing principals are fine',
    rule: incidentReferencesExist,
    fixture: tenant({ [ALERTS]: [{ id: 'x', alertIncidents: [{ assigneeId: 'ALICE' }] }] }),
    expected: [],
  },
  {
    name: 'an incident naming a missing assignee is refused; a deleted one or a tenant-wide incident is fine',
    rule: incidentReferencesExist,
    fixture: tenant(
      {
        [ALERTS]: [
          {
            id: 'x',
            alertIncidents: [{ assigneeId: 'alice' }, { assigneeId: 'ghost' }, { assigneeId: 'gone' }],
          },
          { id: 'y', alertIncidents: [{ tenantLicenseStatus: 'Expired' }] },
        ],
      },
      [{ id: 'gone', displayName: 'Gone Admin', deletedDateTime: '2026-10-29T05:00:00Z' }],
    ),
    expected: [`resources.${ALERTS}[0].alertIncidents[1].assigneeId`],
  },
];

describe('fixture rules', () => {
  it.each(cases)('$rule.name: $name', ({ rule, fixture, expected }) => {
    const violations = [...rule.check(new FixtureTenant(fixture))];
    expect(violations.map((v) => v.path)).toEqual(expected);
    for (const v of violations) expect(v.rule).toBe(rule.name);
  });

  it('every rule is registered once and has a case that passes and one that fails', () => {
    const names = FIXTURE_RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of FIXTURE_RULES) {
      const own = cases.filter((c) => c.rule === rule);
      expect(
        own.some((c) => c.expected.length === 0),
        rule.name,
      ).toBe(true);
      expect(
        own.some((c) => c.expected.length > 0),
        rule.name,
      ).toBe(true);
    }
  });

  it('names the group and its role-assignable parent in the message', () => {
    const [violation] = fixtureViolations(tenant({ 'groups/tier0/members': [{ id: 'staff' }] }));
    expect(violation?.message).toBe(
      "group 'Staff' (staff) is a member of role-assignable group 'Tier 0' (tier0); Entra forbids groups inside role-assignable groups",
    );
  });

  it('collects the violations of every rule, not only the first', () => {
    const violations = fixtureViolations(
      tenant({
        'groups/tier0/members': [{ id: 'staff' }],
        [`${ROLES}/roleAssignments`]: [
          { id: 'a1', principalId: 'staff', roleDefinitionId: GA, memberType: 'x' },
        ],
        'auditLogs/directoryAudits': [{ id: 'd1', result: 'maybe' }],
      }),
    );
    expect(violations.map((v) => v.rule)).toEqual([
      'noGroupInRoleAssignableGroup',
      'onlyRoleAssignableGroupsHoldRoles',
      'documentedEnumValues',
    ]);
  });
});
