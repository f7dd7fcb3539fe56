import { alertSettings, type DetectorsConfig } from '../detectors/config-schema.js';
import { DETECTORS } from '../detectors/registry.js';
import type { Detector } from '../detectors/types.js';
import type { AlertId } from '../model/alerts.js';
import type { GraphAlertConfiguration, TenantSnapshot } from '../model/snapshot.js';
import { type ThresholdValues, thresholdsDiffer } from './threshold-values.js';

/** Where one alert's thresholds came from in this scan, and what the alternative would have been. */
export interface ThresholdProvenance {
  used: 'tenant' | 'local';
  /** Why `used` is what it is when that is not the plain default, or what else the tenant changed. */
  reason?: string;
  /** Our configured values for the alert's threshold keys. */
  local: ThresholdValues;
  /** The tenant's own values; null when its configuration is absent or could not be read. */
  tenant: ThresholdValues | null;
  /** The tenant configuration's `isEnabled`; null when unknown. */
  tenantEnabled: boolean | null;
  /** Local and tenant values disagree (false when there is no tenant value to compare with). */
  differs: boolean;
}

export type ThresholdProvenanceByAlert = Record<AlertId, ThresholdProvenance>;

export interface EffectiveDetectorsConfig {
  /** The settings the detectors must run with. */
  config: DetectorsConfig;
  provenance: ThresholdProvenanceByAlert;
}

type AlertSettings = Record<string, unknown>;

function pick(settings: AlertSettings, keys: readonly string[]): ThresholdValues {
  const values: ThresholdValues = {};
  for (const key of keys) {
    const value = settings[key];
    if (typeof value === 'string' || typeof value === 'number') values[key] = value;
  }
  return values;
}

/**
 * Graph sends Int32 thresholds as JSON numbers, but a number written as a string (as Graph's own docs
 * do for `isEnabled`) is the same value; anything else is left for the detector's schema to judge.
 */
function convertTenantValue(tenantValue: string | number, localValue: unknown): string | number {
  if (typeof localValue === 'number' && typeof tenantValue === 'string') {
    const trimmed = tenantValue.trim();
    const n = Number(trimmed);
    if (trimmed !== '' && Number.isFinite(n)) return n;
  }
  return tenantValue;
}

type TenantReading =
  | { status: 'unavailable'; reason: string }
  | { status: 'absent'; reason: string }
  | { status: 'read'; configuration: GraphAlertConfiguration };

function readTenantConfiguration(snapshot: TenantSnapshot, alert: AlertId): TenantReading {
  const source = snapshot.sources.alertConfigurations;
  if (source?.status === 'failed') {
    return {
      status: 'unavailable',
      reason: `the tenant's alert configurations could not be read (${source.cause ?? 'no cause recorded'}); local thresholds used`,
    };
  }
  const configuration = snapshot.graphAlerts.configurations.get(alert);
  if (!configuration) {
    return {
      status: 'absent',
      reason: 'the tenant has no configuration for this alert; local thresholds used',
    };
  }
  return { status: 'read', configuration };
}

/**
 * The tenant's values merged into our settings and checked against the detector's own schema, so a
 * value our detector cannot use (a negative count, a duration in months) never reaches it.
 */
function tenantSettings(
  detector: Detector,
  local: AlertSettings,
  keys: readonly string[],
  tenant: ThresholdValues,
): { ok: true; settings: AlertSettings } | { ok: false; problem: string } {
  const missing = keys.filter((key) => tenant[key] === undefined);
  if (missing.length > 0) {
    // Absent is not zero: a configuration without the value says nothing about it.
    return { ok: false, problem: `the tenant's configuration has no ${missing.join(', ')}` };
  }
  const candidate: AlertSettings = { ...local };
  for (const key of keys) candidate[key] = convertTenantValue(tenant[key]!, local[key]);
  const parsed = detector.config.safeParse(candidate);
  if (parsed.success) return { ok: true, settings: parsed.data as AlertSettings };
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    return `${key} ${JSON.stringify(tenant[key])}: ${issue.message}`;
  });
  return { ok: false, problem: `the tenant's ${problems.join('; ')}` };
}

const TENANT_DISABLED = "the tenant switched PIM's alert off (isEnabled: false), so our detector is off too";

/**
 * Works out the thresholds each detector runs with. With `thresholds: tenant` (the default) every
 * alert takes the tenant's own `alertConfigurations` values, and an alert the tenant switched off is
 * switched off here too; an alert whose configuration is absent, unreadable or unusable keeps our
 * local values, and says why. With `thresholds: local` the settings are returned unchanged. Either
 * way the provenance shows both sides, so a report can put them next to each other.
 */
export function effectiveDetectorsConfig({
  local,
  snapshot,
  alerts = DETECTORS,
}: {
  local: DetectorsConfig;
  snapshot: TenantSnapshot;
  /** The alert registry. @defaultValue the built-in one */
  alerts?: readonly Detector[];
}): EffectiveDetectorsConfig {
  const config: Record<string, unknown> = { ...local };
  const provenance = {} as ThresholdProvenanceByAlert;
  for (const detector of alerts) {
    const alert = detector.meta.alert;
    const keys = detector.meta.thresholdKeys as readonly string[];
    const localSettings = alertSettings(local, detector) as AlertSettings;
    const localValues = pick(localSettings, keys);
    const reading = readTenantConfiguration(snapshot, alert);
    if (reading.status !== 'read') {
      provenance[alert] = {
        used: 'local',
        reason: reading.reason,
        local: localValues,
        tenant: null,
        tenantEnabled: null,
        differs: false,
      };
      continue;
    }
    const tenantValues = pick(reading.configuration.thresholds, keys);
    const tenantEnabled = reading.configuration.isEnabled;
    const base = {
      local: localValues,
      tenant: tenantValues,
      tenantEnabled,
      differs: thresholdsDiffer(localValues, tenantValues),
    };
    if (local.thresholds === 'local') {
      provenance[alert] = { ...base, used: 'local', reason: 'the configuration says thresholds: local' };
      continue;
    }
    const merged = tenantSettings(detector, localSettings, keys, tenantValues);
    const disabledByTenant = tenantEnabled === false;
    const settings = merged.ok ? merged.settings : { ...localSettings };
    if (disabledByTenant) settings.enabled = false;
    config[alert] = settings;
    const reasons = [
      ...(merged.ok ? [] : [`${merged.problem}; local thresholds used`]),
      ...(disabledByTenant ? [TENANT_DISABLED] : []),
    ];
    provenance[alert] = {
      ...base,
      used: merged.ok ? 'tenant' : 'local',
      ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
    };
  }
  return { config: config as DetectorsConfig, provenance };
}

/** Whether our detector for this alert is off because the tenant switched PIM's alert off. */
export function disabledByTenant(config: DetectorsConfig, provenance: ThresholdProvenance): boolean {
  return config.thresholds === 'tenant' && provenance.tenantEnabled === false;
}
