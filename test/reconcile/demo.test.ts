import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { runDetectors } from '../../src/detectors/run.js';
import { collectSnapshot } from '../../src/graph/snapshot.js';
import type { AlertId } from '../../src/model/alerts.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import { type Reconciliation, reconcile } from '../../src/reconcile/classify.js';
import { reconciliationRows, thresholdRows } from '../../src/reconcile/report-table.js';
import { effectiveDetectorsConfig } from '../../src/reconcile/thresholds.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { demoFixture, demoNow, THIRTY_DAYS_MS } from '../support/demo-fixture.js';

/** A row of fixtures/demo/expected-reconciliation.json. */
interface ExpectedRow {
  alert: AlertId;
  assigneeId?: string;
  roleTemplateId?: string;
  classification: 'both' | 'oursOnly' | 'graphOnly';
  reason?: string;
}

/** `alert|assignee|role`, keeping only the parts that identify an incident of that alert. */
function rowKey(alert: AlertId, assigneeId?: string | null, roleTemplateId?: string | null): string {
  const byRoleOnly = alert === 'InvalidLicenseAlert' || alert === 'NoMfaOnRoleActivationAlert';
  const byAssigneeOnly =
    alert === 'InvalidLicenseAlert' || alert === 'TooManyGlobalAdminsAssignedToTenantAlert';
  const assignee = byRoleOnly ? '' : (assigneeId ?? '');
  const role = byAssigneeOnly ? '' : (roleTemplateId ?? '');
  return `${alert}|${assignee.toLowerCase()}|${role.toLowerCase()}`;
}

type Verdict = { classification: string; reason?: string };

function actualVerdicts(result: Reconciliation): Record<string, Verdict> {
  const rows: Record<string, Verdict> = {};
  for (const i of result.incidents) {
    rows[rowKey(i.alert, i.assigneeId, i.roleTemplateId)] = {
      classification: i.classification,
      ...(i.reason ? { reason: i.reason } : {}),
    };
  }
  for (const g of result.graphOnly) {
    rows[rowKey(g.alert, g.graph.assigneeId, g.graph.roleTemplateId)] = {
      classification: g.classification,
      reason: g.reason,
    };
  }
  return rows;
}

describe('reconciliation of the demo tenant, read through the emulator at its reference time', () => {
  let tenant: EmulatedTenant | undefined;
  let snapshot: TenantSnapshot;
  let now: Date;

  beforeAll(async () => {
    const fixture = await demoFixture();
    now = await demoNow();
    tenant = await startEmulatedTenant(fixture);
    const session = tenant.openSession();
    try {
      snapshot = await collectSnapshot(session.http, {
        tenantId: fixture.tenantId,
        now,
        auditLookBackMs: THIRTY_DAYS_MS,
      });
    } finally {
      await session.close();
    }
  });
  afterAll(async () => {
    await tenant?.close();
  });

  async function scanWithDemoConfig() {
    const file = parseYaml(await readFile('fixtures/demo/config.yaml', 'utf8')) as { detectors?: unknown };
    const local = detectorsConfigSchema.parse(file.detectors ?? {});
    const { config, provenance } = effectiveDetectorsConfig({ local, snapshot });
    const outcomes = runDetectors({ snapshot, config, now });
    return { provenance, result: reconcile({ snapshot, outcomes, config, provenance, now }) };
  }

  it('classifies every incident, ours and PIM’s, as expected-reconciliation.json says', async () => {
    const expected = JSON.parse(
      await readFile('fixtures/demo/expected-reconciliation.json', 'utf8'),
    ) as ExpectedRow[];
    const { result } = await scanWithDemoConfig();
    const wanted: Record<string, Verdict> = {};
    for (const row of expected) {
      wanted[rowKey(row.alert, row.assigneeId, row.roleTemplateId)] = {
        classification: row.classification,
        ...(row.reason ? { reason: row.reason } : {}),
      };
    }
    expect(actualVerdicts(result)).toEqual(wanted);
  });

  it('has every classification, keeps PIM’s incident ids, and counts 36 both, 2 ours only, 4 PIM only', async () => {
    const { result } = await scanWithDemoConfig();
    const totals = reconciliationRows(result).reduce(
      (sum, row) => ({
        both: sum.both + row.both,
        oursOnly: sum.oursOnly + row.oursOnly,
        graphOnly: sum.graphOnly + row.graphOnly,
      }),
      { both: 0, oursOnly: 0, graphOnly: 0 },
    );
    expect(totals).toEqual({ both: 36, oursOnly: 2, graphOnly: 4 });
    const pimIds = new Set(
      [...snapshot.graphAlerts.alerts.values()].flatMap((alert) => alert.incidents.map((i) => i.id)),
    );
    for (const incident of result.incidents.filter((i) => i.classification === 'both')) {
      expect(pimIds.has(incident.graphIncidentId!), incident.fingerprint).toBe(true);
    }
    // Victor Almeida's outside-PIM Global Administrator assignment is 25 minutes old; PIM scanned an hour ago.
    const victor = result.incidents.find(
      (i) => i.alert === 'RolesAssignedOutsidePimAlert' && i.classification === 'oursOnly',
    );
    expect(victor?.reasonDetail).toMatch(/PIM last scanned at 2026-11-01T08:00:00\.000Z, before/);
  });

  it('uses the tenant’s own thresholds, which equal the defaults', async () => {
    const { provenance } = await scanWithDemoConfig();
    for (const row of thresholdRows(provenance)) {
      expect(row, row.alert).toMatchObject({
        used: 'tenant',
        differs: false,
        tenantEnabled: true,
        reason: null,
      });
    }
  });
});
