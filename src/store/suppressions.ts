import { randomUUID } from 'node:crypto';
import { type AlertId, isAlertId } from '../model/alerts.js';
import type { Incident } from '../model/incident.js';
import type { Suppression } from '../model/lifecycle.js';
import { type FieldProblem, SuppressionValidationError } from './errors.js';

/** Longest a suppression may last: a mute must come back up for review (CIPP's "no permanent snooze" lesson). */
export const MAX_SUPPRESSION_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What a person asks for; the store adds `id` and `createdAt`. */
export interface NewSuppression {
  tenantId: string;
  /** Hide one incident... */
  fingerprint?: string;
  /** ...or every incident of `alert` for this principal. */
  principalId?: string;
  alert?: AlertId | string;
  reason: string;
  author: string;
  /** ISO-8601; after now and at most {@link MAX_SUPPRESSION_DAYS} days after now. */
  expiresAt: string;
}

function blank(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}

/**
 * Checks a requested suppression and turns it into a stored one. Every problem is reported at once,
 * each naming its field, so a caller can fix the request in one go.
 */
export function buildSuppression(input: NewSuppression, now: Date, id: string = randomUUID()): Suppression {
  const problems: FieldProblem[] = [];
  if (blank(input.tenantId)) problems.push({ field: 'tenantId', message: 'required' });
  if (blank(input.reason)) problems.push({ field: 'reason', message: 'required: say why this is accepted' });
  if (blank(input.author)) problems.push({ field: 'author', message: 'required: who accepts it' });

  const byFingerprint = !blank(input.fingerprint);
  const byPrincipal = !blank(input.principalId) || !blank(input.alert);
  if (byFingerprint && byPrincipal) {
    problems.push({
      field: 'fingerprint',
      message: 'give either fingerprint, or principalId with alert, not both',
    });
  } else if (!byFingerprint) {
    if (blank(input.principalId)) {
      problems.push({ field: 'principalId', message: 'required unless fingerprint is given' });
    }
    if (blank(input.alert)) {
      problems.push({ field: 'alert', message: 'required unless fingerprint is given' });
    } else if (!isAlertId(input.alert ?? '')) {
      problems.push({ field: 'alert', message: `unknown alert id "${input.alert}"` });
    }
  }

  const expires = Date.parse(input.expiresAt);
  const latest = now.getTime() + MAX_SUPPRESSION_DAYS * DAY_MS;
  if (blank(input.expiresAt) || Number.isNaN(expires)) {
    problems.push({ field: 'expiresAt', message: 'required: an ISO-8601 date-time' });
  } else if (expires <= now.getTime()) {
    problems.push({ field: 'expiresAt', message: `must be after now (${now.toISOString()})` });
  } else if (expires > latest) {
    problems.push({
      field: 'expiresAt',
      message: `must be at most ${MAX_SUPPRESSION_DAYS} days after now (latest ${new Date(latest).toISOString()})`,
    });
  }
  if (problems.length > 0) throw new SuppressionValidationError(problems);

  const target = byFingerprint
    ? { fingerprint: input.fingerprint!.trim() }
    : { principalId: input.principalId!.trim(), alert: input.alert as AlertId };
  return {
    id,
    tenantId: input.tenantId,
    ...target,
    reason: input.reason.trim(),
    author: input.author.trim(),
    createdAt: now.toISOString(),
    expiresAt: new Date(expires).toISOString(),
  };
}

export function isSuppressionActive(suppression: Suppression, at: string | Date): boolean {
  const time = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return Date.parse(suppression.expiresAt) > time;
}

function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

function suppressionCovers(suppression: Suppression, incident: Incident): boolean {
  if (suppression.fingerprint !== undefined) return suppression.fingerprint === incident.fingerprint;
  return suppression.alert === incident.alert && sameId(suppression.principalId, incident.assigneeId);
}

/**
 * The suppression that hides `incident` at time `at`, if any. A suppression for exactly this incident
 * wins over a principal-wide one, so the transition names the most specific reason.
 */
export function findActiveSuppression(
  incident: Incident,
  suppressions: readonly Suppression[],
  at: string,
): Suppression | null {
  let principalWide: Suppression | null = null;
  for (const suppression of suppressions) {
    if (!sameId(suppression.tenantId, incident.tenantId)) continue;
    if (!isSuppressionActive(suppression, at) || !suppressionCovers(suppression, incident)) continue;
    if (suppression.fingerprint !== undefined) return suppression;
    principalWide ??= suppression;
  }
  return principalWide;
}

/** Oldest first, so a listing reads like a log. */
export function sortSuppressions(suppressions: Suppression[]): Suppression[] {
  return suppressions.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}
