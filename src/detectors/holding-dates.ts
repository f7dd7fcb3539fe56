import type { Activation, TenantSnapshot } from '../model/snapshot.js';
import { activationsOfKind } from './activations.js';
import { eligibleSince, type HoldingIndex } from './holdings.js';
import { lastSignIn } from './time.js';

/** What a situation date or a threshold explanation may read, with the costly parts worked out once. */
export interface IncidentContext {
  snapshot: TenantSnapshot;
  now: Date;
  /** Who holds which role; undefined when the snapshot's grants cannot be resolved. */
  holdings(): HoldingIndex | undefined;
  /** An activation by the id of the record it was read from (a schedule request or an audit record). */
  activation(id: string): Activation | undefined;
}

/**
 * Dates about one (principal, role) pair, read from the snapshot: what the situation dates and the
 * threshold explanations are built from. `undefined` always means "not known", `null` means "never"
 * or, for starts, "long ago" (as the detectors read it).
 */

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * What the snapshot says about one principal holding one role: whether it does (undefined when holdings
 * could not be resolved), since when (earliest grant; null: long ago), and since when it is eligible
 * (null: long ago; absent when it is not eligible).
 */
export interface HoldingDates {
  holds?: boolean;
  start?: string | null;
  eligibleSince?: string | null;
}

export function holdingDates(
  ctx: IncidentContext,
  principalId: string,
  roleTemplateId: string,
): HoldingDates {
  const holdings = ctx.holdings();
  if (!holdings) return {};
  const holding = holdings.get(principalId, roleTemplateId);
  if (!holding) return { holds: false };
  return {
    holds: true,
    start: holding.start,
    ...(holding.eligible ? { eligibleSince: eligibleSince(holding) } : {}),
  };
}

/** The user's last sign-in; null: never; undefined: sign-in activity was not read. */
export function lastSignInOf(ctx: IncidentContext, principalId: string): string | null | undefined {
  const activity =
    ctx.snapshot.signIns.get(principalId) ??
    [...ctx.snapshot.signIns].find(([id]) => sameId(id, principalId))?.[1];
  return activity ? lastSignIn(activity) : undefined;
}

/** Start of the user's latest successful self-activation of the role; null: never. */
export function lastSelfActivation(
  ctx: IncidentContext,
  principalId: string,
  roleTemplateId: string,
): string | null {
  let latest: string | null = null;
  for (const request of activationsOfKind(ctx.snapshot.activationHistory.activations, ['activate'])) {
    if (!sameId(request.principalId, principalId) || !sameId(request.roleTemplateId, roleTemplateId))
      continue;
    if (latest === null || Date.parse(request.startDateTime) > Date.parse(latest))
      latest = request.startDateTime;
  }
  return latest;
}
