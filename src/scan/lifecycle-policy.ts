import type { z } from 'zod';
import type { DetectorsConfig } from '../detectors/config-schema.js';
import type { DetectorOutcomes } from '../detectors/run.js';
import { ALERT_IDS, type AlertId } from '../model/alerts.js';
import { SOURCE_NAMES, type TenantSnapshot } from '../model/snapshot.js';
import type { lifecycleHoldSchema } from './report-schema.js';

/** Why one alert's incidents could not move the way a complete scan would move them. */
export type LifecycleHold = z.output<typeof lifecycleHoldSchema>;

export interface LifecyclePolicy {
  /** Alerts whose absent incidents this scan may resolve. */
  resolvableAlerts: Set<AlertId>;
  /** Alerts whose incidents this scan may open or reopen on our word alone. */
  openableAlerts: Set<AlertId>;
  /** What was held back and why, for the report. */
  holds: LifecycleHold[];
}

/**
 * Which transitions a scan may make. A scan with any failed source resolves nothing at all: a source a
 * detector does not list can still change what it finds (the tenant's thresholds, a lookup), and a
 * false resolution costs two notifications (resolved now, reopened by the next clean scan). In
 * `thresholds: tenant` mode an unreadable `alertConfigurations` also stops openings that only our local
 * thresholds would cause; an incident PIM itself reports (`both`) still opens.
 */
export function lifecyclePolicy({
  snapshot,
  outcomes,
  detectors,
}: {
  snapshot: TenantSnapshot;
  outcomes: DetectorOutcomes;
  detectors: DetectorsConfig;
}): LifecyclePolicy {
  const failed = SOURCE_NAMES.filter((name) => snapshot.sources[name]?.status === 'failed');
  const thresholdsUnread =
    detectors.thresholds === 'tenant' && snapshot.sources.alertConfigurations?.status === 'failed';
  const resolvableAlerts = new Set<AlertId>();
  const openableAlerts = new Set<AlertId>();
  const holds: LifecycleHold[] = [];
  for (const alert of ALERT_IDS) {
    const ran = outcomes[alert].status === 'ok';
    const resolve = ran && failed.length === 0;
    const open = !thresholdsUnread;
    if (resolve) resolvableAlerts.add(alert);
    if (open) openableAlerts.add(alert);
    const reasons: string[] = [];
    if (ran && !resolve) reasons.push(`partial scan (failed: ${failed.join(', ')}), so nothing was resolved`);
    if (ran && !open) {
      reasons.push(
        "the tenant's thresholds could not be read, so only incidents PIM reports too were opened",
      );
    }
    if (reasons.length > 0)
      holds.push({ alert, resolve: ran && !resolve, open: ran && !open, reason: reasons.join('; ') });
  }
  return { resolvableAlerts, openableAlerts, holds };
}
