import type { AlertId } from '../model/alerts.js';
import type { Exclusion } from './config-schema.js';
import { IdSet } from './id-set.js';

/**
 * Stale sign-in is the one alert a bare exclusion does not cover: break-glass accounts are the usual
 * exclusions, and one that nobody signs in to is exactly what that alert should surface.
 */
const NOT_EXCLUDED_BY_DEFAULT: readonly AlertId[] = ['StaleSignInAlert'];

export function exclusionAppliesTo(exclusion: Exclusion, alert: AlertId): boolean {
  return exclusion.alerts ? exclusion.alerts.includes(alert) : !NOT_EXCLUDED_BY_DEFAULT.includes(alert);
}

/** The principals excluded from one alert. */
export function excludedPrincipals(exclusions: readonly Exclusion[], alert: AlertId): IdSet {
  return new IdSet(exclusions.filter((e) => exclusionAppliesTo(e, alert)).map((e) => e.principalId));
}
