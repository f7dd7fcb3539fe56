import { type DetectorsConfigInput, detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { runDetectors } from '../../src/detectors/run.js';
import { PIM_ALERT_IDS, type PimAlertId } from '../../src/model/alerts.js';
import type { Incident } from '../../src/model/incident.js';
import type { GraphIncident, TenantSnapshot } from '../../src/model/snapshot.js';
import { type Reconciliation, reconcile } from '../../src/reconcile/classify.js';
import { effectiveDetectorsConfig } from '../../src/reconcile/thresholds.js';
import { incidentKey } from '../support/detector-harness.js';
import { NOW, nameOf, roleNameOf, type SnapshotBuilder } from '../support/snapshot-factory.js';

/** The values a fresh tenant's PIM shows (and our defaults mirror). */
export const DEFAULT_TENANT_THRESHOLDS: Record<PimAlertId, Record<string, string | number>> = {
  TooManyGlobalAdminsAssignedToTenantAlert: {
    globalAdminCountThreshold: 3,
    percentageOfGlobalAdminsOutOfRolesThreshold: 10,
  },
  InvalidLicenseAlert: {},
  NoMfaOnRoleActivationAlert: {},
  RedundantAssignmentAlert: { duration: 'P30D' },
  RolesAssignedOutsidePimAlert: {},
  SequentialActivationRenewalsAlert: {
    timeIntervalBetweenActivations: 'PT10S',
    sequentialActivationCounterThreshold: 3,
  },
  StaleSignInAlert: { duration: 'P30D' },
};

/**
 * Gives the tenant PIM's side as a fresh tenant has it: every alert configured with the default
 * thresholds, enabled, scanned at `now`, with no incidents. Call it before adding PIM's incidents.
 */
export function withPim(builder: SnapshotBuilder): SnapshotBuilder {
  for (const alert of PIM_ALERT_IDS) {
    builder
      .graphDefinition(alert, { isRemediatable: alert !== 'InvalidLicenseAlert' })
      .graphConfiguration(alert, { thresholds: { ...DEFAULT_TENANT_THRESHOLDS[alert] } })
      .graphAlert(alert, []);
  }
  return builder;
}

export interface ScanOptions {
  now?: Date;
  graphScanMaxAge?: string;
}

/** Thresholds, detectors and reconciliation over one snapshot, as a scan runs them. */
export function reconcileScan(
  snapshot: TenantSnapshot,
  local: DetectorsConfigInput = {},
  options: ScanOptions = {},
): Reconciliation {
  const now = options.now ?? NOW;
  const { config, provenance } = effectiveDetectorsConfig({
    local: detectorsConfigSchema.parse(local),
    snapshot,
  });
  const outcomes = runDetectors({ snapshot, config, now });
  return reconcile({
    snapshot,
    outcomes,
    config,
    provenance,
    now,
    ...(options.graphScanMaxAge ? { graphScanMaxAge: options.graphScanMaxAge } : {}),
  });
}

/** PIM's incident as a readable key, like `incidentKey` for ours (`alice @ globalAdmin`). */
export function graphIncidentKey(incident: GraphIncident): string {
  const principal = incident.assigneeId ? (nameOf(incident.assigneeId) ?? incident.assigneeId) : '';
  const roleId = incident.roleTemplateId ?? incident.roleDefinitionId;
  const role = roleId ? (roleNameOf(roleId) ?? roleId) : '';
  if (principal && role) return `${principal} @ ${role}`;
  if (principal) return principal;
  if (role) return `@ ${role}`;
  return 'tenant';
}

/** One alert's reconciliation reduced to what tables compare: `key: classification[/reason]`, sorted. */
export function verdicts(result: Reconciliation, alert: PimAlertId): string[] {
  const ours = result.incidents
    .filter((i) => i.alert === alert)
    .map((i) => `${incidentKey(i)}: ${i.classification}${i.reason ? `/${i.reason}` : ''}`);
  const theirs = result.graphOnly
    .filter((i) => i.alert === alert)
    .map((i) => `${graphIncidentKey(i.graph)}: graphOnly/${i.reason}`);
  return [...ours, ...theirs].sort();
}

/**
 * PIM's view of our incidents: the same identity in Graph's incident fields. Ids are upper-cased and
 * roles are named the way each incident type names them, so matching has to ignore case and shape.
 */
export function mirrorInGraph(incidents: readonly Incident[]): Partial<GraphIncident>[] {
  return incidents.map((incident, index) => {
    const upper = (id: string | undefined) => id?.toUpperCase() ?? null;
    const base: Partial<GraphIncident> = { id: `pim-${incident.alert}-${index}` };
    switch (incident.alert) {
      case 'TooManyGlobalAdminsAssignedToTenantAlert':
        return { ...base, assigneeId: upper(incident.assigneeId) };
      case 'InvalidLicenseAlert':
        return { ...base, tenantLicenseStatus: 'somethingPimSays' };
      case 'NoMfaOnRoleActivationAlert':
        return { ...base, roleTemplateId: upper(incident.roleTemplateId) };
      case 'StaleSignInAlert':
        // Only the definition id: Graph may name the role either way.
        return {
          ...base,
          assigneeId: upper(incident.assigneeId),
          roleDefinitionId: upper(incident.roleDefinitionId),
        };
      case 'SequentialActivationRenewalsAlert':
        return {
          ...base,
          assigneeId: upper(incident.assigneeId),
          roleTemplateId: upper(incident.roleTemplateId),
          sequenceStartDateTime: incident.sequenceStartDateTime ?? null,
          sequenceEndDateTime: incident.sequenceEndDateTime ?? null,
          activationCount: incident.activationCount ?? null,
        };
      default:
        return {
          ...base,
          assigneeId: upper(incident.assigneeId),
          roleTemplateId: upper(incident.roleTemplateId),
          roleDefinitionId: upper(incident.roleDefinitionId),
        };
    }
  });
}
