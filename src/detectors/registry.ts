import { ALERT_IDS, type AlertId } from '../model/alerts.js';
import * as invalidLicense from './invalid-license.js';
import * as noMfaOnRoleActivation from './no-mfa-on-role-activation.js';
import * as redundantAssignment from './redundant-assignment.js';
import * as rolesAssignedOutsidePim from './roles-assigned-outside-pim.js';
import * as sequentialActivationRenewals from './sequential-activation-renewals.js';
import * as staleSignIn from './stale-sign-in.js';
import * as tooManyGlobalAdmins from './too-many-global-admins.js';
import type { Detector } from './types.js';

/**
 * Every detector, listed by hand (no directory scanning) in `ALERT_IDS` order. Each entry names the
 * module's file so a test can check that file, export name and `meta.alert` all agree.
 */
const ENTRIES = [
  { file: 'too-many-global-admins', module: tooManyGlobalAdmins },
  { file: 'invalid-license', module: invalidLicense },
  { file: 'no-mfa-on-role-activation', module: noMfaOnRoleActivation },
  { file: 'redundant-assignment', module: redundantAssignment },
  { file: 'roles-assigned-outside-pim', module: rolesAssignedOutsidePim },
  { file: 'sequential-activation-renewals', module: sequentialActivationRenewals },
  { file: 'stale-sign-in', module: staleSignIn },
] as const;

/** The detectors by alert, with each one's own config type kept. */
export const DETECTORS_BY_ALERT = {
  TooManyGlobalAdminsAssignedToTenantAlert: tooManyGlobalAdmins.TooManyGlobalAdminsAssignedToTenantAlert,
  InvalidLicenseAlert: invalidLicense.InvalidLicenseAlert,
  NoMfaOnRoleActivationAlert: noMfaOnRoleActivation.NoMfaOnRoleActivationAlert,
  RedundantAssignmentAlert: redundantAssignment.RedundantAssignmentAlert,
  RolesAssignedOutsidePimAlert: rolesAssignedOutsidePim.RolesAssignedOutsidePimAlert,
  SequentialActivationRenewalsAlert: sequentialActivationRenewals.SequentialActivationRenewalsAlert,
  StaleSignInAlert: staleSignIn.StaleSignInAlert,
} as const satisfies Record<AlertId, Detector>;

/** A registry entry as the consistency check sees it. */
export interface RegistryEntry {
  file: string;
  module: Record<string, unknown>;
}

function isDetector(value: unknown): value is Detector {
  return (
    typeof value === 'object' &&
    value !== null &&
    'meta' in value &&
    'detect' in value &&
    typeof (value as { detect: unknown }).detect === 'function'
  );
}

/**
 * Checks that each module exports exactly one detector, under its own alert id, and that the list
 * follows `ALERT_IDS`. Throws with every problem found: a mismatch here would silently misfile incidents.
 */
export function checkedDetectors(entries: readonly RegistryEntry[]): Detector[] {
  const problems: string[] = [];
  const detectors: Detector[] = [];
  entries.forEach(({ file, module }, index) => {
    const exported = Object.entries(module).filter(([, value]) => isDetector(value));
    if (exported.length !== 1) {
      problems.push(`${file}: exports ${exported.length} detectors, expected exactly 1`);
      return;
    }
    const [exportName, detector] = exported[0]! as [string, Detector];
    if (detector.meta.alert !== exportName) {
      problems.push(`${file}: export ${exportName} declares meta.alert ${detector.meta.alert}`);
    }
    if (ALERT_IDS[index] !== detector.meta.alert) {
      problems.push(`${file}: registry position ${index} should hold ${ALERT_IDS[index] ?? 'nothing'}`);
    }
    detectors.push(detector);
  });
  if (entries.length !== ALERT_IDS.length) {
    problems.push(`registry lists ${entries.length} detectors, expected ${ALERT_IDS.length}`);
  }
  if (problems.length > 0)
    throw new Error(`detector registry is inconsistent:\n  - ${problems.join('\n  - ')}`);
  return detectors;
}

/** The seven detectors in `ALERT_IDS` order. */
export const DETECTORS: readonly Detector[] = checkedDetectors(ENTRIES);

/** The file (without extension, under `src/detectors/`) that defines each alert's detector. */
export const DETECTOR_FILES: Readonly<Record<AlertId, string>> = Object.fromEntries(
  ENTRIES.map(({ file }, index) => [DETECTORS[index]!.meta.alert, file]),
) as Record<AlertId, string>;

export function detectorFor(alert: AlertId): Detector {
  return DETECTORS_BY_ALERT[alert] as Detector;
}
