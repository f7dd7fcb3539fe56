import { describe, expect, it } from 'vitest';
import { type Holding, resolveHoldings } from '../../src/detectors/holdings.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import {
  ago,
  NOW,
  nameOf,
  plus,
  roleId,
  roleNameOf,
  SECOND,
  tenant,
  uid,
} from '../support/snapshot-factory.js';

const FLAGS = ['eligible', 'active', 'activated', 'timeBound', 'direct', 'viaGroup'] as const;

/** `alice @ globalAdmin: active,direct` */
function describeHolding(holding: Holding): string {
  const flags = FLAGS.filter((flag) => holding[flag]);
  return `${nameOf(holding.principalId)} @ ${roleNameOf(holding.roleTemplateId)}: ${flags.join(',')}`;
}

interface Case {
  name: string;
  snapshot: TenantSnapshot;
  now: Date;
  expected: string[];
}

const cases: Case[] = [
  { name: 'a clean tenant holds nothing', snapshot: tenant().build(), now: NOW, expected: [] },
  {
    name: 'a standing direct assignment',
    snapshot: tenant().user('alice').assigned('alice', 'globalAdmin').build(),
    now: NOW,
    expected: ['alice @ globalAdmin: active,direct'],
  },
  {
    name: 'a time-bound assignment lapses on its own',
    snapshot: tenant()
      .user('alice')
      .assigned('alice', 'userAdmin', { end: plus(NOW, 30 * 86_400_000) })
      .build(),
    now: NOW,
    expected: ['alice @ userAdmin: active,timeBound,direct'],
  },
  {
    name: 'an eligibility',
    snapshot: tenant().user('alice').eligible('alice', 'userAdmin').build(),
    now: NOW,
    expected: ['alice @ userAdmin: eligible,direct'],
  },
  {
    name: 'an activation and the eligibility it came from are one holding',
    snapshot: tenant().user('alice').eligible('alice', 'userAdmin').activated('alice', 'userAdmin').build(),
    now: NOW,
    expected: ['alice @ userAdmin: eligible,active,activated,direct'],
  },
  {
    name: 'a group holds nothing itself; its members hold the role',
    snapshot: tenant()
      .user('alice')
      .user('bob')
      .group('tier0')
      .members('tier0', ['alice', 'bob'])
      .assigned('tier0', 'globalAdmin')
      .build(),
    now: NOW,
    expected: ['alice @ globalAdmin: active,viaGroup', 'bob @ globalAdmin: active,viaGroup'],
  },
  {
    name: 'nested groups with a membership cycle resolve once, without looping',
    snapshot: tenant()
      .user('carol')
      .group('outer')
      .group('inner')
      .members('outer', ['inner'])
      .members('inner', ['carol', 'outer'])
      .eligible('outer', 'privilegedRoleAdmin')
      .build(),
    now: NOW,
    expected: ['carol @ privilegedRoleAdmin: eligible,viaGroup'],
  },
  {
    name: 'a direct grant and a group grant of the same role are one holding',
    snapshot: tenant()
      .user('alice')
      .group('tier0')
      .members('tier0', ['alice'])
      .assigned('tier0', 'globalAdmin')
      .eligible('alice', 'globalAdmin')
      .build(),
    now: NOW,
    expected: ['alice @ globalAdmin: eligible,active,direct,viaGroup'],
  },
  {
    name: "Graph's member instance of a group grant (memberType Group) counts as via group",
    snapshot: tenant().user('alice').eligible('alice', 'userAdmin', { memberType: 'Group' }).build(),
    now: NOW,
    expected: ['alice @ userAdmin: eligible,viaGroup'],
  },
  {
    name: 'memberType is compared without regard to case',
    snapshot: tenant().user('alice').eligible('alice', 'userAdmin', { memberType: 'group' }).build(),
    now: NOW,
    expected: ['alice @ userAdmin: eligible,viaGroup'],
  },
  {
    name: "an activation through a group's eligibility (memberType Group) joins the group's holding",
    snapshot: tenant()
      .user('alice')
      .group('tier0')
      .members('tier0', ['alice'])
      .eligible('tier0', 'globalAdmin')
      .activated('alice', 'globalAdmin', { memberType: 'Group', end: plus(NOW, 3_600_000) })
      .build(),
    now: NOW,
    expected: ['alice @ globalAdmin: eligible,active,activated,viaGroup'],
  },
  {
    name: 'a service principal holds roles like anyone else',
    snapshot: tenant().servicePrincipal('deployer').assigned('deployer', 'globalAdmin').build(),
    now: NOW,
    expected: ['deployer @ globalAdmin: active,direct'],
  },
  {
    name: 'an instance that ended before now is not a holding; one ending exactly now still is',
    snapshot: tenant()
      .user('alice')
      .user('bob')
      .assigned('alice', 'userAdmin', { end: ago('PT0S', SECOND) })
      .assigned('bob', 'userAdmin', { end: NOW.toISOString() })
      .build(),
    now: NOW,
    expected: ['bob @ userAdmin: active,timeBound,direct'],
  },
  {
    name: 'an instance that has not started yet is not a holding',
    snapshot: tenant()
      .user('alice')
      .eligible('alice', 'userAdmin', { start: plus(NOW, SECOND) })
      .build(),
    now: NOW,
    expected: [],
  },
  {
    name: 'an onboarded tenant ignores roleAssignments (schedule instances repeat them)',
    snapshot: tenant().user('alice').roleAssignment('alice', 'globalAdmin').build(),
    now: NOW,
    expected: [],
  },
  {
    name: 'a tenant never onboarded to PIM: roleAssignments are the active holders',
    snapshot: tenant()
      .notOnboarded()
      .user('alice')
      .group('tier0')
      .members('tier0', ['alice'])
      .roleAssignment('tier0', 'globalAdmin')
      .build(),
    now: NOW,
    expected: ['alice @ globalAdmin: active,viaGroup'],
  },
];

describe('resolveHoldings', () => {
  it.each(cases)('$name', ({ snapshot, now, expected }) => {
    const holdings = resolveHoldings(snapshot, now);
    expect(holdings.all.map(describeHolding).sort()).toEqual([...expected].sort());
  });

  it('starts a holding at the earliest start of its grants', () => {
    const snapshot = tenant()
      .user('alice')
      .eligible('alice', 'userAdmin', { start: ago('P90D') })
      .activated('alice', 'userAdmin', { start: ago('PT1H') })
      .build();
    const holdings = resolveHoldings(snapshot, NOW);
    expect(holdings.get(uid('alice'), roleId('globalAdmin'))).toBeUndefined();
    const userAdmin = holdings.get(uid('alice'), roleId('userAdmin'))!;
    expect(userAdmin.start).toBe(ago('P90D'));
    expect(userAdmin.grants.map((g) => g.kind).sort()).toEqual(['activated', 'eligible']);
  });

  it('treats any grant without a start as started long ago', () => {
    const snapshot = tenant()
      .user('alice')
      .eligible('alice', 'userAdmin', { start: ago('P2D') })
      .assigned('alice', 'userAdmin', { start: null })
      .build();
    expect(resolveHoldings(snapshot, NOW).all[0]!.start).toBeNull();
  });

  it("counts Graph's member copy of a group's grant once, and credits a group activation to the group", () => {
    const snapshot = tenant()
      .user('alice')
      .group('tier0')
      .members('tier0', ['alice'])
      .assigned('tier0', 'globalAdmin', { id: 'group-grant' })
      .assigned('alice', 'globalAdmin', { id: 'member-copy', memberType: 'Group' })
      .eligible('tier0', 'userAdmin', { id: 'group-eligibility' })
      .activated('alice', 'userAdmin', { id: 'member-activation', memberType: 'Group' })
      .build();
    const holdings = resolveHoldings(snapshot, NOW);
    const ga = holdings.get(uid('alice'), roleId('globalAdmin'))!;
    expect(ga.grants.map((g) => g.grantId)).toEqual(['group-grant']);
    const userAdmin = holdings.get(uid('alice'), roleId('userAdmin'))!;
    expect(userAdmin.grants.map((g) => [g.grantId, g.groupPath])).toEqual([
      ['group-eligibility', [uid('tier0')]],
      ['member-activation', [uid('tier0')]],
    ]);
    expect(userAdmin.direct).toBe(false);
  });

  it('keeps the group path, outermost group first', () => {
    const snapshot = tenant()
      .user('carol')
      .group('outer')
      .group('inner')
      .members('outer', ['inner'])
      .members('inner', ['carol', 'outer'])
      .eligible('outer', 'privilegedRoleAdmin')
      .build();
    const [holding] = resolveHoldings(snapshot, NOW).all;
    expect(holding!.grants.map((g) => g.groupPath)).toEqual([[uid('outer'), uid('inner')]]);
  });

  it('lists the live active grants that name a principal itself, groups included', () => {
    const snapshot = tenant()
      .user('alice')
      .group('tier0')
      .members('tier0', ['alice'])
      .assigned('tier0', 'globalAdmin', { id: 'g1' })
      .eligible('tier0', 'userAdmin', { id: 'g2' })
      .build();
    const holdings = resolveHoldings(snapshot, NOW);
    const ga = roleId('globalAdmin');
    expect(holdings.activeGrantsOf(uid('tier0'), ga).map((g) => g.id)).toEqual(['g1']);
    expect(holdings.activeGrantsOf(uid('alice'), ga)).toEqual([]);
    expect(holdings.ofRole(ga).map((h) => nameOf(h.principalId))).toEqual(['alice']);
  });
});
