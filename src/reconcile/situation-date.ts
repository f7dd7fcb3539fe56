import { latestOf } from '../detectors/time.js';
import { GLOBAL_ADMIN_TEMPLATE_ID } from '../model/alerts.js';
import type { Incident } from '../model/incident.js';
import { durationMs } from '../util/iso-duration.js';
import type { ReconcileContext } from './context.js';
import { eligibleSince, holdingStart } from './holding-dates.js';

/** When the situation behind one of our incidents came about, and in words what happened then. */
export interface SituationDate {
  at: string;
  what: string;
}

function after(timestamp: string, duration: string): string {
  return new Date(Date.parse(timestamp) + durationMs(duration)).toISOString();
}

/**
 * The moment an incident first became true, when the snapshot can tell: PIM cannot have reported
 * anything it last scanned before that. For the duration alerts this is the last activity plus the
 * window (a user who last signed in 31 days ago went stale a day ago, not 31 days ago). Policy and
 * licence incidents have no such date: the snapshot does not say when a policy or SKU changed.
 */
export function situationDate(incident: Incident, ctx: ReconcileContext): SituationDate | undefined {
  const { config } = ctx;
  const assignee = incident.assigneeId;
  const role = incident.roleTemplateId;
  switch (incident.alert) {
    case 'TooManyGlobalAdminsAssignedToTenantAlert': {
      const start = assignee ? holdingStart(ctx, assignee, GLOBAL_ADMIN_TEMPLATE_ID) : undefined;
      return start ? { at: start, what: 'became a Global Administrator' } : undefined;
    }
    case 'RolesAssignedOutsidePimAlert': {
      const at = incident.assignmentCreatedDateTime;
      return at ? { at, what: 'was assigned the role outside PIM' } : undefined;
    }
    case 'RedundantAssignmentAlert': {
      const duration = config.RedundantAssignmentAlert.duration;
      const since = assignee && role ? eligibleSince(ctx, assignee, role) : undefined;
      const base = latestOf([incident.lastActivationDateTime, since]);
      return base ? { at: after(base, duration), what: `went ${duration} without activating` } : undefined;
    }
    case 'StaleSignInAlert': {
      const duration = config.StaleSignInAlert.duration;
      const base = latestOf([incident.lastSignInDateTime, incident.assignmentCreatedDateTime]);
      return base ? { at: after(base, duration), what: `went ${duration} without signing in` } : undefined;
    }
    case 'SequentialActivationRenewalsAlert': {
      const threshold = config.SequentialActivationRenewalsAlert.sequentialActivationCounterThreshold;
      // Evidence lists the run's activations in order; the run became an incident with the threshold-th.
      const ids = incident.evidence
        .filter((e) => e.kind === 'scheduleRequest' || e.kind === 'auditRecord')
        .map((e) => e.id);
      const reaching = ids[threshold - 1] ?? ids[ids.length - 1];
      const at =
        (reaching ? ctx.activation(reaching)?.startDateTime : undefined) ?? incident.sequenceStartDateTime;
      return at ? { at, what: `reached ${threshold} back-to-back activations` } : undefined;
    }
    case 'NoMfaOnRoleActivationAlert':
    case 'InvalidLicenseAlert':
      return undefined;
  }
}
