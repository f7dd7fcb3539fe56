import { describe, expect, it } from 'vitest';
import type { DetectorsConfigInput } from '../../src/detectors/config-schema.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import { type Expected, incidentNamed, runAlert, summarize } from '../support/detector-harness.js';
import { ago, DAY, NOW, plus, roleId, SECOND, tenant, uid } from '../support/snapshot-factory.js';

const ALERT = 'RedundantAssignmentAlert';

interface Case {
  name: string;
  snapshot: TenantSnapshot;
  config: DetectorsConfigInput;
  now: Date;
  expected: Expected;
}

/** Alice, eligible for User Administrator for a year. */
const eligibleAlice = () => tenant().user('alice').eligible('alice', 'userAdmin');

const cases: Case[] = [
  { name: 'quiet in a clean tenant', snapshot: tenant().build(), config: {}, now: NOW, expected: [] },
  {
    name: 'fires for an eligibility never activated',
    snapshot: eligibleAlice().build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'quiet after a recent activation',
    snapshot: eligibleAlice().activation('alice', 'userAdmin', ago('P3D')).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  // The activation window: "older than duration" is strictly before now - duration.
  {
    name: 'an activation exactly `duration` ago is recent enough',
    snapshot: eligibleAlice().activation('alice', 'userAdmin', ago('P30D')).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'an activation one second older than `duration` fires',
    snapshot: eligibleAlice().activation('alice', 'userAdmin', ago('P30D', SECOND)).build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'the duration threshold is configurable (activation 8 days ago, duration P7D)',
    snapshot: eligibleAlice().activation('alice', 'userAdmin', ago('P8D')).build(),
    config: { [ALERT]: { duration: 'P7D' } },
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'duration exactly matching the activation age is quiet (P8D)',
    snapshot: eligibleAlice().activation('alice', 'userAdmin', ago('P8D')).build(),
    config: { [ALERT]: { duration: 'P8D' } },
    now: NOW,
    expected: [],
  },
  {
    name: 'duration one day longer than the activation age is quiet (P9D)',
    snapshot: eligibleAlice().activation('alice', 'userAdmin', ago('P8D')).build(),
    config: { [ALERT]: { duration: 'P9D' } },
    now: NOW,
    expected: [],
  },
  // The eligibility's own age: it must have started at least `duration` ago.
  {
    name: 'an eligibility that started exactly `duration` ago fires',
    snapshot: tenant()
      .user('alice')
      .eligible('alice', 'userAdmin', { start: ago('P30D') })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'an eligibility one second younger than `duration` is quiet',
    snapshot: tenant()
      .user('alice')
      .eligible('alice', 'userAdmin', { start: ago('P30D', -SECOND) })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'an eligibility without a known start counts as old',
    snapshot: tenant().user('alice').eligible('alice', 'userAdmin', { start: null }).build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  // Which requests count as an activation.
  {
    name: 'a denied activation request does not count',
    snapshot: eligibleAlice()
      .activation('alice', 'userAdmin', ago('P1D'), 'PT8H', { status: 'Denied' })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'a Granted activation request counts',
    snapshot: eligibleAlice()
      .activation('alice', 'userAdmin', ago('P1D'), 'PT8H', { status: 'Granted' })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'an admin assignment or self-extension is not a self-activation',
    snapshot: eligibleAlice()
      .request('alice', 'userAdmin', { action: 'adminAssign', start: ago('P1D') })
      .request('alice', 'userAdmin', { action: 'selfExtend', start: ago('P1D') })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'activating another role does not help',
    snapshot: eligibleAlice()
      .eligible('alice', 'globalAdmin')
      .activation('alice', 'globalAdmin', ago('P1D'))
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  // Holding shapes.
  {
    name: 'an active (non-eligible) assignment is not judged',
    snapshot: tenant().user('alice').assigned('alice', 'userAdmin').build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'an eligibility through a group is judged per member',
    snapshot: tenant()
      .user('alice')
      .user('bob')
      .group('helpdesk')
      .members('helpdesk', ['alice', 'bob'])
      .eligible('helpdesk', 'userAdmin')
      .activation('bob', 'userAdmin', ago('P2D'))
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'an eligibility through nested groups with a cycle is judged per member',
    snapshot: tenant()
      .user('alice')
      .group('outer')
      .group('inner')
      .members('outer', ['inner'])
      .members('inner', ['alice', 'outer'])
      .eligible('outer', 'userAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'an eligibility and its live activation are one incident, not two',
    snapshot: eligibleAlice()
      .activated('alice', 'userAdmin', { start: ago('P40D'), end: plus(NOW, DAY) })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'a time-bound eligibility is judged like a permanent one',
    snapshot: tenant()
      .user('alice')
      .eligible('alice', 'userAdmin', { end: plus(NOW, 90 * DAY) })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'a service principal is never judged',
    snapshot: tenant().servicePrincipal('deployer').eligible('deployer', 'userAdmin').build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a tenant never onboarded to PIM has no eligibilities to judge',
    snapshot: tenant().notOnboarded().user('alice').roleAssignment('alice', 'userAdmin').build(),
    config: {},
    now: NOW,
    expected: [],
  },
  // Exclusions and unknown.
  {
    name: 'an excluded user is not reported',
    snapshot: eligibleAlice().user('bob').eligible('bob', 'userAdmin').build(),
    config: { exclusions: [{ principalId: uid('alice'), reason: 'on leave' }] },
    now: NOW,
    expected: ['bob @ userAdmin'],
  },
  {
    name: 'an exclusion for other alerts does not apply',
    snapshot: eligibleAlice().build(),
    config: {
      exclusions: [
        { principalId: uid('alice'), reason: 'x', alerts: ['TooManyGlobalAdminsAssignedToTenantAlert'] },
      ],
    },
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
];

describe(ALERT, () => {
  it.each(cases)('$name', ({ snapshot, config, now, expected }) => {
    expect(summarize(ALERT, runAlert(ALERT, snapshot, config, now))).toEqual(expected);
  });

  it('reports the last activation (or null) and the request as evidence', () => {
    const old = ago('P45D');
    const snapshot = eligibleAlice()
      .activation('alice', 'userAdmin', ago('P90D'))
      .activation('alice', 'userAdmin', old, 'PT8H', { id: 'req-latest' })
      .user('bob')
      .eligible('bob', 'userAdmin')
      .build();
    const outcome = runAlert(ALERT, snapshot);
    const alice = incidentNamed(outcome, 'alice @ userAdmin');
    expect(alice).toMatchObject({
      severity: 'low',
      assigneeId: uid('alice'),
      assigneeUserPrincipalName: 'alice@contoso.example',
      roleTemplateId: roleId('userAdmin'),
      roleDefinitionId: roleId('userAdmin'),
      roleDisplayName: 'User Administrator',
      lastActivationDateTime: old,
    });
    expect(alice.evidence).toContainEqual({
      kind: 'scheduleRequest',
      id: 'req-latest',
      detail: `last activation ${old}`,
    });
    expect(incidentNamed(outcome, 'bob @ userAdmin').lastActivationDateTime).toBeNull();
  });

  it('keeps the fingerprint when the last activation moves, and tells roles apart', () => {
    const at = (when: string) =>
      incidentNamed(
        runAlert(ALERT, eligibleAlice().activation('alice', 'userAdmin', when).build()),
        'alice @ userAdmin',
      );
    expect(at(ago('P40D')).fingerprint).toBe(at(ago('P60D')).fingerprint);
    const both = runAlert(ALERT, eligibleAlice().eligible('alice', 'globalAdmin').build());
    expect(incidentNamed(both, 'alice @ globalAdmin').fingerprint).not.toBe(
      incidentNamed(both, 'alice @ userAdmin').fingerprint,
    );
  });
});
