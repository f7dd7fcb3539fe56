import { describe, expect, it } from 'vitest';
import { type DetectorsConfig, detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { loadFixture } from '../../src/emulator/load-fixture.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { generateTenant } from '../../src/fixtures/generate-tenant.js';
import { alertHistoryReport } from '../../src/scan/activation-history-report.js';
import type { ReportIncident } from '../../src/scan/report.js';
import { demoFixture, SCHEDULE_REQUESTS_REFUSED } from '../support/demo-fixture.js';
import { demoDetectorsConfig, scanFixture } from '../support/scan-harness.js';

/**
 * One fixture, two sources of activation history: the schedule requests, or (when they answer 403, as on
 * a tenant that grants no write permission) the PIM audit records the emulator writes for every
 * activation request. Both must find the same incidents. Counts are never hard-coded: the fixtures are
 * rebuilt from time to time.
 */
const REFUSED = SCHEDULE_REQUESTS_REFUSED;

const identity = (i: ReportIncident) =>
  `${i.alert}|${i.assigneeId ?? ''}|${i.roleTemplateId ?? ''}|${i.fingerprint}|${i.classification}`;

async function bothWays(fixture: TenantFixture, detectors = demoDetectorsConfig()) {
  const now = new Date(fixture.referenceTime!);
  const viaRequests = await scanFixture(fixture, { now, detectors });
  const viaAudits = await scanFixture(
    { ...fixture, faults: { ...fixture.faults, ...REFUSED } },
    { now, detectors },
  );
  return { now, viaRequests, viaAudits };
}

/** Name, fixture, detector settings, and whether it plants activation-history incidents. */
const FIXTURES: [string, () => Promise<TenantFixture>, () => DetectorsConfig, boolean][] = [
  ['the demo tenant', () => demoFixture(), demoDetectorsConfig, true],
  [
    'the near-miss tenant',
    () => loadFixture('fixtures/near-miss/tenant.json'),
    () => detectorsConfigSchema.parse({}),
    false,
  ],
  [
    'a generated tenant',
    async () => generateTenant({ users: 400, holdings: 120, seed: 23 }),
    () => detectorsConfigSchema.parse({}),
    true,
  ],
];

describe('activation history from schedule requests or from PIM audit records', { timeout: 120_000 }, () => {
  it.each(FIXTURES)('%s gives the same incidents both ways', async (_name, load, config, planted) => {
    const fixture = await load();
    const { viaRequests, viaAudits } = await bothWays(fixture, config());

    expect(viaRequests.report.activationHistory).toMatchObject({
      source: 'scheduleRequests',
      degraded: false,
    });
    expect(viaAudits.report.activationHistory).toMatchObject({
      source: 'auditLog',
      reason: 'scheduleRequests: 403 Authorization_RequestDenied, using the audit log',
      degraded: true,
    });
    // Complete, not partial: the audit log stood in for the refused source.
    expect(viaAudits.report.complete).toBe(true);
    expect(viaAudits.report.sources.roleAssignmentScheduleRequests.status).toBe('replaced');
    expect(viaAudits.report.sources.pimActivationAudits.status).toBe('ok');

    const a = viaRequests.report.incidents.map(identity).sort();
    const b = viaAudits.report.incidents.map(identity).sort();
    expect(b).toEqual(a);
    // Not vacuous where the fixture plants history incidents (the near-miss tenant plants none).
    if (planted) expect(a.some((key) => key.startsWith('RedundantAssignmentAlert|'))).toBe(true);
    // Both detectors that read activation history judged, and said where their history came from.
    for (const alert of ['RedundantAssignmentAlert', 'SequentialActivationRenewalsAlert'] as const) {
      expect(viaAudits.report.detectors[alert].status, alert).toBe('ok');
      expect(viaAudits.report.detectors[alert].activationHistory?.source, alert).toBe('auditLog');
      expect(viaRequests.report.detectors[alert].activationHistory?.source, alert).toBe('scheduleRequests');
    }
  });

  it.each(FIXTURES)(
    '%s: lastActivationDateTime differs only where the audit log cannot reach, and the report says so',
    async (_name, load, config) => {
      const fixture = await load();
      const { viaRequests, viaAudits } = await bothWays(fixture, config());
      const edge = Date.parse(viaAudits.report.activationHistory.coversFrom!);
      const audited = new Map(viaAudits.report.incidents.map((i) => [i.fingerprint, i]));
      for (const incident of viaRequests.report.incidents) {
        if (incident.alert !== 'RedundantAssignmentAlert') continue;
        const other = audited.get(incident.fingerprint)!;
        const known = incident.lastActivationDateTime ?? null;
        if (known !== null && Date.parse(known) < edge)
          expect(other.lastActivationDateTime ?? null).toBeNull();
        else expect(other.lastActivationDateTime ?? null).toBe(known);
      }
      expect(viaAudits.report.detectors.RedundantAssignmentAlert.activationHistory?.notes).toContainEqual(
        expect.stringMatching(
          /^lastActivationDateTime is null where the last activation is older than 30 days/,
        ),
      );
    },
  );
});

describe('graph.activationHistory', { timeout: 60_000 }, () => {
  it('scheduleRequests: a 403 on them makes the scan partial, and the history alerts unknown', async () => {
    const fixture = await demoFixture({ faults: REFUSED });
    const now = new Date(fixture.referenceTime!);
    const { report } = await scanFixture(fixture, { now, activationHistory: 'scheduleRequests' });
    expect(report.complete).toBe(false);
    expect(report.degraded).toBe(false);
    expect(report.sources.roleAssignmentScheduleRequests.status).toBe('failed');
    expect(report.sources.pimActivationAudits).toMatchObject({ status: 'skipped', requests: 0 });
    expect(report.detectors.RedundantAssignmentAlert.status).toBe('unknown');
    expect(report.detectors.SequentialActivationRenewalsAlert.status).toBe('unknown');
  });

  it('auditLog: the schedule requests are never asked for', async () => {
    const fixture = await demoFixture();
    const now = new Date(fixture.referenceTime!);
    const { report } = await scanFixture(fixture, { now, activationHistory: 'auditLog' });
    expect(report.complete).toBe(true);
    expect(report.sources.roleAssignmentScheduleRequests).toMatchObject({ status: 'skipped', requests: 0 });
    expect(report.activationHistory).toMatchObject({
      source: 'auditLog',
      reason: 'graph.activationHistory is auditLog',
    });
  });

  it('auto: when the audit log fails too, the scan is partial and names both causes', async () => {
    const fixture = await demoFixture({
      faults: {
        ...REFUSED,
        'auditLogs/directoryAudits': { status: 403, code: 'Authorization_RequestDenied' },
      },
    });
    const now = new Date(fixture.referenceTime!);
    const { report } = await scanFixture(fixture, { now });
    expect(report.complete).toBe(false);
    expect(report.sources.roleAssignmentScheduleRequests.status).toBe('failed');
    expect(report.sources.pimActivationAudits.status).toBe('failed');
    const cause = report.detectors.SequentialActivationRenewalsAlert.cause ?? '';
    expect(cause).toContain('source roleAssignmentScheduleRequests failed');
    expect(cause).toContain('source pimActivationAudits failed');
  });

  it('says when a window reaches past the 30 days the audit log holds', () => {
    const config = detectorsConfigSchema.parse({
      RedundantAssignmentAlert: { duration: 'P45D' },
      SequentialActivationRenewalsAlert: { lookBack: 'P30D' },
    });
    const history = {
      source: 'auditLog' as const,
      reason: 'scheduleRequests: 403 Authorization_RequestDenied, using the audit log',
      coversFrom: '2026-05-16T12:00:00.000Z',
      activations: [],
      groupActivations: [],
    };
    expect(alertHistoryReport('RedundantAssignmentAlert', history, config).notes).toEqual([
      'its duration P45D reaches past what the audit log holds 30 days (nothing before 2026-05-16T12:00:00.000Z): activations older than that are not seen',
      'lastActivationDateTime is null where the last activation is older than 30 days; the schedule requests would have known it',
    ]);
    // Exactly 30 days fits.
    expect(alertHistoryReport('SequentialActivationRenewalsAlert', history, config).notes).toEqual([]);
    // From the schedule requests there is nothing to say.
    expect(
      alertHistoryReport(
        'RedundantAssignmentAlert',
        { ...history, source: 'scheduleRequests', reason: null },
        config,
      ),
    ).toEqual({ source: 'scheduleRequests' });
  });
});
