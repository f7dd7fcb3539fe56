import { describe, expect, it } from 'vitest';
import type { DetectorsConfigInput } from '../../src/detectors/config-schema.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import { type Expected, incidentNamed, runAlert, summarize } from '../support/detector-harness.js';
import { ago, DAY, NOW, plus, roleId, SECOND, tenant, uid } from '../support/snapshot-factory.js';

const ALERT = 'StaleSignInAlert';

interface Case {
  name: string;
  snapshot: TenantSnapshot;
  config: DetectorsConfigInput;
  now: Date;
  expected: Expected;
}

/** Alice has held Global Administrator for a year and last signed in `lastSignIn`. */
const staleAlice = (lastSignIn: string | null = ago('P40D')) =>
  tenant().user('alice', { lastSignIn }).assigned('alice', 'globalAdmin');

const cases: Case[] = [
  { name: 'quiet in a clean tenant', snapshot: tenant().build(), config: {}, now: NOW, expected: [] },
  {
    name: 'fires for a privileged user who last signed in 40 days ago',
    snapshot: staleAlice().build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'fires for a privileged user who never signed in',
    snapshot: staleAlice(null).build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'quiet for a privileged user who signs in',
    snapshot: staleAlice(ago('P2D')).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  // The sign-in window: "older than duration" is strictly before now - duration.
  {
    name: 'a sign-in exactly `duration` ago is recent enough',
    snapshot: staleAlice(ago('P30D')).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a sign-in one second older than `duration` fires',
    snapshot: staleAlice(ago('P30D', SECOND)).build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'a configured duration one day shorter than the gap fires (P7D)',
    snapshot: staleAlice(ago('P8D')).build(),
    config: { [ALERT]: { duration: 'P7D' } },
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'a configured duration equal to the gap is quiet (P8D)',
    snapshot: staleAlice(ago('P8D')).build(),
    config: { [ALERT]: { duration: 'P8D' } },
    now: NOW,
    expected: [],
  },
  {
    name: 'a configured duration one day longer than the gap is quiet (P9D)',
    snapshot: staleAlice(ago('P8D')).build(),
    config: { [ALERT]: { duration: 'P9D' } },
    now: NOW,
    expected: [],
  },
  {
    name: 'the latest of interactive, non-interactive and successful sign-ins counts',
    snapshot: staleAlice()
      .signIn('alice', {
        lastSignInDateTime: ago('P90D'),
        lastNonInteractiveSignInDateTime: ago('P1D'),
        lastSuccessfulSignInDateTime: ago('P80D'),
      })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a recent successful sign-in alone counts',
    snapshot: staleAlice()
      .signIn('alice', { lastSuccessfulSignInDateTime: ago('P1D') })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  // The holding's age: new holders get `duration` to sign in.
  {
    name: 'a holding one second younger than `duration` is quiet',
    snapshot: tenant()
      .user('alice', { lastSignIn: null })
      .assigned('alice', 'globalAdmin', { start: ago('P30D', -SECOND) })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a holding exactly `duration` old fires',
    snapshot: tenant()
      .user('alice', { lastSignIn: null })
      .assigned('alice', 'globalAdmin', { start: ago('P30D') })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'a holding without a known start counts as old',
    snapshot: tenant()
      .user('alice', { lastSignIn: null })
      .assigned('alice', 'globalAdmin', { start: null })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'an old eligibility makes a fresh activation an old holding',
    snapshot: tenant()
      .user('alice', { lastSignIn: ago('P60D') })
      .eligible('alice', 'globalAdmin', { start: ago('P200D') })
      .activated('alice', 'globalAdmin', { start: ago('PT1H') })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  // Which roles.
  {
    name: 'a non-privileged role is not judged',
    snapshot: tenant().user('alice', { lastSignIn: null }).assigned('alice', 'reportsReader').build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: "the configured privileged roles replace Graph's set",
    snapshot: tenant()
      .user('alice', { lastSignIn: null })
      .assigned('alice', 'reportsReader')
      .assigned('alice', 'globalAdmin')
      .build(),
    config: { privilegedRoles: [roleId('reportsReader')] },
    now: NOW,
    expected: ['alice @ reportsReader'],
  },
  {
    name: 'one incident per privileged role held',
    snapshot: staleAlice().eligible('alice', 'userAdmin').assigned('alice', 'reportsReader').build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin', 'alice @ userAdmin'],
  },
  // Holding shapes.
  {
    name: 'an eligible holder is judged',
    snapshot: tenant().user('alice', { lastSignIn: null }).eligible('alice', 'privilegedRoleAdmin').build(),
    config: {},
    now: NOW,
    expected: ['alice @ privilegedRoleAdmin'],
  },
  {
    name: 'an eligibility and its activation are one incident',
    snapshot: tenant()
      .user('alice', { lastSignIn: ago('P60D') })
      .eligible('alice', 'userAdmin')
      .activated('alice', 'userAdmin', { start: ago('P40D'), end: plus(NOW, DAY) })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin'],
  },
  {
    name: 'members of a group holding a privileged role are judged; the group is not',
    snapshot: tenant()
      .user('alice', { lastSignIn: null })
      .user('bob')
      .group('tier0')
      .members('tier0', ['alice', 'bob'])
      .assigned('tier0', 'globalAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'members of nested groups with a cycle are judged',
    snapshot: tenant()
      .user('alice', { lastSignIn: null })
      .group('outer')
      .group('inner')
      .members('outer', ['inner'])
      .members('inner', ['alice', 'outer'])
      .eligible('outer', 'globalAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'a time-bound assignment is judged',
    snapshot: tenant()
      .user('alice', { lastSignIn: null })
      .assigned('alice', 'globalAdmin', { end: plus(NOW, 10 * DAY) })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'a service principal is not judged',
    snapshot: tenant().servicePrincipal('deployer').assigned('deployer', 'globalAdmin').build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a tenant never onboarded to PIM is judged on its roleAssignments',
    snapshot: tenant()
      .notOnboarded()
      .user('alice', { lastSignIn: ago('P100D') })
      .roleAssignment('alice', 'globalAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  // Exclusions: not by default for this alert.
  {
    name: 'an exclusion without alerts does not cover stale sign-in',
    snapshot: staleAlice().build(),
    config: { exclusions: [{ principalId: uid('alice'), reason: 'break-glass' }] },
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'an exclusion naming this alert applies',
    snapshot: staleAlice().build(),
    config: {
      exclusions: [
        { principalId: uid('alice'), reason: 'break-glass, checked monthly by hand', alerts: [ALERT] },
      ],
    },
    now: NOW,
    expected: [],
  },
  // Not read for one holder (the source itself failing is in every-detector.test.ts).
  {
    name: 'a holder whose sign-in activity was not read is not an incident',
    snapshot: staleAlice().signInNotRead('alice').build(),
    config: {},
    now: NOW,
    expected: [],
  },
];

describe(ALERT, () => {
  it.each(cases)('$name', ({ snapshot, config, now, expected }) => {
    expect(summarize(ALERT, runAlert(ALERT, snapshot, config, now))).toEqual(expected);
  });

  it('reports the holding start and the last sign-in', () => {
    const snapshot = tenant()
      .user('alice', { lastSignIn: ago('P45D') })
      .eligible('alice', 'userAdmin', { start: ago('P100D'), id: 'e1' })
      .build();
    const incident = incidentNamed(runAlert(ALERT, snapshot), 'alice @ userAdmin');
    expect(incident).toMatchObject({
      severity: 'medium',
      assigneeUserPrincipalName: 'alice@contoso.example',
      roleTemplateId: roleId('userAdmin'),
      roleDisplayName: 'User Administrator',
      assignmentCreatedDateTime: ago('P100D'),
      lastSignInDateTime: ago('P45D'),
    });
    expect(incident.evidence).toEqual([
      { kind: 'grant', id: 'e1', detail: 'eligible' },
      { kind: 'signInActivity', id: uid('alice'), detail: `last sign-in ${ago('P45D')}` },
    ]);
  });

  it('lists holders whose sign-in activity was not read as unknown items', () => {
    const outcome = runAlert(
      ALERT,
      staleAlice().eligible('alice', 'userAdmin').signInNotRead('alice').build(),
    );
    if (outcome.status !== 'ok') throw new Error(outcome.status);
    expect(outcome.unknownItems).toEqual([
      { subject: 'user alice@contoso.example', cause: 'sign-in activity was not read for this user' },
    ]);
  });

  it('keeps the fingerprint when the last sign-in moves, and tells roles apart', () => {
    const at = (when: string | null) =>
      incidentNamed(runAlert(ALERT, staleAlice(when).build()), 'alice @ globalAdmin');
    expect(at(ago('P40D')).fingerprint).toBe(at(null).fingerprint);
    const both = runAlert(ALERT, staleAlice().assigned('alice', 'userAdmin').build());
    expect(incidentNamed(both, 'alice @ userAdmin').fingerprint).not.toBe(
      incidentNamed(both, 'alice @ globalAdmin').fingerprint,
    );
  });
});
