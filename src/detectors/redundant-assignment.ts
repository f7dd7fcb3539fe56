import { z } from 'zod';
import type { Evidence, Incident } from '../model/incident.js';
import type { ScheduleRequest } from '../model/snapshot.js';
import { durationMs, isoDuration } from '../util/iso-duration.js';
import { HOLDING_SOURCES, type Holding } from './holdings.js';
import {
  assigneeFields,
  compareIncidents,
  holdingEvidence,
  incidentIdentity,
  roleFields,
} from './incident-fields.js';
import { hasAction, isSuccessfulRequest, principalRoleKey } from './requests.js';
import { epochMs, isOlderThan, windowEdge } from './time.js';
import { type DetectorMeta, defineDetector } from './types.js';

const config = z
  .object({
    /** @defaultValue true */
    enabled: z.boolean().default(true),
    /** How long an eligible user may go without activating. ISO-8601 duration. @defaultValue P30D */
    duration: isoDuration.default('P30D'),
  })
  .strict();

const meta: DetectorMeta<z.output<typeof config>> = {
  alert: 'RedundantAssignmentAlert',
  title: 'Eligible administrator has not activated their role',
  severity: 'low',
  description:
    'This user has been eligible for the role for a while but has not activated it recently, or ever. ' +
    'Access nobody uses is still access an attacker can use, and misuse of a quiet account is easy to miss.',
  mitigation: [
    'Ask the user, or their manager, whether the role is still needed for their work.',
    'Remove the eligibility if it is not, or replace it with a less privileged role.',
    'Put the role under a recurring access review so unused eligibilities are removed as a matter of course.',
  ],
  sources: [...HOLDING_SOURCES, 'roleAssignmentScheduleRequests'],
  graphConfigurationType: '#microsoft.graph.redundantAssignmentAlertConfiguration',
  thresholdKeys: ['duration'],
};

/** When the principal first became eligible; null when any eligibility has no known start (long ago). */
function eligibleSince(holding: Holding): string | null {
  let earliest: string | null = null;
  let earliestMs = Number.POSITIVE_INFINITY;
  for (const grant of holding.grants) {
    if (grant.kind !== 'eligible') continue;
    if (grant.start === null) return null;
    const ms = epochMs(grant.start);
    if (ms < earliestMs) {
      earliest = grant.start;
      earliestMs = ms;
    }
  }
  return earliest;
}

function latestSelfActivations(requests: readonly ScheduleRequest[]): Map<string, ScheduleRequest> {
  const latest = new Map<string, ScheduleRequest>();
  for (const request of requests) {
    if (!isSuccessfulRequest(request) || !hasAction(request, ['selfActivate'])) continue;
    const key = principalRoleKey(request.principalId, request.roleTemplateId);
    const previous = latest.get(key);
    if (!previous || epochMs(request.startDateTime) > epochMs(previous.startDateTime))
      latest.set(key, request);
  }
  return latest;
}

/**
 * Eligible users who do not use their role.
 *
 * - fires (one incident per user and role): a user's eligibility, direct or through groups, that started
 *   at least `duration` ago (or has no known start) and whose latest successful `selfActivate` of that
 *   role started strictly before `now - duration`, or never happened.
 * - quiet: the eligibility is younger than `duration`, or the user activated within `duration`
 *   (an activation exactly at the edge counts as recent). Service principals are never eligible holders.
 * - unknown: holdings or schedule requests could not be read.
 */
export const RedundantAssignmentAlert = defineDetector({
  meta,
  config,
  detect({ snapshot, config, now, holdings, exclusions }) {
    const windowMs = durationMs(config.duration);
    const edge = windowEdge(now, windowMs);
    const lastActivation = latestSelfActivations(snapshot.scheduleRequests);
    const incidents: Incident[] = [];
    for (const holding of holdings.all) {
      if (!holding.eligible || holding.principalType !== 'user' || exclusions.has(holding.principalId))
        continue;
      const since = eligibleSince(holding);
      if (since !== null && epochMs(since) > edge) continue;
      const activation = lastActivation.get(principalRoleKey(holding.principalId, holding.roleTemplateId));
      if (activation && !isOlderThan(activation.startDateTime, now, windowMs)) continue;
      const evidence: Evidence[] = holdingEvidence(snapshot, holding);
      if (activation) {
        evidence.push({
          kind: 'scheduleRequest',
          id: activation.id,
          detail: `last activation ${activation.startDateTime}`,
        });
      }
      incidents.push({
        ...incidentIdentity(snapshot, meta.alert, meta.severity, {
          principalId: holding.principalId,
          roleTemplateId: holding.roleTemplateId,
        }),
        ...assigneeFields(snapshot, holding.principalId),
        ...roleFields(snapshot, holding.roleTemplateId, holding.roleDefinitionId),
        lastActivationDateTime: activation?.startDateTime ?? null,
        evidence,
      });
    }
    return { status: 'ok', incidents: incidents.sort(compareIncidents) };
  },
});
