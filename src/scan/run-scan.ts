import { randomUUID } from 'node:crypto';
import { auditLookBackMs, type DetectorsConfig } from '../detectors/config-schema.js';
import { type DetectorOutcomes, runDetectors } from '../detectors/run.js';
import { describeTokenFailure, explainTokenFailure } from '../graph/aadsts.js';
import type { ActivationHistoryMode } from '../graph/activation-history.js';
import { CredentialError } from '../graph/errors.js';
import type { GraphSession } from '../graph/session.js';
import { type CollectOptions, collectSnapshot } from '../graph/snapshot.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { ALERT_IDS, type AlertId } from '../model/alerts.js';
import type { Transition } from '../model/lifecycle.js';
import { SOURCE_NAMES, type SourceName, type TenantSnapshot } from '../model/snapshot.js';
import { type Reconciliation, reconcile } from '../reconcile/classify.js';
import type { ReconcileConfig } from '../reconcile/config-schema.js';
import { thresholdRows } from '../reconcile/report-table.js';
import { effectiveDetectorsConfig, type ThresholdProvenance } from '../reconcile/thresholds.js';
import type { ScanSummary, ScanTrigger, StateStore } from '../store/state-store.js';
import { activationHistoryReport, alertHistoryReport, HISTORY_ALERTS } from './activation-history-report.js';
import { lifecyclePolicy } from './lifecycle-policy.js';
import {
  detectorReports,
  graphOnlyReportIncident,
  ourReportIncident,
  type ScanReport,
  sortReportIncidents,
  sourceReports,
} from './report.js';

export type ScanPhase = 'snapshot' | 'detect' | 'reconcile' | 'store' | 'done';

export interface ScanInput {
  tenant: { id: string; name: string };
  session: GraphSession;
  /** The tenant's effective detector settings (global merged with the tenant's own). */
  detectors: DetectorsConfig;
  /** How PIM's incidents are compared with ours (default: the schema's defaults). */
  reconcile?: ReconcileConfig;
  /** Where activation history comes from (`graph.activationHistory`; default `auto`). */
  activationHistory?: ActivationHistoryMode;
  store: StateStore;
  /** The detectors' clock. */
  now: Date;
  trigger: ScanTrigger;
  /** Reuse a job's id so a retried job is recognised by the store (defaults to a fresh id). */
  scanId?: string;
  logger?: Logger;
  onProgress?: (phase: ScanPhase, percent: number) => void | Promise<void>;
  /** Sources read so far, for a progress line (see `collectSnapshot`). */
  onSourcesDone?: CollectOptions['onSourcesDone'];
  /**
   * When the snapshot is incomplete only because of transient failures (throttling, 5xx, timeouts),
   * throw `TransientScanError` before anything is stored, so the job can try the whole scan again.
   * The last attempt leaves this off and stores the partial scan.
   */
  retryTransientFailures?: boolean;
  /**
   * A cancelled scan job: the scan throws the signal's reason and stores nothing. The session's own signal
   * stops the Graph reads; this one makes sure a snapshot cut short is never taken for the tenant's state.
   */
  signal?: AbortSignal;
}

/** The scan could not read some sources for reasons that usually pass; nothing was stored. */
export class TransientScanError extends Error {
  override name = 'TransientScanError';
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * A source failure that usually passes. No status means the request never got an answer (network,
 * timeout); a success status means the answer arrived broken (a truncated body), which the HTTP layer
 * retries too, so the job must not call it permanent.
 */
function isTransientFailure(source: { httpStatus?: number }): boolean {
  const status = source.httpStatus;
  return status === undefined || status < 300 || TRANSIENT_STATUS.has(status);
}

export interface ScanResult {
  report: ScanReport;
  transitions: Transition[];
  summary: ScanSummary;
  snapshot: TenantSnapshot;
}

export interface Assessment {
  snapshot: TenantSnapshot;
  /** The detector settings actually used (the tenant's thresholds in `tenant` mode). */
  config: DetectorsConfig;
  provenance: Record<AlertId, ThresholdProvenance>;
  outcomes: DetectorOutcomes;
  reconciled: Reconciliation;
}

/**
 * What a tenant looks like right now, without remembering anything: read the snapshot once, settle the
 * thresholds (the tenant's own by default), run the seven detectors and compare with PIM's incidents.
 * `remediate` uses it to act on current facts; `runScan` adds the lifecycle.
 */
export async function assessTenant(
  input: Omit<ScanInput, 'store' | 'trigger' | 'scanId'>,
): Promise<Assessment> {
  const log = input.logger ?? silentLogger;
  const progress = async (phase: ScanPhase, percent: number) => {
    await input.onProgress?.(phase, percent);
  };
  try {
    await input.session.http.checkCredential();
  } catch (error) {
    const failure = explainTokenFailure(error);
    throw new CredentialError(
      `tenant ${input.tenant.name} (${input.tenant.id}): the credential could not get a token: ${describeTokenFailure(failure)} (${firstLine(error)})`,
      failure.permanent,
    );
  }

  await progress('snapshot', 5);
  const snapshot = await collectSnapshot(input.session.http, {
    tenantId: input.tenant.id,
    now: input.now,
    auditLookBackMs: auditLookBackMs(input.detectors),
    ...(input.activationHistory ? { activationHistory: input.activationHistory } : {}),
    ...(input.detectors.privilegedRoles
      ? { privilegedRoleTemplateIds: input.detectors.privilegedRoles }
      : {}),
    logger: log,
    ...(input.onSourcesDone ? { onSourcesDone: input.onSourcesDone } : {}),
  });

  input.signal?.throwIfAborted();
  if (input.retryTransientFailures && !snapshot.complete) {
    const failed = SOURCE_NAMES.map((name) => snapshot.sources[name]).filter((s) => s.status === 'failed');
    if (failed.every(isTransientFailure)) {
      throw new TransientScanError(
        `tenant ${input.tenant.id}: ${failed.length} source(s) failed transiently: ${failed.map((s) => s.cause).join('; ')}`,
      );
    }
  }

  await progress('detect', 70);
  const { config, provenance } = effectiveDetectorsConfig({ local: input.detectors, snapshot });
  const outcomes = runDetectors({ snapshot, config, now: input.now });

  await progress('reconcile', 80);
  const reconciled = reconcile({
    snapshot,
    outcomes,
    config,
    provenance,
    now: input.now,
    ...(input.reconcile ? { graphScanMaxAge: input.reconcile.graphScanMaxAge } : {}),
  });
  return { snapshot, config, provenance, outcomes, reconciled };
}

/**
 * One scan of one tenant, the same from the CLI and from a job: assess the tenant, move each incident
 * through its lifecycle, and record the scan. A partial scan resolves nothing its failed sources could
 * have hidden.
 */
export async function runScan(input: ScanInput): Promise<ScanResult> {
  const log = input.logger ?? silentLogger;
  const scanId = input.scanId ?? randomUUID();
  const startedAt = new Date().toISOString();
  const { snapshot, config, provenance, outcomes, reconciled } = await assessTenant(input);

  input.signal?.throwIfAborted();
  await input.onProgress?.('store', 90);
  const policy = lifecyclePolicy({ snapshot, outcomes, detectors: input.detectors });
  const applied = await input.store.applyScan({
    tenantId: input.tenant.id,
    scanId,
    scannedAt: input.now.toISOString(),
    incidents: reconciled.incidents,
    resolvableAlerts: policy.resolvableAlerts,
    openableAlerts: policy.openableAlerts,
  });
  const records = new Map(applied.records.map((r) => [r.fingerprint, r]));
  const suppressionByFingerprint = new Map(applied.transitions.map((t) => [t.fingerprint, t.suppressed]));
  const activeSuppressions = await input.store.listSuppressions(input.tenant.id);
  const suppressionFor = (fingerprint: string, alert: AlertId, principalId: string | undefined) =>
    suppressionByFingerprint.get(fingerprint) ??
    activeSuppressions.find(
      (s) =>
        s.fingerprint === fingerprint ||
        (s.alert === alert && !!principalId && s.principalId === principalId),
    ) ??
    null;

  const incidents = sortReportIncidents([
    ...reconciled.incidents.map((i) =>
      ourReportIncident(i, records.get(i.fingerprint), suppressionFor(i.fingerprint, i.alert, i.assigneeId)),
    ),
    ...reconciled.graphOnly.map((g) => graphOnlyReportIncident(g, snapshot)),
  ]);
  const finishedAt = new Date().toISOString();
  const failedSources = SOURCE_NAMES.filter((s) => snapshot.sources[s].status === 'failed');
  const report: ScanReport = {
    tenantId: input.tenant.id,
    tenantName: input.tenant.name,
    scanId,
    scannedAt: input.now.toISOString(),
    startedAt,
    finishedAt,
    complete: snapshot.complete,
    degraded: snapshot.complete && snapshot.activationHistory.source === 'auditLog',
    activationHistory: activationHistoryReport(snapshot.activationHistory),
    sources: sourceReports(snapshot),
    graphRequests: snapshot.graphRequests,
    detectors: withHistorySources(detectorReports(outcomes), snapshot, config),
    thresholds: thresholdRows(provenance),
    lifecycleHolds: policy.holds,
    incidents,
    transitions: {
      opened: applied.transitions.filter((t) => t.type === 'opened').length,
      resolved: applied.transitions.filter((t) => t.type === 'resolved').length,
      reopened: applied.transitions.filter((t) => t.type === 'reopened').length,
      suppressed: applied.transitions.filter((t) => t.suppressed).length,
    },
  };
  const summary = scanSummary(report, input.trigger, failedSources, applied.transitions.length);
  // Also on a replay: a worker killed between the commit and this line left the scan out of the history,
  // and recording is idempotent per scan id.
  await input.store.recordScan(summary);
  await input.onProgress?.('done', 100);
  log.info(
    {
      tenantId: input.tenant.id,
      scanId,
      complete: report.complete,
      incidents: reconciled.incidents.length,
      transitions: applied.transitions.length,
      graphRequests: snapshot.graphRequests.logical,
    },
    'scan finished',
  );
  return { report, transitions: applied.transitions, summary, snapshot };
}

/** Adds to each alert that reads activation history where it came from and what that source could not hold. */
function withHistorySources(
  reports: ScanReport['detectors'],
  snapshot: TenantSnapshot,
  config: DetectorsConfig,
): ScanReport['detectors'] {
  for (const alert of HISTORY_ALERTS) {
    const report = reports[alert];
    if (report.status === 'disabled') continue;
    report.activationHistory = alertHistoryReport(alert, snapshot.activationHistory, config);
  }
  return reports;
}

function scanSummary(
  report: ScanReport,
  trigger: ScanTrigger,
  failedSources: SourceName[],
  transitions: number,
): ScanSummary {
  const incidentsByAlert: Partial<Record<AlertId, number>> = {};
  const unknownAlerts: AlertId[] = [];
  for (const alert of ALERT_IDS) {
    const d = report.detectors[alert];
    if (d.status === 'unknown') unknownAlerts.push(alert);
    else if (d.status === 'ok') incidentsByAlert[alert] = d.incidents;
  }
  return {
    scanId: report.scanId,
    tenantId: report.tenantId,
    trigger,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    outcome: report.complete ? 'complete' : 'partial',
    incidentsByAlert,
    unknownAlerts,
    transitions,
    agreement: {
      both: report.incidents.filter((i) => i.classification === 'both').length,
      oursOnly: report.incidents.filter((i) => i.classification === 'oursOnly').length,
      graphOnly: report.incidents.filter((i) => i.classification === 'graphOnly').length,
    },
    graphRequests: report.graphRequests,
    failedSources: failedSources.map((source) => ({
      source,
      cause: report.sources[source].cause ?? 'failed',
    })),
  };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .slice(0, 400);
}
