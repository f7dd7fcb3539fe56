import type { DetectorsConfig } from '../detectors/config-schema.js';
import type { IncidentContext } from '../detectors/holding-dates.js';
import { type HoldingIndex, resolveHoldings } from '../detectors/holdings.js';
import type { Activation, TenantSnapshot } from '../model/snapshot.js';

/** What reconciliation reads besides the incidents themselves: the alert modules' view, plus the settings. */
export interface ReconcileContext extends IncidentContext {
  /** The settings the detectors ran with (after the tenant's thresholds were applied). */
  config: DetectorsConfig;
}

export function reconcileContext(
  snapshot: TenantSnapshot,
  config: DetectorsConfig,
  now: Date,
): ReconcileContext {
  let holdings: HoldingIndex | undefined;
  let holdingsTried = false;
  let activations: Map<string, Activation> | undefined;
  return {
    snapshot,
    config,
    now,
    holdings() {
      if (!holdingsTried) {
        holdingsTried = true;
        try {
          holdings = resolveHoldings(snapshot, now);
        } catch {
          // The detectors already report this as unknown; here it only means fewer dates to explain with.
          holdings = undefined;
        }
      }
      return holdings;
    },
    activation(id) {
      activations ??= new Map(snapshot.activationHistory.activations.map((a) => [a.record.id, a]));
      return activations.get(id);
    },
  };
}
