import type { DetectorOutcomes } from '../detectors/run.js';
import { ALERT_IDS, type AlertId, type Severity } from '../model/alerts.js';
import { type Evidence, incidentFingerprint } from '../model/incident.js';
import type {
  Classification,
  ClassifiedIncident,
  GraphOnlyIncident,
  IncidentRecord,
  IncidentState,
  ReasonCode,
  Suppression,
} from '../model/lifecycle.js';
import type { GraphRequestCounts, SourceName, SourceStatus, TenantSnapshot } from '../model/snapshot.js';
import type { ThresholdRow } from '../reconcile/report-table.js';
import type { LifecycleHold } from './lifecycle-policy.js';

/** One incident line of a report: ours (with its comparison and lifecycle) or PIM's alone. */
export interface ReportIncident {
  alert: AlertId;
  severity: Severity;
  fingerprint: string;
  classification: Classification;
  reason?: ReasonCode;
  /** What the reason rests on, in words. */
  reasonDetail?: string;
  graphIncidentId?: string;
  /** Lifecycle state after this scan; absent for incidents only PIM reports. */
  state?: IncidentState;
  firstSeen?: string;
  suppressed?: { reason: string; author: string; expiresAt: string };
  assigneeId?: string;
  assigneeType?: string;
  assigneeDisplayName?: string | null;
  assigneeUserPrincipalName?: string | null;
  roleTemplateId?: string;
  roleDefinitionId?: string;
  roleDisplayName?: string | null;
  assignmentCreatedDateTime?: string | null;
  lastSignInDateTime?: string | null;
  lastActivationDateTime?: string | null;
  activationCount?: number;
  sequenceStartDateTime?: string;
  sequenceEndDateTime?: string | null;
  tenantLicenseStatus?: string;
  evidence: Evidence[];
}

export interface DetectorReport {
  status: 'ok' | 'unknown' | 'disabled';
  cause?: string;
  thresholds?: Record<string, string | number | boolean>;
  incidents: number;
  unknownItems?: { subject: string; cause: string }[];
  metrics?: Record<string, number>;
}

/** The JSON report of one scan (`scan --format json`), also what the API and history build on. */
export interface ScanReport {
  tenantId: string;
  tenantName: string;
  scanId: string;
  /** The detectors' clock (`--now`). */
  scannedAt: string;
  startedAt: string;
  finishedAt: string;
  complete: boolean;
  sources: Record<SourceName, Pick<SourceStatus, 'status' | 'cause' | 'requests' | 'items'>>;
  graphRequests: GraphRequestCounts;
  detectors: Record<AlertId, DetectorReport>;
  /** Per alert: our thresholds, the tenant's, and which were used. */
  thresholds: ThresholdRow[];
  /** Transitions a partial scan held back, per alert, and why (empty after a complete scan). */
  lifecycleHolds: LifecycleHold[];
  incidents: ReportIncident[];
  /** Transitions this scan caused (opened, resolved, reopened), suppressed ones included. */
  transitions: { opened: number; resolved: number; reopened: number; suppressed: number };
}

export function detectorReports(outcomes: DetectorOutcomes): Record<AlertId, DetectorReport> {
  const out = {} as Record<AlertId, DetectorReport>;
  for (const alert of ALERT_IDS) {
    const outcome = outcomes[alert];
    if (outcome.status === 'disabled') out[alert] = { status: 'disabled', incidents: 0 };
    else if (outcome.status === 'unknown')
      out[alert] = { status: 'unknown', cause: outcome.cause, thresholds: outcome.thresholds, incidents: 0 };
    else
      out[alert] = {
        status: 'ok',
        thresholds: outcome.thresholds,
        incidents: outcome.incidents.length,
        ...(outcome.unknownItems?.length ? { unknownItems: outcome.unknownItems } : {}),
        ...(outcome.metrics ? { metrics: outcome.metrics } : {}),
      };
  }
  return out;
}

function suppressionOf(s: Suppression | null | undefined): ReportIncident['suppressed'] {
  return s ? { reason: s.reason, author: s.author, expiresAt: s.expiresAt } : undefined;
}

export function ourReportIncident(
  incident: ClassifiedIncident,
  record: IncidentRecord | undefined,
  suppression: Suppression | null,
): ReportIncident {
  const { tenantId: _tenantId, ...fields } = incident;
  const suppressed = suppressionOf(suppression);
  return {
    ...fields,
    ...(record ? { state: record.state, firstSeen: record.firstSeen } : {}),
    ...(suppressed ? { suppressed } : {}),
  };
}

export function graphOnlyReportIncident(
  g: GraphOnlyIncident & { reasonDetail?: string },
  snapshot: TenantSnapshot,
): ReportIncident {
  const i = g.graph;
  const roleTemplateId =
    i.roleTemplateId ??
    (i.roleDefinitionId ? snapshot.roleDefinitions.get(i.roleDefinitionId)?.templateId : undefined);
  const defined = <K extends string, V>(key: K, value: V | null | undefined) =>
    (value === null || value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
  return {
    alert: g.alert,
    severity: g.severity,
    fingerprint: incidentFingerprint({
      tenantId: g.tenantId,
      alert: g.alert,
      ...(i.assigneeId ? { principalId: i.assigneeId } : {}),
      ...(roleTemplateId ? { roleTemplateId } : {}),
      ...(i.sequenceStartDateTime ? { runStart: i.sequenceStartDateTime } : {}),
    }),
    classification: 'graphOnly',
    reason: g.reason,
    ...(g.reasonDetail ? { reasonDetail: g.reasonDetail } : {}),
    graphIncidentId: i.id,
    ...defined('assigneeId', i.assigneeId),
    ...defined('assigneeDisplayName', i.assigneeDisplayName),
    ...defined('assigneeUserPrincipalName', i.assigneeUserPrincipalName),
    ...defined('roleTemplateId', roleTemplateId),
    ...defined('roleDefinitionId', i.roleDefinitionId),
    ...defined('roleDisplayName', i.roleDisplayName),
    ...defined('assignmentCreatedDateTime', i.assignmentCreatedDateTime),
    ...defined('lastSignInDateTime', i.lastSignInDateTime),
    ...defined('lastActivationDateTime', i.lastActivationDateTime),
    ...defined('activationCount', i.activationCount),
    ...defined('sequenceStartDateTime', i.sequenceStartDateTime),
    ...defined('sequenceEndDateTime', i.sequenceEndDateTime),
    ...defined('tenantLicenseStatus', i.tenantLicenseStatus),
    evidence: [],
  };
}

const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** Stable report order: by alert (registry order), then severity, then principal and role names. */
export function sortReportIncidents(incidents: ReportIncident[]): ReportIncident[] {
  const alertOrder = new Map(ALERT_IDS.map((a, i) => [a, i]));
  const key = (i: ReportIncident) =>
    `${i.assigneeDisplayName ?? i.assigneeId ?? ''}|${i.roleDisplayName ?? i.roleTemplateId ?? ''}|${i.fingerprint}`;
  return [...incidents].sort(
    (a, b) =>
      alertOrder.get(a.alert)! - alertOrder.get(b.alert)! ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      key(a).localeCompare(key(b)),
  );
}
