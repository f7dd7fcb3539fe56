import type { z } from 'zod';
import { excludedPrincipals } from '../detectors/exclusions.js';
import { IdSet } from '../detectors/id-set.js';
import type { DetectorOutcome } from '../detectors/run.js';
import type { Detector, DetectorConfigSchema } from '../detectors/types.js';
import type { AlertId } from '../model/alerts.js';
import type { Incident } from '../model/incident.js';
import type { ReasonCode } from '../model/lifecycle.js';
import type { GraphAlert, GraphIncident } from '../model/snapshot.js';
import type { ReconcileContext } from './context.js';
import { factsOfGraphIncident, factsOfOurs, thresholdsExplain } from './threshold-explanation.js';
import { disabledByTenant, type ThresholdProvenance } from './thresholds.js';

/** A reason code and, in words, what exactly it rests on. */
export interface Explanation {
  reason: ReasonCode;
  detail: string;
}

/** PIM's side of one alert: unreadable, or read (the alert object may be missing). */
export type GraphSide =
  | { status: 'unavailable'; cause: string }
  | { status: 'read'; alert: GraphAlert | undefined };

/** Everything the reason rules look at for one alert. */
export interface AlertEvidence {
  ctx: ReconcileContext;
  alert: AlertId;
  /** The alert's module: what its thresholds mean and when its situations arise. */
  detector: Detector;
  /** The settings its detector ran with. */
  config: z.output<DetectorConfigSchema>;
  outcome: DetectorOutcome;
  provenance: ThresholdProvenance;
  graph: GraphSide;
  /** How old PIM's last scan may be before its silence means nothing. */
  graphScanMaxAge: { text: string; ms: number };
}

const TENANT_SWITCHED_OFF = "PIM's alert is switched off in the tenant (isEnabled: false)";

/** Why PIM's silence about one of our incidents says nothing; undefined when its scan is recent enough. */
function staleGraphScan(incident: Incident, evidence: AlertEvidence): string | undefined {
  if (evidence.graph.status !== 'read') return undefined;
  const graphAlert = evidence.graph.alert;
  if (!graphAlert) return 'PIM lists no alert object for this alert: it has never scanned for it';
  const scanned = graphAlert.lastScannedDateTime;
  if (scanned === null) return 'PIM has never scanned for this alert';
  const arose = evidence.detector.situationDate?.(incident, evidence.ctx, evidence.config);
  if (arose && Date.parse(scanned) < Date.parse(arose.at)) {
    return `PIM last scanned at ${scanned}, before the principal ${arose.what} (${arose.at})`;
  }
  return scanTooOld(scanned, evidence);
}

function scanTooOld(scanned: string, evidence: AlertEvidence): string | undefined {
  const limit = evidence.ctx.now.getTime() - evidence.graphScanMaxAge.ms;
  return Date.parse(scanned) < limit
    ? `PIM last scanned at ${scanned}, longer ago than ${evidence.graphScanMaxAge.text}`
    : undefined;
}

/**
 * Why only we report an incident, first rule that applies:
 * `graphUnavailable` (PIM's alerts could not be read, nothing to compare), `graphAlertDisabled` (the
 * tenant switched PIM's alert off), `thresholdsDiffer` (our local thresholds are stricter in a way that
 * produces it), `graphScanStale` (PIM never scanned, scanned before the situation arose, or too long
 * ago), else `graphMissing`.
 */
export function explainOursOnly(incident: Incident, evidence: AlertEvidence): Explanation {
  const { graph, provenance, ctx } = evidence;
  if (graph.status === 'unavailable') {
    return { reason: 'graphUnavailable', detail: `PIM's alerts could not be read: ${graph.cause}` };
  }
  if (provenance.tenantEnabled === false) {
    return { reason: 'graphAlertDisabled', detail: `${TENANT_SWITCHED_OFF}, so PIM does not look for this` };
  }
  const thresholds = thresholdsExplain(
    'oursOnly',
    evidence.detector,
    provenance,
    () => factsOfOurs(incident, evidence.outcome, ctx),
    ctx.now,
  );
  if (thresholds) return { reason: 'thresholdsDiffer', detail: thresholds };
  const stale = staleGraphScan(incident, evidence);
  if (stale) return { reason: 'graphScanStale', detail: stale };
  return { reason: 'graphMissing', detail: 'PIM scanned recently and does not report it; no known cause' };
}

/**
 * Why only PIM reports an incident, first rule that applies:
 * `principalDeleted`, `excludedLocally`, then our detector's state (see `detectorNotRun`),
 * `graphAlertDisabled` (a leftover of an alert the tenant has since switched off), `thresholdsDiffer`
 * (our local thresholds are looser in a way that hides it), `graphScanStale` (PIM's last scan is older
 * than the limit, so the incident may have ended since), else `notDetectedLocally`.
 */
export function explainGraphOnly(
  incident: GraphIncident,
  roleTemplateId: string | undefined,
  evidence: AlertEvidence,
): Explanation {
  const { ctx, alert, provenance } = evidence;
  const assignee = incident.assigneeId;
  if (assignee && new IdSet(ctx.snapshot.deletedPrincipalIds).has(assignee)) {
    return {
      reason: 'principalDeleted',
      detail: `principal ${assignee} no longer exists; PIM still lists it`,
    };
  }
  if (assignee && excludedPrincipals(ctx.config.exclusions, alert).has(assignee)) {
    const exclusion = ctx.config.exclusions.find(
      (e) => e.principalId.toLowerCase() === assignee.toLowerCase(),
    );
    return {
      reason: 'excludedLocally',
      detail: `principal ${assignee} is excluded from this alert in our configuration${exclusion ? `: ${exclusion.reason}` : ''}`,
    };
  }
  const notRun = detectorNotRun(evidence);
  if (notRun) return notRun;
  if (provenance.tenantEnabled === false) {
    return {
      reason: 'graphAlertDisabled',
      detail: `${TENANT_SWITCHED_OFF}; PIM still lists this from before`,
    };
  }
  const thresholds = thresholdsExplain(
    'graphOnly',
    evidence.detector,
    provenance,
    () => factsOfGraphIncident(incident, roleTemplateId, evidence.detector, evidence.outcome, ctx),
    ctx.now,
  );
  if (thresholds) return { reason: 'thresholdsDiffer', detail: thresholds };
  const scanned = evidence.graph.status === 'read' ? evidence.graph.alert?.lastScannedDateTime : null;
  const stale = scanned ? scanTooOld(scanned, evidence) : undefined;
  if (stale) return { reason: 'graphScanStale', detail: `${stale}: the situation may have ended since` };
  return { reason: 'notDetectedLocally', detail: 'our detector ran and does not find it' };
}

/**
 * PIM's incidents of an alert our detector did not judge. No code says "we did not look", so the one
 * that names the cause is used: `graphAlertDisabled` when our detector is off because the tenant
 * switched PIM's alert off (PIM's incidents are leftovers); `excludedLocally` when our configuration
 * switched the detector off (a deliberate local choice, like excluding a principal, only wider);
 * `notDetectedLocally` when the detector was unknown (its sources failed): we did not detect it, and
 * the detail says that we could not, rather than that it is absent.
 */
function detectorNotRun(evidence: AlertEvidence): Explanation | undefined {
  const { outcome, ctx, provenance } = evidence;
  if (outcome.status === 'disabled') {
    return disabledByTenant(ctx.config, provenance)
      ? {
          reason: 'graphAlertDisabled',
          detail: `${TENANT_SWITCHED_OFF} and our detector follows it; PIM still lists this`,
        }
      : {
          reason: 'excludedLocally',
          detail: 'our detector for this alert is switched off in the configuration',
        };
  }
  if (outcome.status === 'unknown') {
    return {
      reason: 'notDetectedLocally',
      detail: `our detector could not judge this alert: ${outcome.cause}`,
    };
  }
  return undefined;
}
