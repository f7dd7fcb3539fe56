import type { z } from 'zod';
import { alertSettings, type DetectorsConfig } from '../detectors/config-schema.js';
import { DETECTORS, detectorFor } from '../detectors/registry.js';
import type { Detector } from '../detectors/types.js';
import { AUDIT_RETENTION_DAYS, AUDIT_RETENTION_MS } from '../graph/readers/pim-activation-audits.js';
import type { AlertId } from '../model/alerts.js';
import type { ActivationHistory } from '../model/snapshot.js';
import { durationMs } from '../util/iso-duration.js';
import type { activationHistoryReportSchema, alertHistoryReportSchema } from './report-schema.js';

/** Where one alert's activation history came from, and what that source could not hold. */
export type AlertHistoryReport = z.output<typeof alertHistoryReportSchema>;

/** The scan-wide view: the report calls a scan whose history came from the audit log degraded, not partial. */
export type ActivationHistoryReport = z.output<typeof activationHistoryReportSchema>;

/** The alerts that read activation history: those whose sources include PIM's activation records. */
export const HISTORY_ALERTS: readonly AlertId[] = DETECTORS.filter((d) =>
  d.meta.sources.includes('pimActivationAudits'),
).map((d) => d.meta.alert);

const RETENTION = `the audit log holds ${AUDIT_RETENTION_DAYS} days`;

/** The window (ISO duration) a history alert looks through, from the settings it ran with. */
function windowOf(detector: Detector, config: DetectorsConfig): { key: string; value: string } | undefined {
  const key = detector.meta.activationHistory?.windowKey;
  const value =
    key === undefined ? undefined : (alertSettings(config, detector) as Record<string, unknown>)[key];
  return key !== undefined && typeof value === 'string' ? { key, value } : undefined;
}

function retentionNotes(detector: Detector, config: DetectorsConfig, coversFrom: string | null): string[] {
  const notes: string[] = [];
  const since = coversFrom ? ` (nothing before ${coversFrom})` : '';
  const window = windowOf(detector, config);
  if (window && durationMs(window.value) > AUDIT_RETENTION_MS) {
    notes.push(
      `its ${window.key} ${window.value} reaches past what ${RETENTION}${since}: activations older than that are not seen`,
    );
  }
  if (detector.meta.activationHistory?.reportsLastActivation) {
    notes.push(
      `lastActivationDateTime is null where the last activation is older than ${AUDIT_RETENTION_DAYS} days; the schedule requests would have known it`,
    );
  }
  return notes;
}

export function alertHistoryReport(
  alert: AlertId,
  history: ActivationHistory,
  config: DetectorsConfig,
  alerts: readonly Detector[] = DETECTORS,
): AlertHistoryReport {
  if (history.source !== 'auditLog') return { source: history.source };
  return {
    source: 'auditLog',
    ...(history.reason ? { reason: history.reason } : {}),
    notes: retentionNotes(detectorFor(alert, alerts), config, history.coversFrom),
  };
}

export function activationHistoryReport(history: ActivationHistory): ActivationHistoryReport {
  return {
    source: history.source,
    ...(history.reason ? { reason: history.reason } : {}),
    ...(history.coversFrom ? { coversFrom: history.coversFrom } : {}),
    degraded: history.source === 'auditLog',
  };
}
