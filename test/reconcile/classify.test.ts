import { describe, expect, it } from 'vitest';
import type { DetectorsConfigInput } from '../../src/detectors/config-schema.js';
import { PIM_ALERT_IDS, type PimAlertId } from '../../src/model/alerts.js';
import { REASON_CODES, type ReasonCode } from '../../src/model/lifecycle.js';
import type { GraphIncident, TenantSnapshot } from '../../src/model/snapshot.js';
import { incidentsOf, runAlert } from '../support/detector-harness.js';
import { everyAlertTenant } from '../support/sample-tenant.js';
import { ago, NOW, roleId, SECOND, type SnapshotBuilder, tenant, uid } from '../support/snapshot-factory.js';
import { mirrorInGraph, reconcileScan, type ScanOptions, verdicts, withPim } from './support.js';

/** What every alert fires on in the sample tenant (see test/support/sample-tenant.ts). */
const SAMPLE_INCIDENTS: Record<PimAlertId, string[]> = {
  TooManyGlobalAdminsAssignedToTenantAlert: ['alice', 'bob', 'deployer', 'erin'],
  InvalidLicenseAlert: ['tenant'],
  NoMfaOnRoleActivationAlert: ['@ userAdmin'],
  RedundantAssignmentAlert: ['carol @ userAdmin', 'erin @ globalAdmin'],
  RolesAssignedOutsidePimAlert: ['alice @ globalAdmin'],
  SequentialActivationRenewalsAlert: ['dave @ privilegedRoleAdmin'],
  StaleSignInAlert: ['erin @ globalAdmin'],
};

/** One incident PIM reports that a clean tenant (with frank, who holds nothing) does not have. */
const PIM_ONLY_INCIDENT: Record<PimAlertId, { graph: Partial<GraphIncident>; key: string }> = {
  TooManyGlobalAdminsAssignedToTenantAlert: { graph: { assigneeId: uid('frank') }, key: 'frank' },
  InvalidLicenseAlert: { graph: { tenantLicenseStatus: 'unlicensed' }, key: 'tenant' },
  NoMfaOnRoleActivationAlert: { graph: { roleTemplateId: roleId('globalAdmin') }, key: '@ globalAdmin' },
  RedundantAssignmentAlert: {
    graph: { assigneeId: uid('frank'), roleTemplateId: roleId('userAdmin') },
    key: 'frank @ userAdmin',
  },
  RolesAssignedOutsidePimAlert: {
    graph: { assigneeId: uid('frank'), roleTemplateId: roleId('userAdmin') },
    key: 'frank @ userAdmin',
  },
  SequentialActivationRenewalsAlert: {
    graph: {
      assigneeId: uid('frank'),
      roleTemplateId: roleId('userAdmin'),
      activationCount: 3,
      sequenceStartDateTime: ago('P2D'),
      sequenceEndDateTime: ago('P2D', -3 * 3600 * SECOND),
    },
    key: 'frank @ userAdmin',
  },
  StaleSignInAlert: {
    graph: { assigneeId: uid('frank'), roleDefinitionId: roleId('userAdmin') },
    key: 'frank @ userAdmin',
  },
};

/** The sample tenant with PIM reporting exactly what we find for `alert`. */
function sampleWithPimAgreeing(alert: PimAlertId): SnapshotBuilder {
  const ours = incidentsOf(runAlert(alert, withPim(everyAlertTenant()).build()));
  return withPim(everyAlertTenant()).graphAlert(alert, mirrorInGraph(ours));
}

describe('each alert in each classification', () => {
  it.each(PIM_ALERT_IDS)('%s: both, keeping PIM’s incident id, when PIM reports what we find', (alert) => {
    const result = reconcileScan(sampleWithPimAgreeing(alert).build());
    expect(verdicts(result, alert)).toEqual(SAMPLE_INCIDENTS[alert].map((key) => `${key}: both`));
    for (const incident of result.incidents.filter((i) => i.alert === alert)) {
      expect(incident.graphIncidentId).toMatch(new RegExp(`^pim-${alert}-\\d+$`));
    }
    expect(result.byAlert[alert]).toEqual({
      both: SAMPLE_INCIDENTS[alert].length,
      oursOnly: 0,
      graphOnly: 0,
    });
  });

  it.each(PIM_ALERT_IDS)(
    '%s: oursOnly (graphMissing) when PIM scanned just now and reports nothing',
    (alert) => {
      const result = reconcileScan(withPim(everyAlertTenant()).build());
      expect(verdicts(result, alert)).toEqual(
        SAMPLE_INCIDENTS[alert].map((key) => `${key}: oursOnly/graphMissing`),
      );
      expect(result.byAlert[alert]).toEqual({
        both: 0,
        oursOnly: SAMPLE_INCIDENTS[alert].length,
        graphOnly: 0,
      });
    },
  );

  it.each(PIM_ALERT_IDS)(
    '%s: graphOnly (notDetectedLocally) with PIM’s own fields when only PIM reports it',
    (alert) => {
      const { graph, key } = PIM_ONLY_INCIDENT[alert];
      const result = reconcileScan(withPim(tenant().user('frank')).graphAlert(alert, [graph]).build());
      expect(verdicts(result, alert)).toEqual([`${key}: graphOnly/notDetectedLocally`]);
      const [only] = result.graphOnly;
      expect(only).toMatchObject({
        alert,
        tenantId: result.graphOnly[0]!.tenantId,
        graph: { ...graph, alert },
      });
      expect(only!.severity).toMatch(/low|medium|high/);
      expect(result.byAlert[alert]).toEqual({ both: 0, oursOnly: 0, graphOnly: 1 });
    },
  );
});

interface ReasonCase {
  name: string;
  alert: PimAlertId;
  snapshot: TenantSnapshot;
  config?: DetectorsConfigInput;
  options?: ScanOptions;
  expected: string[];
  /** What the reason's words must say. */
  detail?: RegExp;
}

const GA = 'TooManyGlobalAdminsAssignedToTenantAlert';
const STALE = 'StaleSignInAlert';
const OUTSIDE = 'RolesAssignedOutsidePimAlert';
const SEQUENTIAL = 'SequentialActivationRenewalsAlert';
const REDUNDANT = 'RedundantAssignmentAlert';
const HOUR = 3600 * SECOND;

/** Gina holds Global Administrator (for a year) and last signed in `lastSignIn`. */
const gina = (lastSignIn: string | null) =>
  withPim(tenant().user('gina', { lastSignIn }).assigned('gina', 'globalAdmin'));

/** Alice, bob and carol hold Global Administrator, nobody holds anything else. */
const threeGlobalAdmins = () =>
  withPim(
    tenant()
      .user('alice')
      .user('bob')
      .user('carol')
      .assigned('alice', 'globalAdmin')
      .assigned('bob', 'globalAdmin')
      .assigned('carol', 'globalAdmin'),
  );

/** Hank was given User Administrator outside PIM an hour ago; PIM last scanned `scanned`. */
const hankOutsidePim = (scanned: string) =>
  withPim(
    tenant()
      .user('hank')
      .assigned('hank', 'userAdmin', { start: ago('PT1H') })
      .roleAddAudit('hank', 'userAdmin', ago('PT1H')),
  ).graphAlert(OUTSIDE, [], { lastScannedDateTime: scanned });

/** Dave's three back-to-back one-hour activations, the first four hours ago; PIM last scanned `scanned`. */
const daveRun = (scanned: string, count = 3) =>
  withPim(
    tenant()
      .user('dave')
      .eligible('dave', 'privilegedRoleAdmin')
      .activationRun('dave', 'privilegedRoleAdmin', { start: ago('PT4H'), count, gapMs: 5 * SECOND }),
  ).graphAlert(SEQUENTIAL, [], { lastScannedDateTime: scanned });

/** Carol became eligible 30 days and 2 hours ago and never activated: redundant for 2 hours now. */
const carolRedundant = (scanned: string) =>
  withPim(
    tenant()
      .user('carol')
      .eligible('carol', 'userAdmin', { start: ago('P30D', 2 * HOUR) }),
  ).graphAlert(REDUNDANT, [], { lastScannedDateTime: scanned });

/** Ivy signed in 30 days and 3 hours ago: stale for 3 hours now. */
const ivyGoneStale = (scanned: string) =>
  withPim(
    tenant()
      .user('ivy', { lastSignIn: ago('P30D', 3 * HOUR) })
      .assigned('ivy', 'globalAdmin'),
  ).graphAlert(STALE, [], { lastScannedDateTime: scanned });

const withoutGraphAlertObject = (() => {
  const snapshot = withPim(everyAlertTenant()).build();
  (snapshot.graphAlerts.alerts as Map<PimAlertId, unknown>).delete(STALE);
  return snapshot;
})();

const oursOnlyCases: ReasonCase[] = [
  {
    name: "graphUnavailable: PIM's alerts could not be read",
    alert: STALE,
    snapshot: withPim(everyAlertTenant()).failedSource('alerts').build(),
    expected: ['erin @ globalAdmin: oursOnly/graphUnavailable'],
    detail: /could not be read: GET alerts: 403/,
  },
  {
    name: 'graphAlertDisabled: the tenant switched the alert off and we use local thresholds',
    alert: STALE,
    snapshot: withPim(everyAlertTenant())
      .graphConfiguration(STALE, { isEnabled: false, thresholds: { duration: 'P30D' } })
      .build(),
    config: { thresholds: 'local' },
    expected: ['erin @ globalAdmin: oursOnly/graphAlertDisabled'],
  },
  {
    name: 'thresholdsDiffer: our shorter stale window (P20D, tenant P30D) finds a 25-day-old sign-in',
    alert: STALE,
    snapshot: gina(ago('P25D')).build(),
    config: { thresholds: 'local', StaleSignInAlert: { duration: 'P20D' } },
    expected: ['gina @ globalAdmin: oursOnly/thresholdsDiffer'],
    detail: /duration P20D \(tenant P30D\)/,
  },
  {
    name: 'not thresholdsDiffer when the tenant’s window would find it too (90-day-old sign-in)',
    alert: STALE,
    snapshot: gina(ago('P90D')).build(),
    config: { thresholds: 'local', StaleSignInAlert: { duration: 'P20D' } },
    expected: ['gina @ globalAdmin: oursOnly/graphMissing'],
  },
  {
    name: 'thresholdsDiffer: our Global Administrator count 2 (tenant 3) with two of them',
    alert: GA,
    snapshot: withPim(
      tenant().user('alice').user('bob').assigned('alice', 'globalAdmin').assigned('bob', 'globalAdmin'),
    ).build(),
    config: {
      thresholds: 'local',
      TooManyGlobalAdminsAssignedToTenantAlert: { globalAdminCountThreshold: 2 },
    },
    expected: ['alice: oursOnly/thresholdsDiffer', 'bob: oursOnly/thresholdsDiffer'],
    detail: /globalAdminCountThreshold 2 \(tenant 3\)/,
  },
  {
    name: 'thresholdsDiffer: a run of 3 counts for us (3) but not for the tenant (4)',
    alert: SEQUENTIAL,
    snapshot: daveRun(NOW.toISOString())
      .graphConfiguration(SEQUENTIAL, {
        thresholds: { timeIntervalBetweenActivations: 'PT10S', sequentialActivationCounterThreshold: 4 },
      })
      .build(),
    config: { thresholds: 'local' },
    expected: ['dave @ privilegedRoleAdmin: oursOnly/thresholdsDiffer'],
  },
  {
    name: 'graphScanStale: PIM never scanned for the alert',
    alert: STALE,
    snapshot: withPim(everyAlertTenant()).graphAlert(STALE, [], { lastScannedDateTime: null }).build(),
    expected: ['erin @ globalAdmin: oursOnly/graphScanStale'],
    detail: /never scanned/,
  },
  {
    name: 'graphScanStale: PIM lists no alert object at all',
    alert: STALE,
    snapshot: withoutGraphAlertObject,
    expected: ['erin @ globalAdmin: oursOnly/graphScanStale'],
    detail: /no alert object/,
  },
  {
    name: 'graphScanStale: assigned outside PIM after PIM last scanned',
    alert: OUTSIDE,
    snapshot: hankOutsidePim(ago('PT2H')).build(),
    expected: ['hank @ userAdmin: oursOnly/graphScanStale'],
    detail: /before the principal was assigned the role outside PIM/,
  },
  {
    name: 'graphMissing: assigned outside PIM before PIM last scanned',
    alert: OUTSIDE,
    snapshot: hankOutsidePim(ago('PT30M')).build(),
    expected: ['hank @ userAdmin: oursOnly/graphMissing'],
  },
  {
    name: 'graphScanStale: the run reached its third activation after PIM last scanned',
    alert: SEQUENTIAL,
    snapshot: daveRun(ago('PT3H')).build(),
    expected: ['dave @ privilegedRoleAdmin: oursOnly/graphScanStale'],
    detail: /reached 3 back-to-back activations/,
  },
  {
    name: 'graphMissing: the run was complete when PIM last scanned',
    alert: SEQUENTIAL,
    snapshot: daveRun(ago('PT30M')).build(),
    expected: ['dave @ privilegedRoleAdmin: oursOnly/graphMissing'],
  },
  {
    name: 'graphScanStale: the eligibility went 30 days unused after PIM last scanned',
    alert: REDUNDANT,
    snapshot: carolRedundant(ago('PT3H')).build(),
    expected: ['carol @ userAdmin: oursOnly/graphScanStale'],
    detail: /went P30D without activating/,
  },
  {
    name: 'graphMissing: the eligibility was already unused for 30 days when PIM scanned',
    alert: REDUNDANT,
    snapshot: carolRedundant(ago('PT1H')).build(),
    expected: ['carol @ userAdmin: oursOnly/graphMissing'],
  },
  {
    name: 'graphScanStale: the user went stale after PIM last scanned',
    alert: STALE,
    snapshot: ivyGoneStale(ago('PT5H')).build(),
    expected: ['ivy @ globalAdmin: oursOnly/graphScanStale'],
    detail: /went P30D without signing in/,
  },
  {
    name: 'graphMissing: the user was already stale when PIM last scanned',
    alert: STALE,
    snapshot: ivyGoneStale(ago('PT1H')).build(),
    expected: ['ivy @ globalAdmin: oursOnly/graphMissing'],
  },
  {
    name: 'graphScanStale: PIM last scanned three days ago (more than P2D)',
    alert: STALE,
    snapshot: withPim(everyAlertTenant())
      .graphAlert(STALE, [], { lastScannedDateTime: ago('P3D') })
      .build(),
    expected: ['erin @ globalAdmin: oursOnly/graphScanStale'],
    detail: /longer ago than P2D/,
  },
  {
    name: 'graphMissing: three days is recent enough with graphScanMaxAge P7D',
    alert: STALE,
    snapshot: withPim(everyAlertTenant())
      .graphAlert(STALE, [], { lastScannedDateTime: ago('P3D') })
      .build(),
    options: { graphScanMaxAge: 'P7D' },
    expected: ['erin @ globalAdmin: oursOnly/graphMissing'],
  },
];

/** The sample tenant with PIM listing everyone we find for the Global Administrator alert. */
const sampleGlobalAdminsInPim = () => {
  const ours = incidentsOf(runAlert(GA, withPim(everyAlertTenant()).build()));
  return withPim(everyAlertTenant()).graphAlert(GA, mirrorInGraph(ours));
};
/** PIM lists erin as stale (she is, in the sample tenant). */
const erinStaleInPim = () =>
  withPim(everyAlertTenant()).graphAlert(STALE, [
    { assigneeId: uid('erin'), roleTemplateId: roleId('globalAdmin') },
  ]);
const frankStaleInPim = (scanned: string = NOW.toISOString()) =>
  withPim(everyAlertTenant().user('frank')).graphAlert(
    STALE,
    [{ assigneeId: uid('frank'), roleTemplateId: roleId('userAdmin') }],
    { lastScannedDateTime: scanned },
  );
const ginaStaleInPim = (lastSignIn: string) =>
  gina(lastSignIn).graphAlert(STALE, [{ assigneeId: uid('gina'), roleTemplateId: roleId('globalAdmin') }]);
const EXCLUDE_ALICE = { exclusions: [{ principalId: uid('alice'), reason: 'break-glass' }] };

const graphOnlyCases: ReasonCase[] = [
  {
    name: 'principalDeleted: PIM still lists a deleted Global Administrator',
    alert: GA,
    snapshot: withPim(tenant().deletedPrincipal('ghost'))
      .graphAlert(GA, [{ assigneeId: uid('ghost').toUpperCase() }])
      .build(),
    expected: ['ghost: graphOnly/principalDeleted'],
  },
  {
    name: 'excludedLocally: the principal is excluded from this alert in our configuration',
    alert: GA,
    snapshot: sampleGlobalAdminsInPim().build(),
    config: EXCLUDE_ALICE,
    expected: ['alice: graphOnly/excludedLocally', 'bob: both', 'deployer: both', 'erin: both'],
    detail: /excluded from this alert in our configuration: break-glass/,
  },
  {
    name: 'excludedLocally: our detector for the alert is switched off in the configuration',
    alert: STALE,
    snapshot: erinStaleInPim().build(),
    config: { StaleSignInAlert: { enabled: false } },
    expected: ['erin @ globalAdmin: graphOnly/excludedLocally'],
    detail: /switched off in the configuration/,
  },
  {
    name: 'graphAlertDisabled: the tenant switched the alert off and our detector follows (thresholds: tenant)',
    alert: STALE,
    snapshot: erinStaleInPim()
      .graphConfiguration(STALE, { isEnabled: false, thresholds: { duration: 'P30D' } })
      .build(),
    expected: ['erin @ globalAdmin: graphOnly/graphAlertDisabled'],
    detail: /our detector follows it/,
  },
  {
    name: 'graphAlertDisabled: a leftover PIM incident of a switched-off alert (thresholds: local)',
    alert: STALE,
    snapshot: frankStaleInPim()
      .graphConfiguration(STALE, { isEnabled: false, thresholds: { duration: 'P30D' } })
      .build(),
    config: { thresholds: 'local' },
    expected: [
      'erin @ globalAdmin: oursOnly/graphAlertDisabled',
      'frank @ userAdmin: graphOnly/graphAlertDisabled',
    ],
  },
  {
    name: 'notDetectedLocally: our detector could not judge (its sources failed)',
    alert: STALE,
    snapshot: erinStaleInPim().failedSource('signInActivity').build(),
    expected: ['erin @ globalAdmin: graphOnly/notDetectedLocally'],
    detail: /could not judge this alert: source signInActivity failed/,
  },
  {
    name: 'thresholdsDiffer: our longer stale window (P60D, tenant P30D) misses a 45-day-old sign-in',
    alert: STALE,
    snapshot: ginaStaleInPim(ago('P45D')).build(),
    config: { thresholds: 'local', StaleSignInAlert: { duration: 'P60D' } },
    expected: ['gina @ globalAdmin: graphOnly/thresholdsDiffer'],
    detail: /looser than the tenant's: duration P60D \(tenant P30D\)/,
  },
  {
    name: 'not thresholdsDiffer when the tenant’s window would not find it either (signed in yesterday)',
    alert: STALE,
    snapshot: ginaStaleInPim(ago('P1D')).build(),
    config: { thresholds: 'local', StaleSignInAlert: { duration: 'P60D' } },
    expected: ['gina @ globalAdmin: graphOnly/notDetectedLocally'],
  },
  {
    name: 'thresholdsDiffer: our Global Administrator count 4 (tenant 3) with three of them',
    alert: GA,
    snapshot: threeGlobalAdmins()
      .graphAlert(GA, [
        { assigneeId: uid('alice') },
        { assigneeId: uid('bob') },
        { assigneeId: uid('carol') },
      ])
      .build(),
    config: {
      thresholds: 'local',
      TooManyGlobalAdminsAssignedToTenantAlert: { globalAdminCountThreshold: 4 },
    },
    expected: [
      'alice: graphOnly/thresholdsDiffer',
      'bob: graphOnly/thresholdsDiffer',
      'carol: graphOnly/thresholdsDiffer',
    ],
  },
  {
    name: 'graphScanStale: PIM last scanned three days ago; the situation may have ended since',
    alert: STALE,
    snapshot: frankStaleInPim(ago('P3D')).build(),
    expected: ['erin @ globalAdmin: oursOnly/graphScanStale', 'frank @ userAdmin: graphOnly/graphScanStale'],
  },
  {
    name: 'notDetectedLocally: PIM scanned recently and we do not find it',
    alert: STALE,
    snapshot: frankStaleInPim().build(),
    expected: [
      'erin @ globalAdmin: oursOnly/graphMissing',
      'frank @ userAdmin: graphOnly/notDetectedLocally',
    ],
    detail: /our detector ran and does not find it/,
  },
];

/** Cases as `[name, case]`, so each test is titled with its whole name. */
function named(cases: readonly ReasonCase[]): [string, ReasonCase][] {
  return cases.map((c) => [c.name, c]);
}

function reasonDetails(result: ReturnType<typeof reconcileScan>, alert: PimAlertId): string[] {
  return [
    ...result.incidents.filter((i) => i.alert === alert && i.reasonDetail).map((i) => i.reasonDetail!),
    ...result.graphOnly.filter((i) => i.alert === alert).map((i) => i.reasonDetail),
  ];
}

describe('reasons for incidents only we report', () => {
  it.each(named(oursOnlyCases))('%s', (_name, { alert, snapshot, config, options, expected, detail }) => {
    const result = reconcileScan(snapshot, config, options);
    expect(verdicts(result, alert)).toEqual(expected);
    if (detail) expect(reasonDetails(result, alert).join('\n')).toMatch(detail);
  });

  it('graphUnavailable: nothing of PIM’s is compared, so nothing is PIM-only', () => {
    const result = reconcileScan(withPim(everyAlertTenant()).failedSource('alerts').build());
    expect(result.graphOnly).toEqual([]);
    expect(result.incidents.every((i) => i.reason === 'graphUnavailable')).toBe(true);
  });

  it('a tenant that switched the alert off switches our detector off too (thresholds: tenant)', () => {
    const snapshot = withPim(everyAlertTenant())
      .graphConfiguration(STALE, { isEnabled: false, thresholds: { duration: 'P30D' } })
      .build();
    expect(verdicts(reconcileScan(snapshot), STALE)).toEqual([]);
  });
});

describe('reasons for incidents only PIM reports', () => {
  it.each(named(graphOnlyCases))('%s', (_name, { alert, snapshot, config, options, expected, detail }) => {
    const result = reconcileScan(snapshot, config, options);
    expect(verdicts(result, alert)).toEqual(expected);
    if (detail) expect(reasonDetails(result, alert).join('\n')).toMatch(detail);
  });
});

describe('the tables cover every reason code', () => {
  it('each code appears in at least one case', () => {
    const seen = new Set<ReasonCode>();
    for (const { snapshot, config, options } of [...oursOnlyCases, ...graphOnlyCases]) {
      const result = reconcileScan(snapshot, config, options);
      for (const i of result.incidents) if (i.reason) seen.add(i.reason);
      for (const i of result.graphOnly) seen.add(i.reason);
    }
    expect([...seen].sort()).toEqual([...REASON_CODES].sort());
  });
});
