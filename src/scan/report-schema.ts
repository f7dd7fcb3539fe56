import { z } from 'zod';
import { ALERT_IDS, SEVERITIES } from '../model/alerts.js';
import { INCIDENT_STATES, REASON_CODES } from '../model/lifecycle.js';
import { SOURCE_NAMES } from '../model/snapshot.js';

/**
 * The scan report (`scan --format json`, the API's scan results) as a strict schema: the TypeScript
 * types derive from it and `schemas/scan-report.v1.schema.json` is generated from it, so a field the
 * code adds without adding it here fails the tests that validate real reports.
 */

const isoTime = z.string().describe('ISO-8601 date and time, UTC');

export const evidenceSchema = z
  .object({
    kind: z.enum([
      'grant',
      'group',
      'scheduleRequest',
      'auditRecord',
      'subscribedSku',
      'policy',
      'signInActivity',
      'metric',
    ]),
    /** The Graph object's id. */
    id: z.string(),
    /** A short reading for people, e.g. `via group Tier0 Admins`. */
    detail: z.string().optional(),
  })
  .strict();

/** The incident fields named as in Graph's incident types; absent when the alert has no such field. */
export const incidentFieldsSchema = z
  .object({
    assigneeId: z.string().optional(),
    assigneeType: z.enum(['user', 'group', 'servicePrincipal', 'unknown']).optional(),
    assigneeDisplayName: z.string().nullable().optional(),
    assigneeUserPrincipalName: z.string().nullable().optional(),
    roleTemplateId: z.string().optional(),
    roleDefinitionId: z.string().optional(),
    roleDisplayName: z.string().nullable().optional(),
    assignmentCreatedDateTime: isoTime.nullable().optional(),
    lastSignInDateTime: isoTime.nullable().optional(),
    lastActivationDateTime: isoTime.nullable().optional(),
    activationCount: z.number().int().optional(),
    sequenceStartDateTime: isoTime.optional(),
    sequenceEndDateTime: isoTime.nullable().optional(),
    tenantLicenseStatus: z.string().optional(),
    evidence: z.array(evidenceSchema),
  })
  .strict();

/** Where one alert's activation history came from, and what that source could not hold. */
export const alertHistoryReportSchema = z
  .object({
    source: z.enum(['scheduleRequests', 'auditLog']).nullable(),
    /** Why, when it is not the schedule requests: `scheduleRequests: 403 Authorization_RequestDenied, using the audit log`. */
    reason: z.string().optional(),
    /** What the audit log's retention means for this alert's window. */
    notes: z.array(z.string()).optional(),
  })
  .strict();

/** The scan-wide view: a scan whose history came from the audit log is degraded, not partial. */
export const activationHistoryReportSchema = z
  .object({
    source: z.enum(['scheduleRequests', 'auditLog']).nullable(),
    reason: z.string().optional(),
    /** The oldest instant the source can hold (the audit log's retention edge). */
    coversFrom: isoTime.optional(),
    degraded: z.boolean(),
  })
  .strict();

export const detectorReportSchema = z
  .object({
    status: z.enum(['ok', 'unknown', 'disabled']),
    cause: z.string().optional(),
    thresholds: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    incidents: z.number().int(),
    unknownItems: z.array(z.object({ subject: z.string(), cause: z.string() }).strict()).optional(),
    metrics: z.record(z.string(), z.number()).optional(),
    /** Alerts that read activation history: which source fed them, why, and what it could not hold. */
    activationHistory: alertHistoryReportSchema.optional(),
  })
  .strict();

const thresholdValuesSchema = z.record(z.string(), z.union([z.string(), z.number()]));

export const sourceReportSchema = z
  .object({
    /** `replaced`: refused, and a fallback source read the same facts (activation history). */
    status: z.enum(['ok', 'failed', 'skipped', 'replaced']),
    /** Logical Graph requests made for this source. */
    requests: z.number().int(),
    /** Objects read. */
    items: z.number().int(),
    /** Why it failed: the Graph path, HTTP status and Graph error code. */
    cause: z.string().optional(),
  })
  .strict();

/** An object of whole-number counts, in the order given. */
function counts<Key extends string>(...keys: Key[]) {
  const shape = Object.fromEntries(keys.map((key) => [key, z.number().int()])) as Record<Key, z.ZodNumber>;
  return z.object(shape).strict();
}

/** The whole report, from its alert-dependent parts. */
function scanReportSchemaOf<
  Alert extends z.ZodEnum,
  Incident extends z.ZodType,
  Row extends z.ZodType,
  Hold extends z.ZodType,
>(alert: Alert, reportIncidentSchema: Incident, thresholdRowSchema: Row, lifecycleHoldSchema: Hold) {
  return z
    .object({
      tenantId: z.string(),
      tenantName: z.string(),
      scanId: z.string(),
      /** The detectors' clock (`--now`). */
      scannedAt: isoTime,
      startedAt: isoTime,
      finishedAt: isoTime,
      /** False when a Graph source failed: the scan is partial and resolves nothing it could not see. */
      complete: z.boolean(),
      /**
       * Complete, but on a fallback: activation history came from PIM's audit records (30 days) instead of
       * the schedule requests. Not partial: nothing failed that the scan needed.
       */
      degraded: z.boolean(),
      activationHistory: activationHistoryReportSchema,
      sources: z.record(z.enum(SOURCE_NAMES), sourceReportSchema),
      graphRequests: counts('http', 'logical', 'throttled', 'retried'),
      detectors: z.record(alert, detectorReportSchema),
      /** Per alert: our thresholds, the tenant's, and which were used. */
      thresholds: z.array(thresholdRowSchema),
      /** Transitions a partial scan held back, per alert, and why (empty after a complete scan). */
      lifecycleHolds: z.array(lifecycleHoldSchema),
      incidents: z.array(reportIncidentSchema),
      /** Transitions this scan caused, suppressed ones included. */
      transitions: counts('opened', 'resolved', 'reopened', 'suppressed'),
    })
    .strict();
}

/**
 * The report's alert-dependent parts, for a given list of alert ids: the built-in registry's below, or
 * a registry a caller runs with (the "add an alert" test validates a report with a throwaway alert).
 */
export function scanReportSchemasFor<Ids extends [string, ...string[]]>(alertIds: Ids) {
  const alert = z.enum(alertIds);
  /** One incident line of a report: ours (with its comparison and lifecycle) or PIM's alone. */
  const reportIncidentSchema = incidentFieldsSchema
    .extend({
      alert: alert,
      severity: z.enum(SEVERITIES),
      fingerprint: z.string(),
      classification: z.enum(['both', 'oursOnly', 'graphOnly']),
      reason: z.enum(REASON_CODES).optional(),
      /** What the reason rests on, in words. */
      reasonDetail: z.string().optional(),
      graphIncidentId: z.string().optional(),
      /** Lifecycle state after this scan; absent for incidents only PIM reports. */
      state: z.enum(INCIDENT_STATES).optional(),
      firstSeen: isoTime.optional(),
      suppressed: z
        .object({ reason: z.string(), author: z.string(), expiresAt: isoTime })
        .strict()
        .optional(),
    })
    .strict();

  const thresholdRowSchema = z
    .object({
      alert: alert,
      used: z.enum(['tenant', 'local']),
      ours: thresholdValuesSchema,
      /** Null when the tenant's configuration is absent or could not be read. */
      tenant: thresholdValuesSchema.nullable(),
      tenantEnabled: z.boolean().nullable(),
      differs: z.boolean(),
      reason: z.string().nullable(),
    })
    .strict();

  /** Transitions a partial scan held back for one alert, and why. */
  const lifecycleHoldSchema = z
    .object({
      alert: alert,
      /** Absent incidents of this alert were not resolved. */
      resolve: z.boolean(),
      /** Incidents of this alert that PIM does not report too were neither opened nor reopened. */
      open: z.boolean(),
      reason: z.string(),
    })
    .strict();

  const scanReportSchema = scanReportSchemaOf(
    alert,
    reportIncidentSchema,
    thresholdRowSchema,
    lifecycleHoldSchema,
  );

  return { reportIncidentSchema, thresholdRowSchema, lifecycleHoldSchema, scanReportSchema };
}

const BUILT_IN = scanReportSchemasFor(ALERT_IDS);
/** One incident line of a report: ours (with its comparison and lifecycle) or PIM's alone. */
export const reportIncidentSchema = BUILT_IN.reportIncidentSchema;
export const thresholdRowSchema = BUILT_IN.thresholdRowSchema;
/** Transitions a partial scan held back for one alert, and why. */
export const lifecycleHoldSchema = BUILT_IN.lifecycleHoldSchema;
export const scanReportSchema = BUILT_IN.scanReportSchema;
