import type { DetectorOutcome } from '../detectors/run.js';
import { type AlertId, GLOBAL_ADMIN_TEMPLATE_ID } from '../model/alerts.js';
import type { Incident } from '../model/incident.js';
import type { GraphIncident } from '../model/snapshot.js';
import { durationMs, parseIsoDuration } from '../util/iso-duration.js';
import type { ReconcileContext } from './context.js';
import { eligibleSince, holdingStart, holdsRole, lastSelfActivation, lastSignInOf } from './holding-dates.js';
import { describeThresholdDifference, keysWhereOursFires, type ThresholdValues } from './threshold-values.js';
import type { ThresholdProvenance } from './thresholds.js';

/**
 * Whether "our thresholds differ from the tenant's" explains a mismatch. Two things must hold: the
 * local values differ in the direction that produces this kind of mismatch (ours fires more for an
 * incident only we report, less for one only PIM reports), and the incident's own figures do not
 * rule it out (a user who last signed in 90 days ago is stale under 30 days and under 60 alike).
 */

/** The figures a threshold is compared with. `undefined`: not known; `null`: never / long ago. */
export interface ThresholdFacts {
  /** TooManyGlobalAdmins: the tenant-wide figures our detector measured. */
  globalAdmins?: number;
  percent?: number;
  /** Whether the principal holds the role at all. */
  holds?: boolean;
  lastSignIn?: string | null;
  holdingStart?: string | null;
  lastActivation?: string | null;
  eligibleSince?: string | null;
  activationCount?: number | null;
}

/** `timestamp` is older than `duration` before now (null: never, which is older than anything). */
function olderThan(timestamp: string | null, duration: string, now: Date): boolean {
  return timestamp === null || Date.parse(timestamp) < now.getTime() - durationMs(duration);
}

/** Started at least `duration` ago (null: long ago). */
function startedBefore(start: string | null, duration: string, now: Date): boolean {
  return start === null || Date.parse(start) <= now.getTime() - durationMs(duration);
}

/** All known conditions true: true; any known condition false: false; otherwise unknown. */
function allOf(conditions: (boolean | undefined)[]): boolean | undefined {
  if (conditions.includes(false)) return false;
  return conditions.includes(undefined) ? undefined : true;
}

function numberOf(values: ThresholdValues, key: string): number | undefined {
  const value = values[key];
  return typeof value === 'number' ? value : undefined;
}

function durationOf(values: ThresholdValues, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' && parseIsoDuration(value) !== undefined ? value : undefined;
}

/**
 * Whether the detector would fire for these facts under `values`; undefined when the facts are not
 * enough to say. Only the threshold-driven parts of each rule are re-checked here.
 */
export function wouldFireUnder(
  alert: AlertId,
  values: ThresholdValues,
  facts: ThresholdFacts,
  now: Date,
): boolean | undefined {
  switch (alert) {
    case 'TooManyGlobalAdminsAssignedToTenantAlert': {
      const count = numberOf(values, 'globalAdminCountThreshold');
      const percent = numberOf(values, 'percentageOfGlobalAdminsOutOfRolesThreshold');
      return allOf([
        facts.holds,
        facts.globalAdmins === undefined || count === undefined ? undefined : facts.globalAdmins >= count,
        facts.percent === undefined || percent === undefined ? undefined : facts.percent >= percent,
      ]);
    }
    case 'StaleSignInAlert': {
      const duration = durationOf(values, 'duration');
      if (!duration) return undefined;
      return allOf([
        facts.holds,
        facts.lastSignIn === undefined ? undefined : olderThan(facts.lastSignIn, duration, now),
        facts.holdingStart === undefined ? undefined : startedBefore(facts.holdingStart, duration, now),
      ]);
    }
    case 'RedundantAssignmentAlert': {
      const duration = durationOf(values, 'duration');
      if (!duration) return undefined;
      return allOf([
        facts.holds,
        facts.lastActivation === undefined ? undefined : olderThan(facts.lastActivation, duration, now),
        facts.eligibleSince === undefined ? undefined : startedBefore(facts.eligibleSince, duration, now),
      ]);
    }
    case 'SequentialActivationRenewalsAlert': {
      const count = numberOf(values, 'sequentialActivationCounterThreshold');
      const runLength = facts.activationCount;
      // The count alone can rule a run out; whether a different gap splits or joins runs cannot be
      // re-checked from one incident, so a longer run stays "unknown" and the direction decides.
      if (count === undefined || runLength === undefined || runLength === null) return undefined;
      return runLength < count ? false : undefined;
    }
    default:
      // No thresholds: they can never explain anything.
      return undefined;
  }
}

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
    ...(metrics?.globalAdmins !== undefined ? { globalAdmins: metrics.globalAdmins } : {}),
    ...(metrics?.percent !== undefined ? { percent: metrics.percent } : {}),
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
  outcome: DetectorOutcome,
  ctx: ReconcileContext,
): ThresholdFacts {
  const metrics = outcome.status === 'ok' ? outcome.metrics : undefined;
  const assignee = incident.assigneeId ?? undefined;
  // PIM's Global Administrator incidents name no role: the role is implied by the alert.
  const role =
    incident.alert === 'TooManyGlobalAdminsAssignedToTenantAlert' ? GLOBAL_ADMIN_TEMPLATE_ID : roleTemplateId;
  const known = assignee && role;
  const signIn = assignee ? lastSignInOf(ctx, assignee) : undefined;
  const start = known ? holdingStart(ctx, assignee, role) : undefined;
  return {
    ...(known ? { holds: holdsRole(ctx, assignee, role) } : {}),
    ...(metrics?.globalAdmins !== undefined ? { globalAdmins: metrics.globalAdmins } : {}),
    ...(metrics?.percent !== undefined ? { percent: metrics.percent } : {}),
    lastSignIn: signIn !== undefined ? signIn : incident.lastSignInDateTime,
    ...(start !== undefined ? { holdingStart: start } : {}),
    lastActivation: known ? lastSelfActivation(ctx, assignee, role) : incident.lastActivationDateTime,
    ...(known ? { eligibleSince: eligibleSince(ctx, assignee, role) } : {}),
    activationCount: incident.activationCount,
  };
}

/** Why the local thresholds explain an incident only we report; undefined when they do not. */
export function thresholdsExplainOursOnly(
  alert: AlertId,
  provenance: ThresholdProvenance,
  facts: () => ThresholdFacts,
  now: Date,
): string | undefined {
  if (provenance.used !== 'local' || !provenance.tenant || !provenance.differs) return undefined;
  const keys = keysWhereOursFires('more', provenance.local, provenance.tenant);
  if (keys.length === 0 || wouldFireUnder(alert, provenance.tenant, facts(), now) === true) return undefined;
  return `our thresholds are stricter than the tenant's: ${describeThresholdDifference(keys, provenance.local, provenance.tenant)}`;
}

/** Why the local thresholds explain an incident only PIM reports; undefined when they do not. */
export function thresholdsExplainGraphOnly(
  alert: AlertId,
  provenance: ThresholdProvenance,
  facts: () => ThresholdFacts,
  now: Date,
): string | undefined {
  if (provenance.used !== 'local' || !provenance.tenant || !provenance.differs) return undefined;
  const keys = keysWhereOursFires('less', provenance.local, provenance.tenant);
  if (keys.length === 0 || wouldFireUnder(alert, provenance.tenant, facts(), now) === false) return undefined;
  return `our thresholds are looser than the tenant's: ${describeThresholdDifference(keys, provenance.local, provenance.tenant)}`;
}
