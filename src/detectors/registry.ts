import type { AlertId } from '../model/alerts.js';
import { InvalidLicenseAlert } from './alerts/invalid-license.js';
import { NoMfaOnRoleActivationAlert } from './alerts/no-mfa-on-role-activation.js';
import { RedundantAssignmentAlert } from './alerts/redundant-assignment.js';
import { RolesAssignedOutsidePimAlert } from './alerts/roles-assigned-outside-pim.js';
import { SequentialActivationRenewalsAlert } from './alerts/sequential-activation-renewals.js';
import { StaleSignInAlert } from './alerts/stale-sign-in.js';
import { TooManyGlobalAdminsAssignedToTenantAlert } from './alerts/too-many-global-admins.js';
import type { Detector } from './types.js';

/**
 * Every alert pimwatch knows, by Graph's alert id suffix, in report order. This map is the one list:
 * `AlertId`, `ALERT_IDS`, the config schema, reports, reconciliation and notifiers all derive from it,
 * so adding an alert is its module under `alerts/` plus one line here (see CONTRIBUTING.md).
 */
export const ALERT_REGISTRY = {
  TooManyGlobalAdminsAssignedToTenantAlert,
  InvalidLicenseAlert,
  NoMfaOnRoleActivationAlert,
  RedundantAssignmentAlert,
  RolesAssignedOutsidePimAlert,
  SequentialActivationRenewalsAlert,
  StaleSignInAlert,
};

/** The detectors by alert, with each one's own config type kept. */
export const DETECTORS_BY_ALERT: { readonly [Alert in AlertId]: (typeof ALERT_REGISTRY)[Alert] } =
  ALERT_REGISTRY;

/**
 * Checks that each entry sits under its own alert id: a mismatch here would silently misfile incidents.
 * Throws with every problem found.
 */
export function checkedDetectors(registry: Readonly<Record<string, Detector>>): Detector[] {
  const problems = Object.entries(registry)
    .filter(([key, detector]) => detector.meta.alert !== key)
    .map(([key, detector]) => `registry key ${key} holds the detector of ${detector.meta.alert}`);
  if (problems.length > 0)
    throw new Error(`detector registry is inconsistent:\n  - ${problems.join('\n  - ')}`);
  return Object.values(registry);
}

/** Every detector, in registry order. */
export const DETECTORS: readonly Detector[] = checkedDetectors(ALERT_REGISTRY as Record<string, Detector>);

/** Every alert id, in registry order (a tuple type so `z.enum` accepts it). */
export const ALERT_IDS = DETECTORS.map((detector) => detector.meta.alert) as [AlertId, ...AlertId[]];

export function isAlertId(value: string): value is AlertId {
  return Object.hasOwn(ALERT_REGISTRY, value);
}

/** Extracts the alert suffix from `DirectoryRole_{guid}_{suffix}`; undefined for anything else. */
export function alertIdFromGraphId(graphId: string): AlertId | undefined {
  const suffix = graphId.slice(graphId.lastIndexOf('_') + 1);
  return isAlertId(suffix) ? suffix : undefined;
}

/**
 * The detector of `alert`, from the built-in registry or from `detectors` when a caller runs with its
 * own list (a test adding a throwaway alert). Throws for an alert the list does not hold.
 */
export function detectorFor(alert: AlertId, detectors: readonly Detector[] = DETECTORS): Detector {
  const detector =
    detectors === DETECTORS
      ? (ALERT_REGISTRY as Record<string, Detector>)[alert]
      : detectors.find((d) => d.meta.alert === alert);
  if (!detector) throw new Error(`no detector for alert ${alert}`);
  return detector;
}
