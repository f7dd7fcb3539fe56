import type { AlertId, Severity } from './alerts.js';
import type { Incident } from './incident.js';
import type { GraphIncident } from './snapshot.js';

/** How our incident compares with PIM's own incidents of the same alert. */
export type Classification = 'both' | 'oursOnly' | 'graphOnly';

/** Why ours and PIM's disagree. */
export const REASON_CODES = [
  /** PIM's alert is switched off in the tenant (`isEnabled: false`). */
  'graphAlertDisabled',
  /** Our thresholds differ from the tenant's, which explains the difference. */
  'thresholdsDiffer',
  /** PIM last scanned before the situation arose. */
  'graphScanStale',
  /** The principal is excluded in our configuration (e.g. a break-glass account). */
  'excludedLocally',
  /** PIM still lists a principal that no longer exists. */
  'principalDeleted',
  /** PIM does not report it and none of the above explains why. */
  'graphMissing',
  /** PIM reports it and we do not find it, for no reason we can name. */
  'notDetectedLocally',
  /** PIM's alerts could not be read in this scan, so nothing could be compared. */
  'graphUnavailable',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** An incident of ours, with its comparison against PIM. */
export interface ClassifiedIncident extends Incident {
  classification: Exclude<Classification, 'graphOnly'>;
  reason?: ReasonCode;
  /** PIM's incident id when PIM reports the same thing. */
  graphIncidentId?: string;
}

/** An incident only PIM reports, kept with Graph's own fields. */
export interface GraphOnlyIncident {
  classification: 'graphOnly';
  reason: ReasonCode;
  alert: AlertId;
  severity: Severity;
  tenantId: string;
  graph: GraphIncident;
}

export const INCIDENT_STATES = ['new', 'open', 'resolved', 'reopened'] as const;
/**
 * `new`: first seen in the latest scan. `open`: seen again. `resolved`: absent from a scan whose
 * detector ran cleanly. `reopened`: seen again after being resolved (it stays `reopened` until the
 * next scan sees it, then `open`).
 */
export type IncidentState = (typeof INCIDENT_STATES)[number];

export interface Suppression {
  id: string;
  tenantId: string;
  /** Either one incident by fingerprint, or every incident of `alert` for `principalId`. */
  fingerprint?: string;
  principalId?: string;
  alert?: AlertId;
  reason: string;
  author: string;
  createdAt: string;
  /** Mandatory, at most 90 days after creation: nothing is hidden forever. */
  expiresAt: string;
}

/** What pimwatch remembers of one incident across scans. */
export interface IncidentRecord {
  tenantId: string;
  fingerprint: string;
  alert: AlertId;
  severity: Severity;
  state: IncidentState;
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  timesSeen: number;
  /** How many transitions this incident has had; part of each transition's stable event id. */
  transitions: number;
  /** The latest data, as last detected. */
  incident: ClassifiedIncident;
}

export type TransitionType = 'opened' | 'resolved' | 'reopened';

/** A change worth telling people about. Only these produce notifications and feed events. */
export interface Transition {
  /** Stable for this one transition: a retried notification carries the same id. */
  eventId: string;
  type: TransitionType;
  tenantId: string;
  fingerprint: string;
  alert: AlertId;
  severity: Severity;
  /** When the scan that caused it ran. */
  at: string;
  scanId: string;
  incident: ClassifiedIncident;
  /** A suppressed incident's transitions are recorded but not sent. */
  suppressed: Suppression | null;
}
