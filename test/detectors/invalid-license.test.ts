import { describe, expect, it } from 'vitest';
import type { DetectorsConfigInput } from '../../src/detectors/config-schema.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import { type Expected, incidentsOf, runAlert, summarize } from '../support/detector-harness.js';
import { NOW, SERVICE_PLANS, tenant } from '../support/snapshot-factory.js';

const ALERT = 'InvalidLicenseAlert';

const p2 = (provisioningStatus = 'Success') => ({ ...SERVICE_PLANS.entraIdP2, provisioningStatus });
const governance = (provisioningStatus = 'Success') => ({
  ...SERVICE_PLANS.entraIdGovernance,
  provisioningStatus,
});
const p1 = { ...SERVICE_PLANS.entraIdP1, provisioningStatus: 'Success' };

interface Case {
  name: string;
  snapshot: TenantSnapshot;
  config: DetectorsConfigInput;
  now: Date;
  expected: Expected;
  /** `tenantLicenseStatus` of the one incident, when it fires. */
  status?: string;
}

const cases: Case[] = [
  {
    name: 'quiet with an enabled P2 SKU (the default tenant)',
    snapshot: tenant().build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'quiet with a Governance-only licence',
    snapshot: tenant()
      .withoutSkus()
      .sku({ skuPartNumber: 'Microsoft_Entra_ID_Governance', servicePlans: [governance()] })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'quiet when P2 comes inside a bundle in Warning state (grace period)',
    snapshot: tenant()
      .withoutSkus()
      .sku({ skuPartNumber: 'SPE_E5', capabilityStatus: 'Warning', servicePlans: [p1, p2()] })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'quiet when one of several P2 SKUs is usable',
    snapshot: tenant()
      .sku({ skuPartNumber: 'OLD_TRIAL', capabilityStatus: 'Deleted', servicePlans: [p2()] })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'fires once for a tenant with no subscriptions at all',
    snapshot: tenant().withoutSkus().build(),
    config: {},
    now: NOW,
    expected: ['tenant'],
    status: 'noP2OrGovernanceLicence',
  },
  {
    name: 'fires when only P1 is licensed',
    snapshot: tenant()
      .withoutSkus()
      .sku({ skuPartNumber: 'AAD_PREMIUM', servicePlans: [p1] })
      .build(),
    config: {},
    now: NOW,
    expected: ['tenant'],
    status: 'noP2OrGovernanceLicence',
  },
  {
    name: 'fires when the P2 subscription is suspended',
    snapshot: tenant()
      .withoutSkus()
      .sku({ skuPartNumber: 'AAD_PREMIUM_P2', capabilityStatus: 'Suspended', servicePlans: [p2()] })
      .build(),
    config: {},
    now: NOW,
    expected: ['tenant'],
    status: 'licenceSuspended',
  },
  {
    name: 'fires when the P2 trial has ended (Deleted)',
    snapshot: tenant()
      .withoutSkus()
      .sku({ skuPartNumber: 'AAD_PREMIUM_P2', capabilityStatus: 'Deleted', servicePlans: [p2()] })
      .build(),
    config: {},
    now: NOW,
    expected: ['tenant'],
    status: 'licenceExpired',
  },
  {
    name: 'fires when the P2 service plan is switched off in an enabled bundle',
    snapshot: tenant()
      .withoutSkus()
      .sku({ skuPartNumber: 'SPE_E5', servicePlans: [p1, p2('Disabled')] })
      .build(),
    config: {},
    now: NOW,
    expected: ['tenant'],
    status: 'servicePlanNotProvisioned',
  },
  {
    name: 'the most nearly licensed case wins when several apply',
    snapshot: tenant()
      .withoutSkus()
      .sku({ skuPartNumber: 'OLD_TRIAL', capabilityStatus: 'Deleted', servicePlans: [p2()] })
      .sku({ skuPartNumber: 'SPE_E5', capabilityStatus: 'LockedOut', servicePlans: [p2()] })
      .build(),
    config: {},
    now: NOW,
    expected: ['tenant'],
    status: 'licenceSuspended',
  },
];

describe(ALERT, () => {
  it.each(cases)('$name', ({ snapshot, config, now, expected, status }) => {
    const outcome = runAlert(ALERT, snapshot, config, now);
    expect(summarize(ALERT, outcome)).toEqual(expected);
    if (status !== undefined) expect(incidentsOf(outcome)[0]!.tenantLicenseStatus).toBe(status);
  });

  it('names the SKUs that almost license the tenant as evidence', () => {
    const snapshot = tenant()
      .withoutSkus()
      .sku({
        skuId: 'e5',
        skuPartNumber: 'SPE_E5',
        capabilityStatus: 'Enabled',
        servicePlans: [p2('PendingActivation')],
      })
      .build();
    const [incident] = incidentsOf(runAlert(ALERT, snapshot));
    expect(incident).toMatchObject({ severity: 'high', tenantId: snapshot.tenantId });
    expect(incident!.evidence).toEqual([
      {
        kind: 'subscribedSku',
        id: `${snapshot.tenantId}_e5`,
        detail: 'SPE_E5 (Enabled) includes Entra ID P2 (PendingActivation)',
      },
    ]);
    expect(incident!.assigneeId).toBeUndefined();
  });

  it('keeps one fingerprint per tenant whatever the licence status', () => {
    const suspended = tenant()
      .withoutSkus()
      .sku({ capabilityStatus: 'Suspended', servicePlans: [p2()] })
      .build();
    const none = tenant().withoutSkus().build();
    const [a] = incidentsOf(runAlert(ALERT, suspended));
    const [b] = incidentsOf(runAlert(ALERT, none));
    expect(a!.fingerprint).toBe(b!.fingerprint);
    const [other] = incidentsOf(
      runAlert(ALERT, tenant({ tenantId: '11111111-2222-4333-8444-555555555555' }).withoutSkus().build()),
    );
    expect(other!.fingerprint).not.toBe(b!.fingerprint);
  });
});
