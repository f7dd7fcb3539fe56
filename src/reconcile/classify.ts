import { alertSettings, type DetectorsConfig } from '../detectors/config-schema.js';
import { DETECTORS } from '../detectors/registry.js';
import type { DetectorOutcomes } from '../detectors/run.js';
import type { Detector } from '../detectors/types.js';
import type { AlertId } from '../model/alerts.js';
import type { GraphOnlyIncident } from '../model/lifecycle.js';
import type { ReconciledIncident } from '../model/reconciled.js';
import type { TenantSnapshot } from '../model/snapshot.js';
import { parseIsoDuration } from '../util/iso-duration.js';
import { reconcileConfigSchema } from './config-schema.js';
import { reconcileContext } from './context.js';
import { matchIncidents, roleTemplateResolver } from './match.js';
import { type AlertEvidence, explainGraphOnly, explainOursOnly, type GraphSide } from './reasons.js';
import type { ThresholdProvenanceByAlert } from './thresholds.js';

/** PIM's last scan older than this says nothing about what it does not report. */
const DEFAULT_GRAPH_SCAN_MAX_AGE = reconcileConfigSchema.parse({}).graphScanMaxAge;

export type { ReconciledIncident };

/** One of PIM's incidents that we do not report, with the reason in words. */
export interface ReconciledGraphOnlyIncident extends GraphOnlyIncident {
  reasonDetail: string;
}

export interface ClassificationCounts {
  both: number;
  oursOnly: number;
  graphOnly: number;
}

export interface Reconciliation {
  incidents: ReconciledIncident[];
  graphOnly: ReconciledGraphOnlyIncident[];
  byAlert: Record<AlertId, ClassificationCounts>;
}

export interface ReconcileInput {
  snapshot: TenantSnapshot;
  outcomes: DetectorOutcomes;
  /** The settings the detectors ran with (`effectiveDetectorsConfig(...).config`). */
  config: DetectorsConfig;
  provenance: ThresholdProvenanceByAlert;
  now: Date;
  /** See `reconcileConfigSchema`. @defaultValue P2D */
  graphScanMaxAge?: string;
  /** The alert registry. @defaultValue the built-in one */
  alerts?: readonly Detector[];
}

function graphSideOf(snapshot: TenantSnapshot, alert: AlertId): GraphSide {
  const source = snapshot.sources.alerts;
  if (source?.status === 'failed')
    return { status: 'unavailable', cause: source.cause ?? 'no cause recorded' };
  return { status: 'read', alert: snapshot.graphAlerts.alerts.get(alert) };
}

function scanMaxAge(text: string): { text: string; ms: number } {
  const ms = parseIsoDuration(text);
  if (ms === undefined) throw new Error(`graphScanMaxAge is not an ISO-8601 duration: ${text}`);
  return { text, ms };
}

/**
 * Compares our incidents with the ones PIM reports, alert by alert: each of ours is `both` (keeping
 * PIM's incident id) or `oursOnly`, each of PIM's we do not report is `graphOnly`, and every mismatch
 * carries a reason code and the facts behind it. Pure: the clock is `now`, everything else the
 * snapshot.
 */
export function reconcile(input: ReconcileInput): Reconciliation {
  const { snapshot, outcomes, config, provenance, now } = input;
  const ctx = reconcileContext(snapshot, config, now);
  const resolveRole = roleTemplateResolver(snapshot);
  const maxAge = scanMaxAge(input.graphScanMaxAge ?? DEFAULT_GRAPH_SCAN_MAX_AGE);
  const incidents: ReconciledIncident[] = [];
  const graphOnly: ReconciledGraphOnlyIncident[] = [];
  const byAlert = {} as Record<AlertId, ClassificationCounts>;

  for (const detector of input.alerts ?? DETECTORS) {
    const alert = detector.meta.alert;
    const outcome = outcomes[alert];
    const evidence: AlertEvidence = {
      ctx,
      alert,
      detector,
      config: alertSettings(config, detector),
      outcome,
      provenance: provenance[alert],
      graph: graphSideOf(snapshot, alert),
      graphScanMaxAge: maxAge,
    };
    const ours = outcome.status === 'ok' ? outcome.incidents : [];
    const theirs = evidence.graph.status === 'read' ? (evidence.graph.alert?.incidents ?? []) : [];
    const matched = matchIncidents(detector.meta.matchBy, ours, theirs, resolveRole);
    const counts: ClassificationCounts = { both: 0, oursOnly: 0, graphOnly: 0 };

    const pimIdOf = new Map(matched.pairs.map(({ ours, graph }) => [ours, graph.id]));
    // Our incidents keep the detector's order, whichever list they land in.
    for (const incident of ours) {
      const graphIncidentId = pimIdOf.get(incident);
      if (graphIncidentId !== undefined) {
        incidents.push({ ...incident, classification: 'both', graphIncidentId });
        counts.both++;
        continue;
      }
      const { reason, detail } = explainOursOnly(incident, evidence);
      incidents.push({ ...incident, classification: 'oursOnly', reason, reasonDetail: detail });
      counts.oursOnly++;
    }
    const severity = detector.meta.severity;
    for (const graph of matched.graphOnly) {
      const roleId = graph.roleTemplateId ?? graph.roleDefinitionId;
      const { reason, detail } = explainGraphOnly(graph, roleId ? resolveRole(roleId) : undefined, evidence);
      graphOnly.push({
        classification: 'graphOnly',
        reason,
        reasonDetail: detail,
        alert,
        severity,
        tenantId: snapshot.tenantId,
        graph,
      });
      counts.graphOnly++;
    }
    byAlert[alert] = counts;
  }
  return { incidents, graphOnly, byAlert };
}
