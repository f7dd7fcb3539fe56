import type { z } from 'zod';
import type { Incident } from '../../model/incident.js';
import { durationMs } from '../../util/iso-duration.js';
import { HOLDING_SOURCES } from '../holdings.js';
import { compareIncidents, holdingEvidence, principalRoleIncident } from '../incident-fields.js';
import { removeRoleAssignment } from '../remediation.js';
import { detectorSettings, durationSetting } from '../settings.js';
import { quietTooLong } from '../threshold-rules.js';
import { dayOf, epochMs, isOlderThan, lastSignIn, latestOf, plusDuration, windowEdge } from '../time.js';
import { type Detector, type DetectorMeta, defineDetector } from '../types.js';

const config = detectorSettings({
  duration: durationSetting('P30D', 'A privileged user without a sign-in for longer than this is stale.'),
});

const meta: DetectorMeta<z.output<typeof config>> = {
  alert: 'StaleSignInAlert',
  title: 'Privileged account has not signed in recently',
  severity: 'medium',
  description:
    'This account holds a privileged role but has not signed in for a long time, or never has. Forgotten ' +
    'accounts keep their access, rarely have their credentials rotated, and nobody notices when someone ' +
    'else starts using them.',
  mitigation: [
    'Check with the owner (or their manager) whether the account is still in use and still needs the role.',
    'Remove the role, or disable the account, if it is no longer needed.',
    'If it is a break-glass account, confirm it is tested on schedule and its credentials are stored safely.',
  ],
  sources: [...HOLDING_SOURCES, 'roleDefinitions', 'signInActivity'],
  graphConfigurationType: '#microsoft.graph.staleSignInAlertConfiguration',
  thresholdKeys: ['duration'],
  matchBy: 'assigneeAndRole',
  // Dormant privileged accounts are standing access that a stolen credential can use unnoticed.
  attack: ['T1078.004'],
  remediation: { pim: removeRoleAssignment },
};

/**
 * Privileged users who do not sign in.
 *
 * - fires (one incident per user and privileged role): a user holding a privileged role (active or
 *   eligible, directly or through groups) whose last sign-in is strictly before `now - duration`, or who
 *   never signed in, unless the holding started less than `duration` ago.
 * - quiet: a sign-in within `duration` (exactly at the edge counts as recent), or a holding younger than
 *   `duration`. Service principals have no sign-in activity here and are not judged. Exclusions do not
 *   apply unless the config names this alert: a break-glass account must still sign in now and then.
 * - unknown: holdings, role definitions or sign-in activity could not be read. A holder whose sign-in
 *   activity was not read is listed in `unknownItems` rather than reported.
 */
export const StaleSignInAlert: Detector<typeof config> = defineDetector({
  meta,
  config,
  detect({ snapshot, config, now, holdings, privilegedRoles, exclusions }) {
    const windowMs = durationMs(config.duration);
    const edge = windowEdge(now, windowMs);
    const incidents: Incident[] = [];
    const notRead = new Set<string>();
    for (const holding of holdings.all) {
      if (holding.principalType !== 'user' || exclusions.has(holding.principalId)) continue;
      if (!privilegedRoles.has(holding.roleTemplateId)) continue;
      if (holding.start !== null && epochMs(holding.start) > edge) continue;
      const activity = snapshot.signIns.get(holding.principalId);
      if (!activity) {
        notRead.add(holding.principalId);
        continue;
      }
      const last = lastSignIn(activity);
      if (!isOlderThan(last, now, windowMs)) continue;
      incidents.push({
        ...principalRoleIncident(snapshot, meta, holding),
        assignmentCreatedDateTime: holding.start,
        lastSignInDateTime: last,
        evidence: [
          ...holdingEvidence(snapshot, holding),
          {
            kind: 'signInActivity',
            id: holding.principalId,
            detail: last === null ? 'never signed in' : `last sign-in ${last}`,
          },
        ],
      });
    }
    const unknownItems = [...notRead].map((principalId) => ({
      subject: `user ${snapshot.principals.get(principalId)?.userPrincipalName ?? principalId}`,
      cause: 'sign-in activity was not read for this user',
    }));
    return {
      status: 'ok',
      incidents: incidents.sort(compareIncidents),
      ...(unknownItems.length > 0 ? { unknownItems } : {}),
    };
  },
  thresholds: {
    firesMoreWhen: { duration: 'lower' },
    wouldFireUnder: (values, facts, now) =>
      quietTooLong(values, { holds: facts.holds, last: facts.lastSignIn, since: facts.holdingStart }, now),
  },
  situationDate(incident, _ctx, { duration }) {
    const base = latestOf([incident.lastSignInDateTime, incident.assignmentCreatedDateTime]);
    return base
      ? { at: plusDuration(base, duration), what: `went ${duration} without signing in` }
      : undefined;
  },
  keyDates: (i) =>
    `last sign-in ${dayOf(i.lastSignInDateTime)}, holds role since ${i.assignmentCreatedDateTime ? dayOf(i.assignmentCreatedDateTime) : 'long ago'}`,
});
