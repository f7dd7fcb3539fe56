import {
  eligibleSince,
  holdingStart,
  holdsRole,
  lastSelfActivation,
  lastSignInOf,
} from '../detectors/holding-dates.js';
import type { DetectorOutcome } from '../detectors/run.js';
import type { ThresholdFacts } from '../detectors/threshold-rules.js';
import type { Detector } from '../detectors/types.js';
import type { Incident } from '../model/incident.js';
import type { GraphIncident } from '../model/snapshot.js';
import type { ReconcileContext } from './context.js';
import { describeThresholdDifference, keysWhereOursFires } from './threshold-values.js';
import type { ThresholdProvenance } from './thresholds.js';

/**
 * Whether "our thresholds differ from the tenant's" explains a mismatch. Two things must hold: the
 * local values differ in the direction that produces this kind of mismatch (ours fires more for an
 * incident only we report, less for one only PIM reports), and the incident's own figures do not
 * rule it out (a user who last signed in 90 days ago is stale under 30 days and under 60 alike).
 * What the thresholds mean comes from the alert's own module (`thresholds`), not a copy of its rule.
 */

/** The figures behind one of our incidents. */
export function factsOfOurs(
  incident: Incident,
  outcome: DetectorOutcome,
  ctx: ReconcileContext,
): ThresholdFacts {
  const metrics = outcome.status === 'ok' ? outcome.metrics : undefined;
  const assignee = incident.assigneeId;
  const role = incident.roleTemplateId;
  return {
    holds: true,
    ...(metrics ? { metrics } : {}),
    ...(incident.lastSignInDateTime !== undefined ? { lastSignIn: incident.lastSignInDateTime } : {}),
    ...(incident.assignmentCreatedDateTime !== undefined
      ? { holdingStart: incident.assignmentCreatedDateTime }
      : {}),
    ...(incident.lastActivationDateTime !== undefined
      ? { lastActivation: incident.lastActivationDateTime }
      : {}),
    ...(assignee && role ? { eligibleSince: eligibleSince(ctx, assignee, role) } : {}),
    ...(incident.activationCount !== undefined ? { activationCount: incident.activationCount } : {}),
  };
}

/**
 * The figures behind one of PIM's incidents: our own reading of the tenant where we have one (it is
 * as fresh as this scan), PIM's fields where we do not.
 */
export function factsOfGraphIncident(
  incident: GraphIncident,
  roleTemplateId: string | undefined,
  detector: Detector,
  outcome: DetectorOutcome,
  ctx: ReconcileContext,
): ThresholdFacts {
  const metrics = outcome.status === 'ok' ? outcome.metrics : undefined;
  const assignee = incident.assigneeId ?? undefined;
  // Incidents of an alert about one role (Global Administrator) name no role: the alert implies it.
  const role = detector.meta.impliedRole?.templateId ?? roleTemplateId;
  const known = assignee && role;
  const signIn = assignee ? lastSignInOf(ctx, assignee) : undefined;
  const start = known ? holdingStart(ctx, assignee, role) : undefined;
  return {
    ...(known ? { holds: holdsRole(ctx, assignee, role) } : {}),
    ...(metrics ? { metrics } : {}),
    lastSignIn: signIn !== undefined ? signIn : incident.lastSignInDateTime,
    ...(start !== undefined ? { holdingStart: start } : {}),
    lastActivation: known ? lastSelfActivation(ctx, assignee, role) : incident.lastActivationDateTime,
    ...(known ? { eligibleSince: eligibleSince(ctx, assignee, role) } : {}),
    activationCount: incident.activationCount,
  };
}

/** Why the local thresholds explain an incident only we report; undefined when they do not. */
export function thresholdsExplainOursOnly(
  detector: Detector,
  provenance: ThresholdProvenance,
  facts: () => ThresholdFacts,
  now: Date,
): string | undefined {
  if (provenance.used !== 'local' || !provenance.tenant || !provenance.differs) return undefined;
  const meaning = detector.thresholds;
  if (!meaning) return undefined;
  const keys = keysWhereOursFires('more', provenance.local, provenance.tenant, meaning.firesMoreWhen);
  if (keys.length === 0 || meaning.wouldFireUnder(provenance.tenant, facts(), now) === true) return undefined;
  return `our thresholds are stricter than the tenant's: ${describeThresholdDifference(keys, provenance.local, provenance.tenant)}`;
}

/** Why the local thresholds explain an incident only PIM reports; undefined when they do not. */
export function thresholdsExplainGraphOnly(
  detector: Detector,
  provenance: ThresholdProvenance,
  facts: () => ThresholdFacts,
  now: Date,
): string | undefined {
  if (provenance.used !== 'local' || !provenance.tenant || !provenance.differs) return undefined;
  const meaning = detector.thresholds;
  if (!meaning) return undefined;
  const keys = keysWhereOursFires('less', provenance.local, provenance.tenant, meaning.firesMoreWhen);
  if (keys.length === 0 || meaning.wouldFireUnder(provenance.tenant, facts(), now) === false)
    return undefined;
  return `our thresholds are looser than the tenant's: ${describeThresholdDifference(keys, provenance.local, provenance.tenant)}`;
}
