import type { z } from 'zod';
import { DETECTORS } from '../detectors/registry.js';
import type { DetectorOutcomes } from '../detectors/run.js';
import type { Detector } from '../detectors/types.js';
import type { AlertId, Severity } from '../model/alerts.js';
import { incidentFingerprint } from '../model/incident.js';
import type {
  ClassifiedIncident,
  GraphOnlyIncident,
  IncidentRecord,
  Suppression,
} from '../model/lifecycle.js';
import { SOURCE_NAMES, type TenantSnapshot } from '../model/snapshot.js';
import type { detectorReportSchema, reportIncidentSchema, scanReportSchema } from './report-schema.js';

/** One incident line of a report: ours (with its comparison and lifecycle) or PIM's alone. */
export type ReportIncident = z.output<typeof reportIncidentSchema>;

export type DetectorReport = z.output<typeof detectorReportSchema>;

/**
 * The JSON report of one scan (`scan --format json`), also what the API and history build on. Its
 * shape is `scanReportSchema` (the published `schemas/scan-report.v1.schema.json`).
 */
export type ScanReport = z.output<typeof scanReportSchema>;

export function detectorReports(
  outcomes: DetectorOutcomes,
  alerts: readonly Detector[] = DETECTORS,
): Record<AlertId, DetectorReport> {
  const out = {} as Record<AlertId, DetectorReport>;
  for (const { meta } of alerts) {
    const alert = meta.alert;
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
export function sortReportIncidents(
  incidents: ReportIncident[],
  alerts: readonly Detector[] = DETECTORS,
): ReportIncident[] {
  const alertOrder = new Map(alerts.map((d, i) => [d.meta.alert, i]));
  const key = (i: ReportIncident) =>
    `${i.assigneeDisplayName ?? i.assigneeId ?? ''}|${i.roleDisplayName ?? i.roleTemplateId ?? ''}|${i.fingerprint}`;
  return [...incidents].sort(
    (a, b) =>
      alertOrder.get(a.alert)! - alertOrder.get(b.alert)! ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      key(a).localeCompare(key(b)),
  );
}

/** Each source's outcome as the report states it: status, request and item counts, and why it failed. */
export function sourceReports(snapshot: TenantSnapshot): ScanReport['sources'] {
  return Object.fromEntries(
    SOURCE_NAMES.map((s) => {
      const { status, cause, requests, items } = snapshot.sources[s];
      return [s, { status, requests, items, ...(cause ? { cause } : {}) }];
    }),
  ) as ScanReport['sources'];
}
