import type { DetectorsConfig } from '../detectors/config-schema.js';
import { type HoldingIndex, resolveHoldings } from '../detectors/holdings.js';
import type { Activation, TenantSnapshot } from '../model/snapshot.js';

/** What reconciliation reads besides the incidents themselves, with the costly parts worked out once. */
export interface ReconcileContext {
  snapshot: TenantSnapshot;
  /** The settings the detectors ran with (after the tenant's thresholds were applied). */
  config: DetectorsConfig;
  now: Date;
  /** Who holds which role; undefined when the snapshot's grants cannot be resolved. */
  holdings(): HoldingIndex | undefined;
  /** An activation by the id of the record it was read from (a schedule request or an audit record). */
  activation(id: string): Activation | undefined;
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
