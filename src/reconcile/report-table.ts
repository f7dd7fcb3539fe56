import { DETECTORS } from '../detectors/registry.js';
import type { Detector } from '../detectors/types.js';
import type { AlertId } from '../model/alerts.js';
import { REASON_CODES, type ReasonCode } from '../model/lifecycle.js';
import type { Reconciliation } from './classify.js';
import type { ThresholdValues } from './threshold-values.js';
import type { ThresholdProvenanceByAlert } from './thresholds.js';

/** One line of the scan report's threshold table: our values, the tenant's, and which were used. */
export interface ThresholdRow {
  alert: AlertId;
  used: 'tenant' | 'local';
  ours: ThresholdValues;
  /** Null when the tenant's configuration is absent or could not be read. */
  tenant: ThresholdValues | null;
  tenantEnabled: boolean | null;
  differs: boolean;
  reason: string | null;
}

/** The threshold table, one row per alert in the usual alert order. */
export function thresholdRows(
  provenance: ThresholdProvenanceByAlert,
  alerts: readonly Detector[] = DETECTORS,
): ThresholdRow[] {
  return alerts.map(({ meta: { alert } }) => {
    const p = provenance[alert];
    return {
      alert,
      used: p.used,
      ours: p.local,
      tenant: p.tenant,
      tenantEnabled: p.tenantEnabled,
      differs: p.differs,
      reason: p.reason ?? null,
    };
  });
}

/** One line of the reconciliation summary: how many of each classification, and why they disagree. */
export interface ReconciliationRow {
  alert: AlertId;
  both: number;
  oursOnly: number;
  graphOnly: number;
  /** Mismatches per reason code; codes that did not occur are absent. */
  reasons: Partial<Record<ReasonCode, number>>;
}

/** The reconciliation summary, one row per alert in the usual alert order. */
export function reconciliationRows(
  result: Reconciliation,
  alerts: readonly Detector[] = DETECTORS,
): ReconciliationRow[] {
  const ids = alerts.map((d) => d.meta.alert);
  const reasons = new Map<AlertId, Partial<Record<ReasonCode, number>>>(ids.map((a) => [a, {}]));
  const count = (alert: AlertId, reason: ReasonCode | undefined) => {
    if (!reason) return;
    const row = reasons.get(alert)!;
    row[reason] = (row[reason] ?? 0) + 1;
  };
  for (const incident of result.incidents) count(incident.alert, incident.reason);
  for (const incident of result.graphOnly) count(incident.alert, incident.reason);
  return ids.map((alert) => ({
    alert,
    ...result.byAlert[alert],
    reasons: orderedReasons(reasons.get(alert)!),
  }));
}

/** Reason counts in `REASON_CODES` order, so reports list them the same way every time. */
function orderedReasons(counts: Partial<Record<ReasonCode, number>>): Partial<Record<ReasonCode, number>> {
  const ordered: Partial<Record<ReasonCode, number>> = {};
  for (const code of REASON_CODES) if (counts[code] !== undefined) ordered[code] = counts[code];
  return ordered;
}
