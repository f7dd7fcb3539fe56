import { describe, expect, it } from 'vitest';
import { detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { ALERT_IDS } from '../../src/model/alerts.js';
import { reconciliationRows, thresholdRows } from '../../src/reconcile/report-table.js';
import { effectiveDetectorsConfig } from '../../src/reconcile/thresholds.js';
import { everyAlertTenant } from '../support/sample-tenant.js';
import { tenant, uid } from '../support/snapshot-factory.js';
import { reconcileScan, withPim } from './support.js';

describe('thresholdRows', () => {
  it('shows, per alert in the usual order, our values, the tenant’s, and which were used', () => {
    const snapshot = withPim(tenant())
      .graphConfiguration('StaleSignInAlert', { thresholds: { duration: 'P45D' } })
      .graphConfiguration('RedundantAssignmentAlert', { isEnabled: false, thresholds: { duration: 'P30D' } })
      .build();
    const { provenance } = effectiveDetectorsConfig({ local: detectorsConfigSchema.parse({}), snapshot });
    const rows = thresholdRows(provenance);
    expect(rows.map((r) => r.alert)).toEqual([...ALERT_IDS]);
    expect(rows.find((r) => r.alert === 'StaleSignInAlert')).toEqual({
      alert: 'StaleSignInAlert',
      used: 'tenant',
      ours: { duration: 'P30D' },
      tenant: { duration: 'P45D' },
      tenantEnabled: true,
      differs: true,
      reason: null,
    });
    expect(rows.find((r) => r.alert === 'RedundantAssignmentAlert')).toMatchObject({
      used: 'tenant',
      tenantEnabled: false,
      differs: false,
      reason: expect.stringMatching(/isEnabled: false/),
    });
  });
});

describe('reconciliationRows', () => {
  it('counts each classification and each reason per alert', () => {
    const snapshot = withPim(everyAlertTenant().deletedPrincipal('ghost'))
      .graphAlert('TooManyGlobalAdminsAssignedToTenantAlert', [
        { id: 'a', assigneeId: uid('alice') },
        { id: 'g', assigneeId: uid('ghost') },
      ])
      .build();
    const rows = reconciliationRows(reconcileScan(snapshot));
    expect(rows.map((r) => r.alert)).toEqual([...ALERT_IDS]);
    expect(rows[0]).toEqual({
      alert: 'TooManyGlobalAdminsAssignedToTenantAlert',
      both: 1,
      oursOnly: 3,
      graphOnly: 1,
      reasons: { principalDeleted: 1, graphMissing: 3 },
    });
    expect(rows.find((r) => r.alert === 'InvalidLicenseAlert')).toEqual({
      alert: 'InvalidLicenseAlert',
      both: 0,
      oursOnly: 1,
      graphOnly: 0,
      reasons: { graphMissing: 1 },
    });
  });
});
