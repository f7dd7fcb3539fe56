import { DETECTORS } from '../detectors/registry.js';
import type { AlertId } from '../model/alerts.js';
import type { AttackTechniqueId } from '../model/attack.js';

export {
  ATTACK_TECHNIQUES,
  ATTACK_VERSION,
  type AttackTechnique,
  type AttackTechniqueId,
} from '../model/attack.js';

/** Each alert's ATT&CK techniques, as its own module declares them (`meta.attack`, with the reasons). */
export const ALERT_ATTACK_TECHNIQUES: Readonly<Record<AlertId, readonly AttackTechniqueId[]>> =
  Object.fromEntries(DETECTORS.map((detector) => [detector.meta.alert, detector.meta.attack])) as Record<
    AlertId,
    readonly AttackTechniqueId[]
  >;
