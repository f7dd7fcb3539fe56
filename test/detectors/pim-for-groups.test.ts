import { describe, expect, it } from 'vitest';
import { resolveHoldings } from '../../src/detectors/holdings.js';
import type { AlertId } from '../../src/model/alerts.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import { type Expected, incidentNamed, runAlert, summarize } from '../support/detector-harness.js';
import {
  ago,
  NOW,
  nameOf,
  plus,
  roleNameOf,
  type SnapshotBuilder,
  tenant,
} from '../support/snapshot-factory.js';

/**
 * PIM for Groups (design section 8): the group "tier0" holds roles; people reach them through eligible or
 * active memberships of it. Every shape is judged by every detector that reads holdings or activations.
 */

/** The role-assignable group "tier0", holding Global Administrator since a year ago, and user `name`. */
function tier0(name = 'alice', lastSignIn: string | null = ago('P40D')): SnapshotBuilder {
  return tenant().group('tier0').user(name, { lastSignIn }).assigned('tier0', 'globalAdmin');
}

interface Shape {
  name: string;
  snapshot: TenantSnapshot;
  /** `alice @ globalAdmin: eligible,active,...` for each holding. */
  holdings: string[];
  expected: Partial<Record<AlertId, Expected>>;
}

const ACTIVATED_MEMBER = () =>
  tier0()
    .pimMembership('alice', 'tier0')
    .pimMembership('alice', 'tier0', { kind: 'Activated', start: ago('PT1H'), end: plus(NOW, 7 * 3_600_000) })
    .groupActivation('alice', 'tier0', ago('PT1H'));

const shapes: Shape[] = [
  {
    name: 'eligible member, never activated, stale',
    snapshot: tier0().pimMembership('alice', 'tier0').build(),
    holdings: ['alice @ globalAdmin: eligible,viaGroup'],
    expected: {
      StaleSignInAlert: ['alice @ globalAdmin'],
      RedundantAssignmentAlert: ['alice @ globalAdmin'],
      SequentialActivationRenewalsAlert: [],
    },
  },
  {
    name: 'activated member (the activation counts for the role)',
    snapshot: ACTIVATED_MEMBER().build(),
    holdings: ['alice @ globalAdmin: eligible,active,activated,viaGroup'],
    expected: {
      StaleSignInAlert: ['alice @ globalAdmin'],
      RedundantAssignmentAlert: [],
    },
  },
  {
    name: 'active (assigned) member',
    snapshot: tier0()
      .pimMembership('alice', 'tier0', { kind: 'Assigned' })
      .members('tier0', ['alice'])
      .build(),
    holdings: ['alice @ globalAdmin: active,viaGroup'],
    expected: { StaleSignInAlert: ['alice @ globalAdmin'], RedundantAssignmentAlert: [] },
  },
  {
    name: 'member whose eligibility started recently',
    snapshot: tier0()
      .pimMembership('alice', 'tier0', { start: ago('P5D') })
      .build(),
    holdings: ['alice @ globalAdmin: eligible,viaGroup'],
    expected: { StaleSignInAlert: [], RedundantAssignmentAlert: [] },
  },
  {
    name: 'owner only holds nothing',
    snapshot: tier0().pimMembership('alice', 'tier0', { accessId: 'Owner' }).build(),
    holdings: [],
    expected: {
      StaleSignInAlert: [],
      RedundantAssignmentAlert: [],
      TooManyGlobalAdminsAssignedToTenantAlert: [],
    },
  },
  {
    name: 'a group holding two roles',
    snapshot: tier0().eligible('tier0', 'privilegedRoleAdmin').pimMembership('alice', 'tier0').build(),
    holdings: ['alice @ globalAdmin: eligible,viaGroup', 'alice @ privilegedRoleAdmin: eligible,viaGroup'],
    expected: {
      StaleSignInAlert: ['alice @ globalAdmin', 'alice @ privilegedRoleAdmin'],
      RedundantAssignmentAlert: ['alice @ globalAdmin', 'alice @ privilegedRoleAdmin'],
    },
  },
  {
    name: 'the same role directly and through a group is held once',
    snapshot: tier0().eligible('alice', 'globalAdmin').pimMembership('alice', 'tier0').build(),
    holdings: ['alice @ globalAdmin: eligible,direct,viaGroup'],
    expected: {
      StaleSignInAlert: ['alice @ globalAdmin'],
      RedundantAssignmentAlert: ['alice @ globalAdmin'],
    },
  },
  {
    name: 'back-to-back membership activations are a run of the role',
    snapshot: tier0('alice', ago('P1D'))
      .pimMembership('alice', 'tier0')
      .groupActivation('alice', 'tier0', ago('P3D'), 'PT1H')
      .groupActivation('alice', 'tier0', ago('P3D', -3_600_000), 'PT1H')
      .groupActivation('alice', 'tier0', ago('P3D', -7_200_000), 'PT1H')
      .build(),
    holdings: ['alice @ globalAdmin: eligible,viaGroup'],
    expected: { SequentialActivationRenewalsAlert: ['alice @ globalAdmin'], RedundantAssignmentAlert: [] },
  },
  {
    name: 'near miss: two membership activations are no run',
    snapshot: tier0('alice', ago('P1D'))
      .pimMembership('alice', 'tier0')
      .groupActivation('alice', 'tier0', ago('P3D'), 'PT1H')
      .groupActivation('alice', 'tier0', ago('P3D', -3_600_000), 'PT1H')
      .build(),
    holdings: ['alice @ globalAdmin: eligible,viaGroup'],
    expected: { SequentialActivationRenewalsAlert: [] },
  },
];

const FLAGS = ['eligible', 'active', 'activated', 'timeBound', 'direct', 'viaGroup'] as const;

describe('PIM for Groups shapes', () => {
  it.each(shapes)('holdings: $name', ({ snapshot, holdings }) => {
    const all = resolveHoldings(snapshot, NOW).all.map(
      (h) =>
        `${nameOf(h.principalId)} @ ${roleNameOf(h.roleTemplateId)}: ${FLAGS.filter((f) => h[f]).join(',')}`,
    );
    expect(all.sort()).toEqual(holdings);
  });

  for (const shape of shapes) {
    for (const [alert, expected] of Object.entries(shape.expected)) {
      it(`${alert}: ${shape.name}`, () => {
        expect(summarize(alert as AlertId, runAlert(alert as AlertId, shape.snapshot))).toEqual(expected);
      });
    }
  }

  it('counts eligible members of a group holding Global Administrator in TooManyGlobalAdmins', () => {
    const snapshot = tier0()
      .user('bob')
      .user('carol')
      .user('dave')
      .pimMembership('alice', 'tier0')
      .pimMembership('bob', 'tier0')
      .pimMembership('carol', 'tier0', { kind: 'Assigned' })
      .pimMembership('dave', 'tier0', { accessId: 'owner' })
      .build();
    expect(
      summarize(
        'TooManyGlobalAdminsAssignedToTenantAlert',
        runAlert('TooManyGlobalAdminsAssignedToTenantAlert', snapshot),
      ),
    ).toEqual(['alice', 'bob', 'carol']);
  });

  it('names the group and the PIM for Groups membership in the evidence', () => {
    const outcome = runAlert('StaleSignInAlert', tier0().pimMembership('alice', 'tier0').build());
    const details = incidentNamed(outcome, 'alice @ globalAdmin').evidence.map((e) => e.detail);
    expect(details).toContain('eligible member (PIM for Groups), via group tier0');
  });

  it('starts a holding through a group at the later of the group grant and the membership', () => {
    const snapshot = tenant()
      .group('tier0')
      .user('alice')
      .assigned('tier0', 'globalAdmin', { start: ago('P10D') })
      .pimMembership('alice', 'tier0', { start: ago('P100D') })
      .build();
    const holding = resolveHoldings(snapshot, NOW).all[0]!;
    expect(holding.start).toBe(ago('P10D'));
  });

  it('lists the groups it could not expand, and still judges the rest', () => {
    const snapshot = tier0()
      .user('bob', { lastSignIn: null })
      .assigned('bob', 'globalAdmin')
      .pimGroupUnread('tier0')
      .build();
    const outcome = runAlert('StaleSignInAlert', snapshot);
    expect(summarize('StaleSignInAlert', outcome)).toEqual(['bob @ globalAdmin']);
    expect(outcome.status === 'ok' && outcome.unknownItems).toEqual([
      expect.objectContaining({
        subject: expect.stringContaining('group tier0'),
        cause: expect.stringMatching(/PIM for Groups/),
      }),
    ]);
  });
});
