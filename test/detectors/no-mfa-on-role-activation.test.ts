import { describe, expect, it } from 'vitest';
import type { DetectorsConfigInput } from '../../src/detectors/config-schema.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import {
  type Expected,
  incidentNamed,
  incidentsOf,
  runAlert,
  summarize,
} from '../support/detector-harness.js';
import { NOW, roleId, tenant, uid } from '../support/snapshot-factory.js';

const ALERT = 'NoMfaOnRoleActivationAlert';

interface Case {
  name: string;
  snapshot: TenantSnapshot;
  config: DetectorsConfigInput;
  now: Date;
  expected: Expected;
}

const authContext = (isEnabled: boolean, claimValue: string | null) => ({
  endUserAssignmentEnabledRules: ['Justification'],
  authenticationContext: { isEnabled, claimValue },
});

const cases: Case[] = [
  {
    name: 'quiet when every role demands MFA (the default tenant)',
    snapshot: tenant().build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'fires for a privileged role without MFA, even with no holders',
    snapshot: tenant().withoutMfa('globalAdmin').build(),
    config: {},
    now: NOW,
    expected: ['@ globalAdmin'],
  },
  {
    name: 'fires once per role, for every role in scope',
    snapshot: tenant()
      .withoutMfa('globalAdmin')
      .withoutMfa('userAdmin')
      .policy('privilegedRoleAdmin', { endUserAssignmentEnabledRules: [] })
      .build(),
    config: {},
    now: NOW,
    expected: ['@ globalAdmin', '@ privilegedRoleAdmin', '@ userAdmin'],
  },
  {
    name: 'quiet for a non-privileged role nobody is eligible for',
    snapshot: tenant().withoutMfa('reportsReader').user('alice').assigned('alice', 'reportsReader').build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'fires for a non-privileged role with a direct eligible holder',
    snapshot: tenant().withoutMfa('reportsReader').user('alice').eligible('alice', 'reportsReader').build(),
    config: {},
    now: NOW,
    expected: ['@ reportsReader'],
  },
  {
    name: 'a non-privileged role is in scope when eligible through a nested group with a cycle',
    snapshot: tenant()
      .withoutMfa('reportsReader')
      .user('alice')
      .group('outer')
      .group('inner')
      .members('outer', ['inner'])
      .members('inner', ['alice', 'outer'])
      .eligible('outer', 'reportsReader')
      .build(),
    config: {},
    now: NOW,
    expected: ['@ reportsReader'],
  },
  {
    name: 'an eligibility held only by an excluded principal does not bring a role into scope',
    snapshot: tenant()
      .withoutMfa('reportsReader')
      .user('breakglass')
      .eligible('breakglass', 'reportsReader')
      .build(),
    config: { exclusions: [{ principalId: uid('breakglass'), reason: 'break-glass' }] },
    now: NOW,
    expected: [],
  },
  {
    name: 'an enabled authentication context counts as MFA by default',
    snapshot: tenant().policy('globalAdmin', authContext(true, 'c1')).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'an authentication context does not count when acceptAuthenticationContext is off',
    snapshot: tenant().policy('globalAdmin', authContext(true, 'c1')).build(),
    config: { [ALERT]: { acceptAuthenticationContext: false } },
    now: NOW,
    expected: ['@ globalAdmin'],
  },
  {
    name: 'an authentication context rule without a claim value does not count',
    snapshot: tenant().policy('globalAdmin', authContext(true, null)).build(),
    config: {},
    now: NOW,
    expected: ['@ globalAdmin'],
  },
  {
    name: 'a disabled authentication context rule does not count',
    snapshot: tenant().policy('globalAdmin', authContext(false, 'c1')).build(),
    config: {},
    now: NOW,
    expected: ['@ globalAdmin'],
  },
  {
    name: 'an absent Enablement_EndUser_Assignment rule means no MFA',
    snapshot: tenant()
      .policy('userAdmin', { endUserAssignmentEnabledRules: null, authenticationContext: null })
      .build(),
    config: {},
    now: NOW,
    expected: ['@ userAdmin'],
  },
  {
    name: 'a role without a policy assignment is not an incident',
    snapshot: tenant().noPolicy('globalAdmin').build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: "the configured privileged roles replace Graph's isPrivileged set",
    snapshot: tenant().withoutMfa('globalAdmin').withoutMfa('reportsReader').build(),
    config: { privilegedRoles: [roleId('reportsReader')] },
    now: NOW,
    expected: ['@ reportsReader'],
  },
  {
    name: "Graph's isPrivileged flag decides the default scope",
    snapshot: tenant().withoutMfa('messageCenterReader').privileged('messageCenterReader').build(),
    config: {},
    now: NOW,
    expected: ['@ messageCenterReader'],
  },
  {
    name: 'a tenant never onboarded to PIM still has its privileged roles judged',
    snapshot: tenant()
      .notOnboarded()
      .withoutMfa('globalAdmin')
      .user('alice')
      .roleAssignment('alice', 'globalAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: ['@ globalAdmin'],
  },
];

describe(ALERT, () => {
  it.each(cases)('$name', ({ snapshot, config, now, expected }) => {
    expect(summarize(ALERT, runAlert(ALERT, snapshot, config, now))).toEqual(expected);
  });

  it('lists a role in scope without a policy as an unknown item', () => {
    const outcome = runAlert(ALERT, tenant().noPolicy('globalAdmin').build());
    if (outcome.status !== 'ok') throw new Error(outcome.status);
    expect(outcome.unknownItems).toEqual([
      {
        subject: `Global Administrator (${roleId('globalAdmin')})`,
        cause: 'no PIM policy is assigned to this role at scope /',
      },
    ]);
  });

  it('carries the role fields and the policy as evidence', () => {
    const snapshot = tenant().withoutMfa('userAdmin').build();
    const incident = incidentNamed(runAlert(ALERT, snapshot), '@ userAdmin');
    expect(incident).toMatchObject({
      severity: 'medium',
      roleTemplateId: roleId('userAdmin'),
      roleDisplayName: 'User Administrator',
    });
    expect(incident.assigneeId).toBeUndefined();
    expect(incident.evidence).toEqual([
      {
        kind: 'policy',
        id: snapshot.policies.get(roleId('userAdmin'))!.policyId,
        detail: 'activation requires: Justification; no authentication context',
      },
    ]);
  });

  it('keeps the fingerprint when the policy changes but still lacks MFA, and tells roles apart', () => {
    const before = incidentsOf(
      runAlert(ALERT, tenant().withoutMfa('globalAdmin').withoutMfa('userAdmin').build()),
    );
    const after = incidentsOf(
      runAlert(
        ALERT,
        tenant()
          .policy('globalAdmin', { endUserAssignmentEnabledRules: ['Ticketing'] })
          .build(),
      ),
    );
    expect(after[0]!.fingerprint).toBe(
      before.find((i) => i.roleTemplateId === roleId('globalAdmin'))!.fingerprint,
    );
    expect(new Set(before.map((i) => i.fingerprint)).size).toBe(2);
  });
});
