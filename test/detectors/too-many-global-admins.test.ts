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
import {
  ago,
  DAY,
  NOW,
  plus,
  SECOND,
  type SnapshotBuilder,
  tenant,
  uid,
} from '../support/snapshot-factory.js';

const ALERT = 'TooManyGlobalAdminsAssignedToTenantAlert';

interface Case {
  name: string;
  snapshot: TenantSnapshot;
  config: DetectorsConfigInput;
  now: Date;
  expected: Expected;
}

/** `ga` users holding Global Administrator directly and `others` users holding Reports Reader. */
function holders(ga: number, others: number, builder: SnapshotBuilder = tenant()): SnapshotBuilder {
  for (let i = 1; i <= ga; i++) builder.user(`ga${i}`).assigned(`ga${i}`, 'globalAdmin');
  for (let i = 1; i <= others; i++) builder.user(`reader${i}`).assigned(`reader${i}`, 'reportsReader');
  return builder;
}
const gaKeys = (...names: string[]) => names.sort();
const thresholds = (
  globalAdminCountThreshold: number,
  percentageOfGlobalAdminsOutOfRolesThreshold: number,
) => ({
  [ALERT]: { globalAdminCountThreshold, percentageOfGlobalAdminsOutOfRolesThreshold },
});

const cases: Case[] = [
  { name: 'quiet in a clean tenant', snapshot: tenant().build(), config: {}, now: NOW, expected: [] },
  {
    name: 'fires for every Global Administrator when both thresholds are met',
    snapshot: holders(3, 5).build(),
    config: {},
    now: NOW,
    expected: gaKeys('ga1', 'ga2', 'ga3'),
  },
  // Count threshold (default 3) with the percentage far above its threshold.
  {
    name: 'count exactly at the threshold fires',
    snapshot: holders(3, 0).build(),
    config: {},
    now: NOW,
    expected: gaKeys('ga1', 'ga2', 'ga3'),
  },
  {
    name: 'count one below the threshold is quiet',
    snapshot: holders(2, 0).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'count one above the threshold fires',
    snapshot: holders(4, 0).build(),
    config: {},
    now: NOW,
    expected: gaKeys('ga1', 'ga2', 'ga3', 'ga4'),
  },
  // Percentage threshold (default 10): 3 of 30 holdings is exactly 10 percent.
  {
    name: 'percentage exactly at the threshold fires',
    snapshot: holders(3, 27).build(),
    config: {},
    now: NOW,
    expected: gaKeys('ga1', 'ga2', 'ga3'),
  },
  {
    name: 'percentage just below the threshold is quiet (3 of 31)',
    snapshot: holders(3, 28).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'percentage just above the threshold fires (3 of 29)',
    snapshot: holders(3, 26).build(),
    config: {},
    now: NOW,
    expected: gaKeys('ga1', 'ga2', 'ga3'),
  },
  {
    name: 'configured percentage one above the measured share is quiet',
    snapshot: holders(3, 27).build(),
    config: thresholds(3, 11),
    now: NOW,
    expected: [],
  },
  {
    name: 'configured percentage one below the measured share fires',
    snapshot: holders(3, 27).build(),
    config: thresholds(3, 9),
    now: NOW,
    expected: gaKeys('ga1', 'ga2', 'ga3'),
  },
  {
    name: 'configured count one above the headcount is quiet',
    snapshot: holders(3, 0).build(),
    config: thresholds(4, 10),
    now: NOW,
    expected: [],
  },
  {
    name: 'configured count one below the headcount fires',
    snapshot: holders(3, 0).build(),
    config: thresholds(2, 10),
    now: NOW,
    expected: gaKeys('ga1', 'ga2', 'ga3'),
  },
  // Holding shapes.
  {
    name: 'eligible Global Administrators count',
    snapshot: tenant()
      .user('ga1')
      .user('ga2')
      .user('ga3')
      .eligible('ga1', 'globalAdmin')
      .eligible('ga2', 'globalAdmin')
      .eligible('ga3', 'globalAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: gaKeys('ga1', 'ga2', 'ga3'),
  },
  {
    name: 'an activation and its eligibility count once (3 holders, threshold 4: quiet)',
    snapshot: holders(2, 0)
      .user('alice')
      .eligible('alice', 'globalAdmin')
      .activated('alice', 'globalAdmin')
      .build(),
    config: thresholds(4, 10),
    now: NOW,
    expected: [],
  },
  {
    name: 'members of a group holding the role count; the group does not',
    snapshot: tenant()
      .user('alice')
      .user('bob')
      .user('carol')
      .group('tier0')
      .members('tier0', ['alice', 'bob', 'carol'])
      .assigned('tier0', 'globalAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: gaKeys('alice', 'bob', 'carol'),
  },
  {
    name: 'a person holding through a group and directly counts once',
    snapshot: tenant()
      .user('alice')
      .user('bob')
      .group('tier0')
      .members('tier0', ['alice', 'bob'])
      .eligible('tier0', 'globalAdmin')
      .assigned('alice', 'globalAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'members of nested groups with a cycle count',
    snapshot: tenant()
      .user('alice')
      .user('bob')
      .user('carol')
      .group('outer')
      .group('inner')
      .members('outer', ['alice', 'inner'])
      .members('inner', ['bob', 'carol', 'outer'])
      .eligible('outer', 'globalAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: gaKeys('alice', 'bob', 'carol'),
  },
  {
    name: 'time-bound assignments and service principals count',
    snapshot: tenant()
      .user('alice')
      .servicePrincipal('deployer')
      .user('bob')
      .assigned('alice', 'globalAdmin', { end: plus(NOW, 30 * DAY) })
      .assigned('deployer', 'globalAdmin')
      .assigned('bob', 'globalAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: gaKeys('alice', 'bob', 'deployer'),
  },
  {
    name: 'an expired assignment does not count',
    snapshot: holders(2, 0)
      .user('alice')
      .assigned('alice', 'globalAdmin', { end: ago('PT0S', SECOND) })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a tenant never onboarded to PIM counts its roleAssignments',
    snapshot: tenant()
      .notOnboarded()
      .user('alice')
      .user('bob')
      .user('carol')
      .roleAssignment('alice', 'globalAdmin')
      .roleAssignment('bob', 'globalAdmin')
      .roleAssignment('carol', 'globalAdmin')
      .build(),
    config: {},
    now: NOW,
    expected: gaKeys('alice', 'bob', 'carol'),
  },
  // Exclusions.
  {
    name: 'an excluded break-glass account drops out of the count (2 left: quiet)',
    snapshot: holders(2, 0).user('breakglass').assigned('breakglass', 'globalAdmin').build(),
    config: { exclusions: [{ principalId: uid('breakglass'), reason: 'break-glass' }] },
    now: NOW,
    expected: [],
  },
  {
    name: 'an excluded account is not an incident when the alert still fires',
    snapshot: holders(3, 0).user('breakglass').assigned('breakglass', 'globalAdmin').build(),
    config: { exclusions: [{ principalId: uid('breakglass'), reason: 'break-glass' }] },
    now: NOW,
    expected: gaKeys('ga1', 'ga2', 'ga3'),
  },
  {
    name: 'excluded holders leave the denominator too (3 of 30 after excluding 2 readers)',
    snapshot: holders(3, 29).build(),
    config: {
      exclusions: [
        { principalId: uid('reader28'), reason: 'lab account' },
        { principalId: uid('reader29'), reason: 'lab account' },
      ],
    },
    now: NOW,
    expected: gaKeys('ga1', 'ga2', 'ga3'),
  },
  {
    name: 'an exclusion naming other alerts does not apply',
    snapshot: holders(2, 0).user('breakglass').assigned('breakglass', 'globalAdmin').build(),
    config: {
      exclusions: [{ principalId: uid('breakglass'), reason: 'break-glass', alerts: ['StaleSignInAlert'] }],
    },
    now: NOW,
    expected: gaKeys('breakglass', 'ga1', 'ga2'),
  },
];

describe(ALERT, () => {
  it.each(cases)('$name', ({ snapshot, config, now, expected }) => {
    expect(summarize(ALERT, runAlert(ALERT, snapshot, config, now))).toEqual(expected);
  });

  it('reports the figures behind the verdict, as metrics and as metric evidence', () => {
    const outcome = runAlert(ALERT, holders(3, 27).build());
    if (outcome.status !== 'ok') throw new Error(outcome.status);
    expect(outcome.metrics).toEqual({ globalAdmins: 3, holdings: 30, percent: 10 });
    expect(incidentNamed(outcome, 'ga1').evidence).toContainEqual({
      kind: 'metric',
      id: 'globalAdminShare',
      detail: 'ga=3 all=30 percent=10',
    });
  });

  it('fills the assignee fields, the severity and the grant and group evidence', () => {
    const snapshot = tenant()
      .user('alice', { displayName: 'Alice Admin', upn: 'alice@contoso.example' })
      .user('bob')
      .user('carol')
      .group('tier0', { displayName: 'Tier 0' })
      .members('tier0', ['alice'])
      .assigned('tier0', 'globalAdmin', { id: 'grant-tier0' })
      .assigned('bob', 'globalAdmin')
      .assigned('carol', 'globalAdmin')
      .build();
    const incident = incidentNamed(runAlert(ALERT, snapshot), 'alice');
    expect(incident).toMatchObject({
      alert: ALERT,
      severity: 'low',
      tenantId: snapshot.tenantId,
      assigneeId: uid('alice'),
      assigneeType: 'user',
      assigneeDisplayName: 'Alice Admin',
      assigneeUserPrincipalName: 'alice@contoso.example',
    });
    expect(incident.roleTemplateId).toBeUndefined();
    expect(incident.evidence).toEqual(
      expect.arrayContaining([
        { kind: 'grant', id: 'grant-tier0', detail: 'active assignment, via group Tier 0' },
        { kind: 'group', id: uid('tier0'), detail: 'via group Tier 0' },
      ]),
    );
  });

  it('keeps fingerprints when the counts change, and tells principals apart', () => {
    const few = incidentsOf(runAlert(ALERT, holders(3, 0).build()));
    const more = incidentsOf(runAlert(ALERT, holders(5, 10).build()));
    const fingerprint = (list: typeof few, name: string) =>
      list.find((i) => i.assigneeId === uid(name))!.fingerprint;
    expect(fingerprint(more, 'ga1')).toBe(fingerprint(few, 'ga1'));
    expect(fingerprint(few, 'ga2')).not.toBe(fingerprint(few, 'ga1'));
    const otherTenant = incidentsOf(
      runAlert(ALERT, holders(3, 0, tenant({ tenantId: uid('other-tenant') })).build()),
    );
    expect(fingerprint(otherTenant, 'ga1')).not.toBe(fingerprint(few, 'ga1'));
  });
});
