import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALERT_IDS } from '../../src/model/alerts.js';
import { MemoryStateStore } from '../../src/store/memory-state-store.js';
import { demoFixture, demoNow } from '../support/demo-fixture.js';
import { expectConformantOcsf } from '../support/ocsf-conformance.js';
import { incidentKey, scanFixture } from '../support/scan-harness.js';

interface Expected {
  alert: string;
  assigneeId?: string;
  roleTemplateId?: string;
}

describe('scanning the demo tenant', () => {
  it('reports all seven alerts with exactly the incident set its README lists', async () => {
    const { report, transitions } = await scanFixture(await demoFixture(), { now: await demoNow() });
    expectConformantOcsf(transitions, { tenantId: report.tenantId, tenantName: report.tenantName });
    const expected = JSON.parse(readFileSync('fixtures/demo/expected-incidents.json', 'utf8')) as Expected[];
    const ours = report.incidents.filter((i) => i.classification !== 'graphOnly');

    expect(report.complete).toBe(true);
    for (const alert of ALERT_IDS) {
      expect(report.detectors[alert].status, alert).toBe('ok');
      expect(
        ours.some((i) => i.alert === alert),
        alert,
      ).toBe(true);
    }
    expect(ours.map(incidentKey).sort()).toEqual(expected.map(incidentKey).sort());
    expect(new Set(ours.map((i) => i.fingerprint)).size).toBe(ours.length);
    for (const incident of ours) {
      expect(incident.state).toBe('new');
      expect(incident.firstSeen).toBe(report.scannedAt);
    }
  });

  it('gives the same fingerprints when the same tenant is scanned twice', async () => {
    const fixture = await demoFixture();
    const now = await demoNow();
    const store = new MemoryStateStore({ feedMaxLength: 1000 });
    const first = await scanFixture(fixture, { now, store });
    const second = await scanFixture(fixture, { now, store });
    const prints = (r: typeof first) => r.report.incidents.map((i) => i.fingerprint).sort();
    expect(prints(second)).toEqual(prints(first));
    // The second scan finds nothing new: every incident moved on to open, no transition.
    expect(second.transitions).toEqual([]);
    expect(second.report.incidents.filter((i) => i.state).every((i) => i.state === 'open')).toBe(true);
    expect(first.report.transitions.opened).toBe(first.report.incidents.filter((i) => i.state).length);
  });

  it('shows the threshold table with the tenant values used', async () => {
    const { report } = await scanFixture(await demoFixture(), { now: await demoNow() });
    expect(report.thresholds.map((r) => r.alert)).toEqual([...ALERT_IDS]);
    const ga = report.thresholds.find((r) => r.alert === 'TooManyGlobalAdminsAssignedToTenantAlert')!;
    expect(ga.used).toBe('tenant');
    expect(ga.tenant).toEqual({
      globalAdminCountThreshold: 3,
      percentageOfGlobalAdminsOutOfRolesThreshold: 10,
    });
  });
});
