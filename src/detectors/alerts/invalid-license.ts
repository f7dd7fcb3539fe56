import type { z } from 'zod';
import type { Evidence } from '../../model/incident.js';
import type { SubscribedSku } from '../../model/snapshot.js';
import { entraUrl } from '../entra-links.js';
import { incidentIdentity } from '../incident-fields.js';
import { applyMitigationSteps } from '../remediation.js';
import { detectorSettings } from '../settings.js';
import { type Detector, type DetectorMeta, defineDetector } from '../types.js';

/** Service plans that license PIM: Entra ID P2 and Entra ID Governance. */
export const PIM_SERVICE_PLAN_IDS: Readonly<Record<string, string>> = {
  'eec0eb4f-6444-4f95-aba0-50c24d67f998': 'Entra ID P2',
  'e866a266-3cff-43a3-acca-0c90a7e00c8b': 'Entra ID Governance',
};

/** SKU states in which the tenant may still use what the SKU contains. */
const USABLE_SKU_STATES = new Set(['enabled', 'warning']);
/** SKU states after a subscription lapsed or was locked, before it disappears. */
const SUSPENDED_SKU_STATES = new Set(['suspended', 'lockedout']);

/**
 * The values pimwatch puts in `tenantLicenseStatus`, from the most nearly licensed case to the least:
 * - `servicePlanNotProvisioned`: a usable SKU contains P2 or Governance, but that plan is not `Success`
 *   (disabled by an admin, or still pending activation).
 * - `licenceSuspended`: the only SKUs containing P2 or Governance are `Suspended` or `LockedOut`.
 * - `licenceExpired`: the only SKUs containing P2 or Governance are `Deleted` (e.g. an ended trial).
 * - `noP2OrGovernanceLicence`: no subscribed SKU contains P2 or Governance at all.
 */
export const TENANT_LICENSE_STATUSES = [
  'servicePlanNotProvisioned',
  'licenceSuspended',
  'licenceExpired',
  'noP2OrGovernanceLicence',
] as const;
export type TenantLicenseStatus = (typeof TENANT_LICENSE_STATUSES)[number];

const config = detectorSettings({});

const meta: DetectorMeta<z.output<typeof config>> = {
  alert: 'InvalidLicenseAlert',
  title: 'Tenant is not licensed for Privileged Identity Management',
  severity: 'high',
  description:
    'No active subscription gives the tenant Microsoft Entra ID P2 or Microsoft Entra ID Governance. Without ' +
    'one, PIM stops working: eligible administrators cannot activate, and its settings may be removed.',
  mitigation: [
    'Check in the Microsoft 365 admin center whether a P2, Governance or bundle subscription (such as E5) lapsed, was suspended or never started.',
    'Renew or buy a subscription that includes Entra ID P2 or Entra ID Governance, and make sure its service plan is switched on.',
    'Scan again once the subscription shows as active.',
  ],
  sources: ['subscribedSkus'],
  graphConfigurationType: '#microsoft.graph.invalidLicenseAlertConfiguration',
  thresholdKeys: [],
  matchBy: 'tenant',
  // A licensing state, not adversary behaviour: no technique.
  attack: [],
  remediation: {
    pim: applyMitigationSteps,
    links: (tenantId) => [
      {
        title: 'Licences: all products',
        url: entraUrl(tenantId, 'Microsoft_AAD_IAM/LicensesMenuBlade/~/Products'),
      },
    ],
  },
};

/** A SKU that contains a PIM-licensing plan which does not count. */
export interface LicenceFinding {
  sku: SubscribedSku;
  planName: string;
  planStatus: string;
}

/** Why the tenant is unlicensed, with the SKUs that show it; undefined when it is licensed. */
export function tenantLicenseProblem(
  skus: readonly SubscribedSku[],
): { status: TenantLicenseStatus; skus: LicenceFinding[] } | undefined {
  const found: Record<TenantLicenseStatus, LicenceFinding[]> = {
    servicePlanNotProvisioned: [],
    licenceSuspended: [],
    licenceExpired: [],
    noP2OrGovernanceLicence: [],
  };
  for (const sku of skus) {
    const skuState = sku.capabilityStatus.toLowerCase();
    for (const plan of sku.servicePlans) {
      const planName = PIM_SERVICE_PLAN_IDS[plan.servicePlanId.toLowerCase()];
      if (planName === undefined) continue;
      if (USABLE_SKU_STATES.has(skuState)) {
        if (plan.provisioningStatus.toLowerCase() === 'success') return undefined;
        found.servicePlanNotProvisioned.push({ sku, planName, planStatus: plan.provisioningStatus });
      } else if (SUSPENDED_SKU_STATES.has(skuState)) {
        found.licenceSuspended.push({ sku, planName, planStatus: plan.provisioningStatus });
      } else {
        found.licenceExpired.push({ sku, planName, planStatus: plan.provisioningStatus });
      }
    }
  }
  const status = TENANT_LICENSE_STATUSES.find((candidate) => found[candidate].length > 0);
  return status ? { status, skus: found[status] } : { status: 'noP2OrGovernanceLicence', skus: [] };
}

/**
 * The tenant lacks the licence PIM needs.
 *
 * - fires (one incident for the tenant): no subscribed SKU in state `Enabled` or `Warning` has the Entra
 *   ID P2 or Entra ID Governance service plan with provisioning status `Success`. `tenantLicenseStatus`
 *   says which case it is (see {@link TENANT_LICENSE_STATUSES}).
 * - quiet: at least one such SKU and plan exist.
 * - unknown: subscribed SKUs could not be read.
 */
export const InvalidLicenseAlert: Detector<typeof config> = defineDetector({
  meta,
  config,
  detect({ snapshot }) {
    const problem = tenantLicenseProblem(snapshot.skus);
    const metrics = { subscribedSkus: snapshot.skus.length };
    if (!problem) return { status: 'ok', incidents: [], metrics };
    const evidence: Evidence[] = problem.skus.map(({ sku, planName, planStatus }) => ({
      kind: 'subscribedSku',
      id: sku.id,
      detail: `${sku.skuPartNumber} (${sku.capabilityStatus}) includes ${planName} (${planStatus})`,
    }));
    if (evidence.length === 0) {
      evidence.push({
        kind: 'metric',
        id: 'subscribedSkus',
        detail: `${snapshot.skus.length} subscribed SKUs, none with Entra ID P2 or Entra ID Governance`,
      });
    }
    return {
      status: 'ok',
      incidents: [
        {
          ...incidentIdentity(snapshot, meta.alert, meta.severity, {}),
          tenantLicenseStatus: problem.status,
          evidence,
        },
      ],
      metrics,
    };
  },
  keyDates: (incident) => incident.tenantLicenseStatus ?? '',
});
