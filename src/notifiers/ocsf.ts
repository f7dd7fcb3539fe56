import type { Severity } from '../model/alerts.js';
import { ATTACK_TECHNIQUES } from './attack.js';
import type { FeedEvent, FeedEventType } from './feed-event.js';
import { alertDescription, mitigationSteps, principalText, roleText } from './incident-text.js';

/**
 * Maps a feed event to an OCSF Detection Finding (class 2004, category Findings), for SIEMs that ingest
 * OCSF. The finding's `uid` is the incident fingerprint, so opened, reopened and resolved events update
 * one finding; `metadata.uid` is the event id, so a redelivered event is recognisably the same.
 */

export const OCSF_VERSION = '1.3.0';

const DETECTION_FINDING = 2004;
const FINDINGS_CATEGORY = 2;

/**
 * Opened creates the finding; reopened updates it back to New (same finding, needs review again);
 * resolved closes it as Resolved.
 */
const ACTIVITY: Readonly<
  Record<FeedEventType, { id: 1 | 2 | 3; name: string; statusId: 1 | 4; status: string }>
> = {
  'incident.opened': { id: 1, name: 'Create', statusId: 1, status: 'New' },
  'incident.reopened': { id: 2, name: 'Update', statusId: 1, status: 'New' },
  'incident.resolved': { id: 3, name: 'Close', statusId: 4, status: 'Resolved' },
};

const SEVERITY: Readonly<Record<Severity, { id: 2 | 3 | 4; name: string }>> = {
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
};

/** Seen by PIM as well as by pimwatch: two independent sources agree, so confidence is high. */
const CONFIDENCE = {
  both: { id: 3, name: 'High' },
  oursOnly: { id: 2, name: 'Medium' },
} as const;

export interface OcsfAttack {
  tactic: { uid: string; name: string };
  technique: { uid: string; name: string };
  sub_technique: { uid: string; name: string };
}

export interface OcsfResource {
  uid: string;
  name?: string;
  type: string;
}

export interface OcsfDetectionFinding {
  activity_id: 1 | 2 | 3;
  activity_name: string;
  category_uid: typeof FINDINGS_CATEGORY;
  category_name: 'Findings';
  class_uid: typeof DETECTION_FINDING;
  class_name: 'Detection Finding';
  type_uid: number;
  type_name: string;
  /** Epoch milliseconds. */
  time: number;
  severity_id: 2 | 3 | 4;
  severity: string;
  status_id: 1 | 4;
  status: string;
  confidence_id: 2 | 3;
  confidence: string;
  message: string;
  metadata: {
    version: typeof OCSF_VERSION;
    uid: string;
    correlation_uid: string;
    original_time: string;
    product: { name: 'pimwatch'; vendor_name: 'pimwatch' };
  };
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    types: string[];
    src_url?: string;
    analytic: { uid: string; name: string; type_id: 1; type: 'Rule' };
    attacks: OcsfAttack[];
  };
  resources: OcsfResource[];
  remediation: { desc: string; references: string[] };
  cloud: { provider: 'Azure'; account: { uid: string; name: string } };
  unmapped: Record<string, unknown>;
}

function attacksOf(event: FeedEvent): OcsfAttack[] {
  return event.attack.flatMap((id) => {
    const t = ATTACK_TECHNIQUES[id];
    return t.tactics.map((tactic) => ({
      tactic: { uid: tactic.id, name: tactic.name },
      technique: { uid: t.technique.id, name: t.technique.name },
      sub_technique: { uid: t.id, name: t.name },
    }));
  });
}

function resourcesOf(event: FeedEvent): OcsfResource[] {
  const i = event.incident;
  const resources: OcsfResource[] = [];
  if (i.assigneeId) {
    resources.push({
      uid: i.assigneeId,
      ...(i.assigneeUserPrincipalName || i.assigneeDisplayName
        ? { name: (i.assigneeUserPrincipalName ?? i.assigneeDisplayName)! }
        : {}),
      type: `Microsoft Entra ${i.assigneeType ?? 'principal'}`,
    });
  }
  if (i.roleTemplateId) {
    resources.push({
      uid: i.roleTemplateId,
      ...(i.roleDisplayName ? { name: i.roleDisplayName } : {}),
      type: 'Microsoft Entra role',
    });
  }
  if (resources.length === 0) {
    resources.push({ uid: event.tenantId, name: event.tenantName, type: 'Microsoft Entra tenant' });
  }
  return resources;
}

export function toOcsfDetectionFinding(event: FeedEvent): OcsfDetectionFinding {
  const activity = ACTIVITY[event.type];
  const severity = SEVERITY[event.severity];
  const confidence = CONFIDENCE[event.classification];
  const what = [principalText(event.incident), roleText(event.incident)].filter(Boolean).join(' · ');
  const steps = mitigationSteps(event);
  return {
    activity_id: activity.id,
    activity_name: activity.name,
    category_uid: FINDINGS_CATEGORY,
    category_name: 'Findings',
    class_uid: DETECTION_FINDING,
    class_name: 'Detection Finding',
    type_uid: DETECTION_FINDING * 100 + activity.id,
    type_name: `Detection Finding: ${activity.name}`,
    time: Date.parse(event.time),
    severity_id: severity.id,
    severity: severity.name,
    status_id: activity.statusId,
    status: activity.status,
    confidence_id: confidence.id,
    confidence: confidence.name,
    message: `${event.alertTitle}${what ? `: ${what}` : ''} (${event.type.replace('incident.', '')})`,
    metadata: {
      version: OCSF_VERSION,
      uid: event.eventId,
      correlation_uid: event.incident.fingerprint,
      original_time: event.time,
      product: { name: 'pimwatch', vendor_name: 'pimwatch' },
    },
    finding_info: {
      uid: event.incident.fingerprint,
      title: event.alertTitle,
      desc: alertDescription(event),
      types: [event.alert],
      ...(event.links[0] ? { src_url: event.links[0].url } : {}),
      analytic: { uid: event.alert, name: event.alertTitle, type_id: 1, type: 'Rule' },
      attacks: attacksOf(event),
    },
    resources: resourcesOf(event),
    remediation: { desc: steps.join(' '), references: event.links.map((l) => l.url) },
    cloud: { provider: 'Azure', account: { uid: event.tenantId, name: event.tenantName } },
    unmapped: {
      pimwatch_schema_version: event.schemaVersion,
      pimwatch_event_type: event.type,
      scan_id: event.scanId,
      classification: event.classification,
      classification_reason: event.classificationReason,
      classification_detail: event.classificationDetail,
      graph_incident_id: event.graphIncidentId,
      incident: event.incident,
      suppression: event.suppression,
    },
  };
}
