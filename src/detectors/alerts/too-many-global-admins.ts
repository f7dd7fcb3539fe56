import { z } from 'zod';
import type { Incident } from '../../model/incident.js';
import { GLOBAL_ADMIN_TEMPLATE_ID } from '../../model/roles.js';
import { holdingDates } from '../holding-dates.js';
import { HOLDING_SOURCES } from '../holdings.js';
import { assigneeFields, compareIncidents, holdingEvidence, incidentIdentity } from '../incident-fields.js';
import { remediationSubject } from '../remediation.js';
import { detectorSettings } from '../settings.js';
import { allOf, numberOf } from '../threshold-rules.js';
import { type Detector, type DetectorMeta, defineDetector } from '../types.js';

const config = detectorSettings({
  globalAdminCountThreshold: z.number().int().min(1).default(3).meta({
    description: 'Fires only when at least this many principals hold Global Administrator.',
  }),
  percentageOfGlobalAdminsOutOfRolesThreshold: z.number().min(0).max(100).default(10).meta({
    description:
      '...and when Global Administrator holdings make up at least this percentage of all role holdings.',
  }),
});

const meta: DetectorMeta<z.output<typeof config>> = {
  alert: 'TooManyGlobalAdminsAssignedToTenantAlert',
  title: 'Too many Global Administrators',
  severity: 'low',
  description:
    'More people hold Global Administrator than the configured limits allow, both in number and as a share ' +
    'of all role holdings. Each of them can change anything in the tenant, so each is a way in for an attacker.',
  mitigation: [
    'Go through the listed holders and confirm who truly needs unrestricted control of the tenant.',
    'Move the others to the narrowest built-in roles that cover their work, such as User or Exchange Administrator.',
    'Keep the remaining Global Administrators eligible through PIM rather than permanently active, apart from break-glass accounts.',
  ],
  sources: [...HOLDING_SOURCES],
  graphConfigurationType: '#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertConfiguration',
  thresholdKeys: ['globalAdminCountThreshold', 'percentageOfGlobalAdminsOutOfRolesThreshold'],
  matchBy: 'assignee',
  // Every extra Global Administrator is one more valid account whose takeover gives the whole tenant.
  attack: ['T1078.004'],
  impliedRole: { templateId: GLOBAL_ADMIN_TEMPLATE_ID, displayName: 'Global Administrator' },
  remediation: {
    pim: (incident) => ({
      action: 'removeRoleAssignment',
      summary: `PIM will remove ${remediationSubject(incident)} from Global Administrator (${GLOBAL_ADMIN_TEMPLATE_ID})`,
    }),
  },
};

/**
 * Too many Global Administrators, by headcount and by share of all role holdings.
 *
 * - fires: at least `globalAdminCountThreshold` distinct principals hold Global Administrator (active or
 *   eligible, directly or through groups) **and** they are at least
 *   `percentageOfGlobalAdminsOutOfRolesThreshold` percent of all distinct (principal, role) holdings;
 *   then every Global Administrator holder is one incident.
 * - quiet: either measure below its threshold, or no role holdings at all. Excluded principals count
 *   towards neither figure.
 * - unknown: role assignments, eligibilities, group members or principals could not be read.
 */
export const TooManyGlobalAdminsAssignedToTenantAlert: Detector<typeof config> = defineDetector({
  meta,
  config,
  detect({ snapshot, config, holdings, exclusions }) {
    const counted = holdings.all.filter((holding) => !exclusions.has(holding.principalId));
    const globalAdmins = counted.filter(
      (holding) => holding.roleTemplateId.toLowerCase() === GLOBAL_ADMIN_TEMPLATE_ID,
    );
    const percent = counted.length === 0 ? 0 : (100 * globalAdmins.length) / counted.length;
    const metrics = { globalAdmins: globalAdmins.length, holdings: counted.length, percent };
    const fires =
      counted.length > 0 &&
      globalAdmins.length >= config.globalAdminCountThreshold &&
      percent >= config.percentageOfGlobalAdminsOutOfRolesThreshold;
    if (!fires) return { status: 'ok', incidents: [], metrics };

    const metric = {
      kind: 'metric' as const,
      id: 'globalAdminShare',
      detail: `ga=${globalAdmins.length} all=${counted.length} percent=${round(percent)}`,
    };
    const incidents: Incident[] = globalAdmins.map((holding) => ({
      ...incidentIdentity(snapshot, meta.alert, meta.severity, { principalId: holding.principalId }),
      ...assigneeFields(snapshot, holding.principalId),
      evidence: [...holdingEvidence(snapshot, holding), metric],
    }));
    return { status: 'ok', incidents: incidents.sort(compareIncidents), metrics };
  },
  thresholds: {
    firesMoreWhen: {
      globalAdminCountThreshold: 'lower',
      percentageOfGlobalAdminsOutOfRolesThreshold: 'lower',
    },
    wouldFireUnder(values, { holds, metrics }) {
      const count = numberOf(values, 'globalAdminCountThreshold');
      const percent = numberOf(values, 'percentageOfGlobalAdminsOutOfRolesThreshold');
      const globalAdmins = metrics?.globalAdmins;
      const share = metrics?.percent;
      return allOf([
        holds,
        globalAdmins === undefined || count === undefined ? undefined : globalAdmins >= count,
        share === undefined || percent === undefined ? undefined : share >= percent,
      ]);
    },
  },
  situationDate(incident, ctx) {
    const start = incident.assigneeId
      ? holdingDates(ctx, incident.assigneeId, GLOBAL_ADMIN_TEMPLATE_ID).start
      : undefined;
    return start ? { at: start, what: 'became a Global Administrator' } : undefined;
  },
});

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
