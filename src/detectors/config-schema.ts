import { z } from 'zod';
import { ALERT_IDS, type AlertId } from '../model/alerts.js';
import { durationMs } from '../util/iso-duration.js';
import { type ALERT_REGISTRY, DETECTORS } from './registry.js';
import type { Detector, DetectorConfigSchema } from './types.js';

/**
 * Detector settings: the `detectors` section of the config (and, through `detectorsOverrideSchema`, of
 * each tenant). Each detector's own settings schema lives in its module; this file composes them.
 */

export const exclusionSchema = z
  .object({
    principalId: z.guid('must be the object id (a GUID) of a user, group or service principal').meta({
      description:
        'Object id of the user, group or service principal to leave out (e.g. a break-glass account).',
    }),
    reason: z
      .string()
      .trim()
      .min(1, 'say why this principal is excluded')
      .meta({ description: 'Why; shown in reports so an exclusion never hides anything silently.' }),
    alerts: z.array(z.enum(ALERT_IDS)).min(1).optional().meta({
      description: 'Alerts the exclusion applies to. Default: every alert except `StaleSignInAlert`.',
    }),
  })
  .strict();
export type Exclusion = z.infer<typeof exclusionSchema>;

const thresholdsSource = z.enum(['tenant', 'local']);
/** Role template ids; replaces Graph's `isPrivileged` set. */
const privilegedRoles = z.array(z.guid('must be a role template id (a GUID)')).min(1);

/** Each alert's own settings schema, typed per alert. */
type AlertConfigSchemas = { [Alert in AlertId]: (typeof ALERT_REGISTRY)[Alert]['config'] };

/** Every alert's settings under its id, defaults filled in: built from the registry, so never listed here. */
const alertSettingsShape = Object.fromEntries(
  DETECTORS.map((detector) => [
    detector.meta.alert,
    detector.config.prefault({}).meta({ description: `Settings of "${detector.meta.title}".` }),
  ]),
) as { [Alert in AlertId]: z.ZodPrefault<AlertConfigSchemas[Alert]> };

export const detectorsConfigSchema = z
  .object({
    thresholds: thresholdsSource.default('tenant').meta({
      description:
        "Where thresholds come from: `tenant` uses each alert's configuration in the tenant's PIM (falling back to the values below when it cannot be read); `local` always uses the values below.",
    }),
    privilegedRoles: privilegedRoles.optional().meta({
      description: "Role template ids to treat as privileged instead of Graph's `isPrivileged` roles.",
    }),
    exclusions: z
      .array(exclusionSchema)
      .default([])
      .meta({ description: 'Principals left out of incidents and counts.' }),
    ...alertSettingsShape,
  })
  .strict();
export type DetectorsConfig = z.output<typeof detectorsConfigSchema>;

/**
 * How far back the directory audit log is read: once for every alert that uses it, as far back as the
 * furthest of them looks (0 when none does).
 */
export function auditLookBackMs(config: DetectorsConfig, alerts: readonly Detector[] = DETECTORS): number {
  const windows = alerts.flatMap((detector) => {
    const key = detector.meta.auditLogWindowKey;
    const value =
      key === undefined ? undefined : (alertSettings(config, detector) as Record<string, unknown>)[key];
    return typeof value === 'string' ? [durationMs(value)] : [];
  });
  return Math.max(0, ...windows);
}

/**
 * One alert's settings: the configured ones, or its schema's defaults for an alert the config does not
 * know (a registry given at run time, as the "add an alert" test does).
 */
export function alertSettings(config: DetectorsConfig, detector: Detector): z.output<DetectorConfigSchema> {
  const configured = (config as unknown as Partial<Record<string, z.output<DetectorConfigSchema>>>)[
    detector.meta.alert
  ];
  return configured ?? detector.config.parse({});
}
export type DetectorsConfigInput = z.input<typeof detectorsConfigSchema>;

type WithoutDefault<T> =
  T extends z.ZodDefault<infer Inner> ? Inner : T extends z.ZodPrefault<infer Inner> ? Inner : T;
type OverrideShape<Shape extends z.ZodRawShape> = {
  [K in keyof Shape]: z.ZodOptional<WithoutDefault<Shape[K]>>;
};

/** The same object with every key optional and no defaults, so an override only says what it changes. */
function overrideOf<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
): z.ZodObject<OverrideShape<Shape>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const inner = field instanceof z.ZodDefault || field instanceof z.ZodPrefault ? field.unwrap() : field;
    shape[key] = (inner as z.ZodType).optional();
  }
  return z.object(shape).strict() as unknown as z.ZodObject<OverrideShape<Shape>>;
}

/** Every alert's override under its id, built from the registry like `alertSettingsShape`. */
const alertOverridesShape = Object.fromEntries(
  DETECTORS.map((detector) => [detector.meta.alert, overrideOf(detector.config).optional()]),
) as {
  [Alert in AlertId]: z.ZodOptional<ReturnType<typeof overrideOf<AlertConfigSchemas[Alert]['shape']>>>;
};

/** Per-tenant detector settings: the same keys as `detectorsConfigSchema`, all optional, no defaults. */
export const detectorsOverrideSchema = z
  .object({
    thresholds: thresholdsSource.optional(),
    privilegedRoles: privilegedRoles.optional(),
    /** Added to the top-level exclusions. */
    exclusions: z.array(exclusionSchema).optional(),
    ...alertOverridesShape,
  })
  .strict();
export type DetectorsOverride = z.output<typeof detectorsOverrideSchema>;

function definedEntries(value: object | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined));
}

/**
 * A tenant's effective detector settings: the override's keys win one by one, per alert too; its
 * exclusions are added to the base ones; `privilegedRoles` is replaced as a whole.
 */
export function mergeDetectorsConfig(
  base: DetectorsConfig,
  override: DetectorsOverride | undefined,
): DetectorsConfig {
  if (!override) return base;
  const { exclusions, ...rest } = definedEntries(override) as DetectorsOverride;
  const merged: Record<string, unknown> = { ...base, ...rest };
  for (const alert of ALERT_IDS satisfies readonly AlertId[]) {
    merged[alert] = { ...base[alert], ...definedEntries(override[alert]) };
  }
  merged.exclusions = [...base.exclusions, ...(exclusions ?? [])];
  return detectorsConfigSchema.parse(merged);
}
