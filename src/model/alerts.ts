import type { ALERT_REGISTRY } from '../detectors/registry.js';

/**
 * PIM's security alerts for Microsoft Entra roles, named by Graph's alert definition id suffix
 * (`DirectoryRole_{tenantId}_{suffix}`). The list is the detector registry's keys: an alert exists by
 * having a module there, so nothing here needs editing when one is added. Severities are Graph's
 * `severityLevel` values.
 */
export type AlertId = keyof typeof ALERT_REGISTRY;

// The runtime list lives with the registry; it is re-exported here for the many readers of the model.
// No module the registry loads imports these at run time, so this adds no import cycle.
export { ALERT_IDS, alertIdFromGraphId, isAlertId } from '../detectors/registry.js';
export { GLOBAL_ADMIN_TEMPLATE_ID } from './roles.js';

/**
 * The alerts PIM itself defines for Microsoft Entra roles: Microsoft's list, not ours. The fixtures and
 * the emulator play PIM's side, so their tables are keyed by exactly these, and adding an alert of
 * pimwatch's own to the registry asks nothing of them. The built-in registry covers every one (a test
 * checks it).
 */
export const PIM_ALERT_IDS = [
  'TooManyGlobalAdminsAssignedToTenantAlert',
  'InvalidLicenseAlert',
  'NoMfaOnRoleActivationAlert',
  'RedundantAssignmentAlert',
  'RolesAssignedOutsidePimAlert',
  'SequentialActivationRenewalsAlert',
  'StaleSignInAlert',
] as const satisfies readonly AlertId[];
export type PimAlertId = (typeof PIM_ALERT_IDS)[number];

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Orders severities so `--fail-on` and routing rules can compare them. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** Graph's alert, definition and configuration ids all share this form. */
export function graphAlertObjectId(tenantId: string, alert: AlertId): string {
  return `DirectoryRole_${tenantId}_${alert}`;
}
