import { z } from 'zod';
import { detectorFor } from '../detectors/registry.js';
import { ALERT_IDS, SEVERITIES } from '../model/alerts.js';
import { REASON_CODES, type Transition, type TransitionType } from '../model/lifecycle.js';
import { incidentFieldsSchema } from '../scan/report-schema.js';
import { ATTACK_TECHNIQUES, type AttackTechniqueId } from './attack.js';
import { alertTitle, type RenderContext, reasonDetailOf } from './incident-text.js';
import { transitionLinks } from './links.js';

/**
 * The SOC feed's event: one per transition, the same in the pull API and the signed webhook. The shape
 * is a contract with SIEM parsers, published as `schemas/feed-event.v1.schema.json` (generated from
 * `feedEventSchema`); the README's "Schemas and compatibility" says what a version may change.
 */

export const FEED_SCHEMA_VERSION = '1.0';

export const feedEventTypeSchema = z.enum(['incident.opened', 'incident.resolved', 'incident.reopened']);
export type FeedEventType = `incident.${TransitionType}` & z.output<typeof feedEventTypeSchema>;

/** The incident's fields, named as in Graph's incident types; absent when the alert has no such field. */
export const feedIncidentSchema = incidentFieldsSchema.extend({ fingerprint: z.string() }).strict();
export type FeedIncident = z.output<typeof feedIncidentSchema>;

export const feedEventSchema = z
  .object({
    schemaVersion: z.literal(FEED_SCHEMA_VERSION),
    /** The same for every delivery of one transition: receivers deduplicate on it. */
    eventId: z.string(),
    type: feedEventTypeSchema,
    /** When the scan that caused the change ran (ISO-8601, UTC). */
    time: z.string(),
    tenantId: z.string(),
    tenantName: z.string(),
    scanId: z.string(),
    /** Graph's alert definition id suffix, e.g. `RolesAssignedOutsidePimAlert`. */
    alert: z.enum(ALERT_IDS),
    alertTitle: z.string(),
    severity: z.enum(SEVERITIES),
    /** `both`: PIM reports it too; `oursOnly`: only pimwatch finds it (see `classificationReason`). */
    classification: z.enum(['both', 'oursOnly']),
    classificationReason: z.enum(REASON_CODES).nullable(),
    /** The reason in words, as the reconciler worked it out (e.g. when PIM last scanned). */
    classificationDetail: z.string().nullable(),
    graphIncidentId: z.string().nullable(),
    incident: feedIncidentSchema,
    /** Remediation pages in the Microsoft Entra admin center. */
    links: z.array(z.object({ title: z.string(), url: z.string() }).strict()),
    /** MITRE ATT&CK technique ids the alert relates to; empty when none fits. */
    attack: z.array(z.enum(Object.keys(ATTACK_TECHNIQUES) as [AttackTechniqueId, ...AttackTechniqueId[]])),
    /** A suppressed incident's changes are in the feed but are not sent to people. */
    suppression: z
      .object({ id: z.string(), reason: z.string(), author: z.string(), expiresAt: z.string() })
      .strict()
      .nullable(),
  })
  .strict();
export type FeedEvent = z.output<typeof feedEventSchema>;

const INCIDENT_FIELDS = [
  'assigneeId',
  'assigneeType',
  'assigneeDisplayName',
  'assigneeUserPrincipalName',
  'roleTemplateId',
  'roleDefinitionId',
  'roleDisplayName',
  'assignmentCreatedDateTime',
  'lastSignInDateTime',
  'lastActivationDateTime',
  'activationCount',
  'sequenceStartDateTime',
  'sequenceEndDateTime',
  'tenantLicenseStatus',
] as const satisfies readonly (keyof FeedIncident)[];

/** Copies the named fields only, so nothing internal leaks into the contract by being added to `Incident`. */
function feedIncident(transition: Transition): FeedIncident {
  const source = transition.incident;
  const out: Record<string, unknown> = { fingerprint: transition.fingerprint };
  for (const field of INCIDENT_FIELDS) {
    if (source[field] !== undefined) out[field] = source[field];
  }
  out.evidence = source.evidence.map((e) => ({ ...e }));
  return out as FeedIncident;
}

export function renderFeedEvent(transition: Transition, ctx: RenderContext): FeedEvent {
  const incident = transition.incident;
  const suppressed = transition.suppressed;
  return {
    schemaVersion: FEED_SCHEMA_VERSION,
    eventId: transition.eventId,
    type: `incident.${transition.type}`,
    time: transition.at,
    tenantId: transition.tenantId,
    tenantName: ctx.tenantName,
    scanId: transition.scanId,
    alert: transition.alert,
    alertTitle: alertTitle(transition, ctx),
    severity: transition.severity,
    classification: incident.classification,
    classificationReason: incident.reason ?? null,
    classificationDetail: reasonDetailOf(incident) ?? null,
    graphIncidentId: incident.graphIncidentId ?? null,
    incident: feedIncident(transition),
    links: transitionLinks(transition, ctx),
    attack: [...detectorFor(transition.alert, ctx.alerts).meta.attack],
    suppression: suppressed
      ? {
          id: suppressed.id,
          reason: suppressed.reason,
          author: suppressed.author,
          expiresAt: suppressed.expiresAt,
        }
      : null,
  };
}
