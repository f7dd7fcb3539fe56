import type { Severity } from '../model/alerts.js';
import { PACKAGE_VERSION } from '../util/package-version.js';
import { ATTACK_TECHNIQUES, ATTACK_VERSION } from './attack.js';
import type { FeedEvent, FeedEventType, FeedIncident } from './feed-event.js';
import { alertDescription, mitigationSteps, principalText, roleText } from './incident-text.js';

/**
 * Maps a feed event to an OCSF Detection Finding (class 2004, category Findings), for SIEMs that ingest
 * OCSF. The finding's `uid` is the incident fingerprint, so opened, reopened and resolved events update
 * one finding; `metadata.uid` is the event id, so a redelivered event is recognisably the same.
 */

/**
 * 1.8.0 rather than 1.3.0: its `evidences` can carry resources (the role, the tenant) next to the user,
 * observables no longer need a name, the product needs no vendor, and it is the newest release tag.
 * Checked against OCSF's compiled 1.8.0 schema in test/data/ocsf.
 */
export const OCSF_VERSION = '1.8.0';

const DETECTION_FINDING = 2004;
const FINDINGS_CATEGORY = 2;

/**
 * Opened creates the finding; reopened updates it back to New (same finding, needs review again);
 * resolved closes it as Resolved.
 */
const ACTIVITY: Readonly<Record<FeedEventType, { id: 1 | 2 | 3; name: string }>> = {
  'incident.opened': { id: 1, name: 'Create' },
  'incident.reopened': { id: 2, name: 'Update' },
  'incident.resolved': { id: 3, name: 'Close' },
};

type OcsfStatus = { id: 1; name: 'New' } | { id: 3; name: 'Suppressed' } | { id: 4; name: 'Resolved' };

/** Resolved wins over suppressed: a suppressed incident that went away is gone, not hidden. */
function statusOf(event: FeedEvent): OcsfStatus {
  if (event.type === 'incident.resolved') return { id: 4, name: 'Resolved' };
  if (event.suppression) return { id: 3, name: 'Suppressed' };
  return { id: 1, name: 'New' };
}

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
  version: string;
}

export interface OcsfResource {
  uid: string;
  name?: string;
  type: string;
}

/** An OCSF `user`: a user or a service principal holding the role. */
export interface OcsfUser {
  uid: string;
  name?: string;
  display_name?: string;
  type_id: 1 | 4 | 99;
  type: 'User' | 'Service' | 'Microsoft Entra principal';
}

export interface OcsfEvidence {
  name: string;
  user?: OcsfUser;
  resources?: OcsfResource[];
  /** The Graph objects behind the incident and the alert's own readings (dates, counts). */
  data: Record<string, unknown>;
}

export interface OcsfObservable {
  name: string;
  type_id: number;
  type: string;
  value: string;
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
  /** Times are UTC. */
  timezone_offset: 0;
  severity_id: 2 | 3 | 4;
  severity: string;
  status_id: OcsfStatus['id'];
  status: OcsfStatus['name'];
  status_detail?: string;
  confidence_id: 2 | 3;
  confidence: string;
  is_alert: boolean;
  message: string;
  metadata: {
    version: typeof OCSF_VERSION;
    profiles: ['cloud'];
    uid: string;
    correlation_uid: string;
    tenant_uid: string;
    product: { name: 'pimwatch'; uid: 'pimwatch'; vendor_name: 'pimwatch'; version: string };
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
  evidences: OcsfEvidence[];
  observables: OcsfObservable[];
  remediation: { desc: string; references: string[] };
  cloud: {
    provider: 'Azure';
    account: { uid: string; name: string; type_id: 17; type: 'M365 Tenant' };
  };
  unmapped: Record<string, unknown>;
}

function attacksOf(event: FeedEvent): OcsfAttack[] {
  return event.attack.flatMap((id) => {
    const t = ATTACK_TECHNIQUES[id];
    return t.tactics.map((tactic) => ({
      tactic: { uid: tactic.id, name: tactic.name },
      technique: { uid: t.technique.id, name: t.technique.name },
      sub_technique: { uid: t.id, name: t.name },
      version: ATTACK_VERSION,
    }));
  });
}

/** Users and service principals are OCSF users; a group (or an unknown object) is a resource. */
function userOf(incident: FeedIncident): OcsfUser | undefined {
  if (!incident.assigneeId) return undefined;
  if (incident.assigneeType === 'group') return undefined;
  const type =
    incident.assigneeType === 'user'
      ? ({ type_id: 1, type: 'User' } as const)
      : incident.assigneeType === 'servicePrincipal'
        ? ({ type_id: 4, type: 'Service' } as const)
        : ({ type_id: 99, type: 'Microsoft Entra principal' } as const);
  return {
    uid: incident.assigneeId,
    ...(incident.assigneeUserPrincipalName ? { name: incident.assigneeUserPrincipalName } : {}),
    ...(incident.assigneeDisplayName ? { display_name: incident.assigneeDisplayName } : {}),
    ...type,
  };
}

function principalResource(incident: FeedIncident): OcsfResource | undefined {
  if (!incident.assigneeId) return undefined;
  const name = incident.assigneeUserPrincipalName ?? incident.assigneeDisplayName;
  return {
    uid: incident.assigneeId,
    ...(name ? { name } : {}),
    type: `Microsoft Entra ${incident.assigneeType ?? 'principal'}`,
  };
}

function roleResource(incident: FeedIncident): OcsfResource | undefined {
  if (!incident.roleTemplateId) return undefined;
  return {
    uid: incident.roleTemplateId,
    ...(incident.roleDisplayName ? { name: incident.roleDisplayName } : {}),
    type: 'Microsoft Entra role',
  };
}

function tenantResource(event: FeedEvent): OcsfResource {
  return { uid: event.tenantId, name: event.tenantName, type: 'Microsoft Entra tenant' };
}

function resourcesOf(event: FeedEvent): OcsfResource[] {
  const found = [principalResource(event.incident), roleResource(event.incident)].filter(
    (r): r is OcsfResource => r !== undefined,
  );
  return found.length > 0 ? found : [tenantResource(event)];
}

/** One evidence: who holds what in which tenant, with the incident's readings as data. */
function evidencesOf(event: FeedEvent): OcsfEvidence[] {
  const { fingerprint: _fingerprint, evidence, ...readings } = event.incident;
  const user = userOf(event.incident);
  const group = event.incident.assigneeType === 'group' ? principalResource(event.incident) : undefined;
  const resources = [group, roleResource(event.incident), tenantResource(event)].filter(
    (r): r is OcsfResource => r !== undefined,
  );
  return [
    {
      name: event.alertTitle,
      ...(user ? { user } : {}),
      resources,
      data: { ...readings, graph_objects: evidence },
    },
  ];
}

/** The values a SOC pivots on: the principal, the role and the tenant. */
function observablesOf(event: FeedEvent): OcsfObservable[] {
  const incident = event.incident;
  const user = userOf(incident);
  const out: OcsfObservable[] = [];
  if (user) {
    out.push({ name: 'evidences.user.uid', type_id: 31, type: 'User Object: uid', value: user.uid });
    if (user.name) out.push({ name: 'evidences.user.name', type_id: 4, type: 'User Name', value: user.name });
  } else if (incident.assigneeId) {
    out.push({
      name: 'evidences.resources.uid',
      type_id: 10,
      type: 'Resource UID',
      value: incident.assigneeId,
    });
  }
  if (incident.roleTemplateId) {
    out.push({
      name: 'evidences.resources.uid',
      type_id: 10,
      type: 'Resource UID',
      value: incident.roleTemplateId,
    });
  }
  if (incident.roleDisplayName) {
    out.push({
      name: 'evidences.resources.name',
      type_id: 38,
      type: 'Resource Details Object: name',
      value: incident.roleDisplayName,
    });
  }
  out.push({ name: 'cloud.account.uid', type_id: 35, type: 'Account Object: uid', value: event.tenantId });
  return out;
}

export function toOcsfDetectionFinding(event: FeedEvent): OcsfDetectionFinding {
  const activity = ACTIVITY[event.type];
  const status = statusOf(event);
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
    timezone_offset: 0,
    severity_id: severity.id,
    severity: severity.name,
    status_id: status.id,
    status: status.name,
    ...(status.id === 3 && event.suppression ? { status_detail: event.suppression.reason } : {}),
    confidence_id: confidence.id,
    confidence: confidence.name,
    is_alert: event.type !== 'incident.resolved',
    message: `${event.alertTitle}${what ? `: ${what}` : ''} (${event.type.replace('incident.', '')})`,
    metadata: {
      version: OCSF_VERSION,
      // `cloud` is an attribute of the cloud profile: without declaring it, consumers drop it.
      profiles: ['cloud'],
      uid: event.eventId,
      correlation_uid: event.incident.fingerprint,
      tenant_uid: event.tenantId,
      product: { name: 'pimwatch', uid: 'pimwatch', vendor_name: 'pimwatch', version: PACKAGE_VERSION },
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
    evidences: evidencesOf(event),
    observables: observablesOf(event),
    remediation: { desc: steps.join(' '), references: event.links.map((l) => l.url) },
    cloud: {
      provider: 'Azure',
      account: { uid: event.tenantId, name: event.tenantName, type_id: 17, type: 'M365 Tenant' },
    },
    // What OCSF has no attribute for: pimwatch's comparison with PIM's own incident, and the suppression.
    unmapped: {
      pimwatch_schema_version: event.schemaVersion,
      pimwatch_event_type: event.type,
      scan_id: event.scanId,
      classification: event.classification,
      classification_reason: event.classificationReason,
      classification_detail: event.classificationDetail,
      graph_incident_id: event.graphIncidentId,
      suppression: event.suppression,
    },
  };
}
