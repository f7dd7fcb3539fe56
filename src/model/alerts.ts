/**
 * The seven PIM security alerts for Microsoft Entra roles, named by Graph's alert definition id suffix
 * (`DirectoryRole_{tenantId}_{suffix}`). Severities are Graph's `severityLevel` values.
 */
export const ALERT_IDS = [
  'TooManyGlobalAdminsAssignedToTenantAlert',
  'InvalidLicenseAlert',
  'NoMfaOnRoleActivationAlert',
  'RedundantAssignmentAlert',
  'RolesAssignedOutsidePimAlert',
  'SequentialActivationRenewalsAlert',
  'StaleSignInAlert',
] as const;

export type AlertId = (typeof ALERT_IDS)[number];

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Orders severities so `--fail-on` and routing rules can compare them. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isAlertId(value: string): value is AlertId {
  return (ALERT_IDS as readonly string[]).includes(value);
}

/** Graph's alert, definition and configuration ids all share this form. */
export function graphAlertObjectId(tenantId: string, alert: AlertId): string {
  return `DirectoryRole_${tenantId}_${alert}`;
}

/** Extracts the alert suffix from `DirectoryRole_{guid}_{suffix}`; undefined for anything else. */
export function alertIdFromGraphId(graphId: string): AlertId | undefined {
  const suffix = graphId.slice(graphId.lastIndexOf('_') + 1);
  return isAlertId(suffix) ? suffix : undefined;
}

/** Global Administrator's role template id (the same in every tenant). */
export const GLOBAL_ADMIN_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';
