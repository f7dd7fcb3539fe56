import type { AlertId, Severity } from '../model/alerts.js';
import type { Evidence, Incident } from '../model/incident.js';
import type { ReasonCode, Transition, TransitionType } from '../model/lifecycle.js';
import { ALERT_ATTACK_TECHNIQUES, type AttackTechniqueId } from './attack.js';
import { alertTitle, type RenderContext, reasonDetailOf } from './incident-text.js';
import { type RemediationLink, transitionLinks } from './links.js';

/**
 * The SOC feed's event: one per transition, the same in the pull API and the signed webhook. The shape
 * is a contract with SIEM parsers: fields are only ever added within a major `schemaVersion`; renaming or
 * removing one means a new major version.
 */

export const FEED_SCHEMA_VERSION = '1.0';

export type FeedEventType = `incident.${TransitionType}`;

/** The incident's fields, named as in Graph's incident types; absent when the alert has no such field. */
export type FeedIncident = Pick<
  Incident,
  | 'fingerprint'
  | 'assigneeId'
  | 'assigneeType'
  | 'assigneeDisplayName'
  | 'assigneeUserPrincipalName'
  | 'roleTemplateId'
  | 'roleDefinitionId'
  | 'roleDisplayName'
  | 'assignmentCreatedDateTime'
  | 'lastSignInDateTime'
  | 'lastActivationDateTime'
  | 'activationCount'
  | 'sequenceStartDateTime'
  | 'sequenceEndDateTime'
  | 'tenantLicenseStatus'
> & { evidence: Evidence[] };

export interface FeedEvent {
  schemaVersion: typeof FEED_SCHEMA_VERSION;
  /** The same for every delivery of one transition: receivers deduplicate on it. */
  eventId: string;
  type: FeedEventType;
  /** When the scan that caused the change ran (ISO-8601, UTC). */
  time: string;
  tenantId: string;
  tenantName: string;
  scanId: string;
  /** Graph's alert definition id suffix, e.g. `RolesAssignedOutsidePimAlert`. */
  alert: AlertId;
  alertTitle: string;
  severity: Severity;
  /** `both`: PIM reports it too; `oursOnly`: only pimwatch finds it (see `classificationReason`). */
  classification: 'both' | 'oursOnly';
  classificationReason: ReasonCode | null;
  /** The reason in words, as the reconciler worked it out (e.g. when PIM last scanned). */
  classificationDetail: string | null;
  graphIncidentId: string | null;
  incident: FeedIncident;
  /** Remediation pages in the Microsoft Entra admin center. */
  links: RemediationLink[];
  /** MITRE ATT&CK technique ids the alert relates to; empty when none fits. */
  attack: AttackTechniqueId[];
  /** A suppressed incident's changes are in the feed but are not sent to people. */
  suppression: { id: string; reason: string; author: string; expiresAt: string } | null;
}

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
    alertTitle: alertTitle(transition),
    severity: transition.severity,
    classification: incident.classification,
    classificationReason: incident.reason ?? null,
    classificationDetail: reasonDetailOf(incident) ?? null,
    graphIncidentId: incident.graphIncidentId ?? null,
    incident: feedIncident(transition),
    links: transitionLinks(transition, ctx),
    attack: [...ALERT_ATTACK_TECHNIQUES[transition.alert]],
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
