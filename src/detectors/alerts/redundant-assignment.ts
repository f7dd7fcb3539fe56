import type { z } from 'zod';
import type { Evidence, Incident } from '../../model/incident.js';
import { durationMs } from '../../util/iso-duration.js';
import {
  ACTIVATION_HISTORY_SOURCES,
  activationEvidence,
  latestSelfActivations,
  principalRoleKey,
} from '../activations.js';
import { holdingDates } from '../holding-dates.js';
import { eligibleSince, HOLDING_SOURCES } from '../holdings.js';
import { compareIncidents, holdingEvidence, principalRoleIncident } from '../incident-fields.js';
import { removeRoleAssignment } from '../remediation.js';
import { detectorSettings, durationSetting } from '../settings.js';
import { quietTooLong } from '../threshold-rules.js';
import { dayOf, epochMs, isOlderThan, latestOf, plusDuration, windowEdge } from '../time.js';
import { type Detector, type DetectorMeta, defineDetector } from '../types.js';

const config = detectorSettings({
  duration: durationSetting('P30D', 'How long an eligible user may go without activating.'),
});

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
  sources: [...HOLDING_SOURCES, ...ACTIVATION_HISTORY_SOURCES],
  graphConfigurationType: '#microsoft.graph.redundantAssignmentAlertConfiguration',
  thresholdKeys: ['duration'],
  matchBy: 'assigneeAndRole',
  // Unused eligibilities are standing access that a stolen credential can use unnoticed.
  attack: ['T1078.004'],
  remediation: { pim: removeRoleAssignment },
  activationHistory: { windowKey: 'duration', reportsLastActivation: true },
};

/**
 * Eligible users who do not use their role.
 *
 * - fires (one incident per user and role): a user's eligibility, direct or through groups, that started
 *   at least `duration` ago (or has no known start) and whose latest successful self-activation of that
 *   role started strictly before `now - duration`, or never happened. Extensions and renewals of an
 *   assignment are not uses of the role (see SequentialActivationRenewals).
 * - quiet: the eligibility is younger than `duration`, or the user activated within `duration`
 *   (an activation exactly at the edge counts as recent). Service principals are never eligible holders.
 * - unknown: holdings could not be read, or activation history could not be read from either source.
 *   When it came from PIM's audit records (30 days), an activation older than that is not seen, so
 *   `lastActivationDateTime` is null where the schedule requests would have known it, and a `duration`
 *   longer than 30 days can fire on a user who did activate within it; the scan report says so.
 */
export const RedundantAssignmentAlert: Detector<typeof config> = defineDetector({
  meta,
  config,
  detect({ snapshot, config, now, holdings, exclusions }) {
    const windowMs = durationMs(config.duration);
    const edge = windowEdge(now, windowMs);
    const lastActivation = latestSelfActivations(snapshot);
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
        evidence.push(activationEvidence(activation, `last activation ${activation.startDateTime}`));
      }
      incidents.push({
        ...principalRoleIncident(snapshot, meta, holding),
        lastActivationDateTime: activation?.startDateTime ?? null,
        evidence,
      });
    }
    return { status: 'ok', incidents: incidents.sort(compareIncidents) };
  },
  thresholds: {
    firesMoreWhen: { duration: 'lower' },
    wouldFireUnder: (values, facts, now) =>
      quietTooLong(
        values,
        { holds: facts.holds, last: facts.lastActivation, since: facts.eligibleSince },
        now,
      ),
  },
  situationDate(incident, ctx, { duration }) {
    const { assigneeId, roleTemplateId } = incident;
    const since =
      assigneeId && roleTemplateId ? holdingDates(ctx, assigneeId, roleTemplateId).eligibleSince : undefined;
    const base = latestOf([incident.lastActivationDateTime, since]);
    return base
      ? { at: plusDuration(base, duration), what: `went ${duration} without activating` }
      : undefined;
  },
  keyDates: (incident) => `last activation ${dayOf(incident.lastActivationDateTime)}`,
});
