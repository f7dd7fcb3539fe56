import { holdingDates, lastSelfActivation, lastSignInOf } from '../detectors/holding-dates.js';
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
    ...(assignee && role ? { eligibleSince: holdingDates(ctx, assignee, role).eligibleSince } : {}),
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
  const dates = known ? holdingDates(ctx, assignee, role) : {};
  const start = dates.start;
  return {
    ...(known ? { holds: dates.holds } : {}),
    ...(metrics ? { metrics } : {}),
    lastSignIn: signIn !== undefined ? signIn : incident.lastSignInDateTime,
    ...(start !== undefined ? { holdingStart: start } : {}),
    lastActivation: known ? lastSelfActivation(ctx, assignee, role) : incident.lastActivationDateTime,
    ...(known ? { eligibleSince: dates.eligibleSince } : {}),
    activationCount: incident.activationCount,
  };
}

/**
 * How each side of a mismatch could come from our thresholds: an incident only we report needs ours to
 * fire more (stricter) and the tenant's values not to fire; one only PIM reports needs the opposite.
 */
const MISMATCH = {
  oursOnly: { oursFires: 'more', tenantVerdictRulesOut: true, words: 'stricter' },
  graphOnly: { oursFires: 'less', tenantVerdictRulesOut: false, words: 'looser' },
} as const;

/** Why the local thresholds explain an incident only one side reports; undefined when they do not. */
export function thresholdsExplain(
  side: keyof typeof MISMATCH,
  detector: Detector,
  provenance: ThresholdProvenance,
  facts: () => ThresholdFacts,
  now: Date,
): string | undefined {
  if (provenance.used !== 'local' || !provenance.tenant || !provenance.differs) return undefined;
  const meaning = detector.thresholds;
  if (!meaning) return undefined;
  const { oursFires, tenantVerdictRulesOut, words } = MISMATCH[side];
  const keys = keysWhereOursFires(oursFires, provenance.local, provenance.tenant, meaning.firesMoreWhen);
  if (keys.length === 0) return undefined;
  if (meaning.wouldFireUnder(provenance.tenant, facts(), now) === tenantVerdictRulesOut) return undefined;
  return `our thresholds are ${words} than the tenant's: ${describeThresholdDifference(keys, provenance.local, provenance.tenant)}`;
}
