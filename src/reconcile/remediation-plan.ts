import { DETECTORS, detectorFor } from '../detectors/registry.js';
import type { Detector, RemediationAction } from '../detectors/types.js';
import { ALERTS_ROOT } from '../graph/alert-actions.js';
import { type AlertId, graphAlertObjectId } from '../model/alerts.js';
import type { ClassifiedIncident } from '../model/lifecycle.js';
import type { TenantSnapshot } from '../model/snapshot.js';

export type { RemediationAction };

/**
 * Remediation planning: whether PIM can fix one of our incidents, and what it would do, in words a
 * person confirms before `remediate` sends the request (`graph/alert-actions.ts` sends it). What PIM
 * does for each alert comes from the alert's module (`meta.remediation.pim`).
 */

/** Why an incident cannot be remediated through PIM. */
export type RemediationBlocker = 'noGraphIncident' | 'definitionUnknown' | 'notRemediatable';

interface PlanBase {
  alert: AlertId;
  fingerprint: string;
  /** PIM's alert object id. */
  graphAlertId: string;
  /** One line a person reads before saying yes. */
  summary: string;
}

export type RemediationPlan =
  | (PlanBase & {
      possible: true;
      graphIncidentId: string;
      action: RemediationAction;
      /** The definition's own mitigation text, for the record. */
      mitigationSteps: string;
      /** The Graph path that will be POSTed to (after `beta/`). */
      path: string;
    })
  | (PlanBase & { possible: false; graphIncidentId: string | null; blocker: RemediationBlocker });

/**
 * What remediating one of our incidents through PIM would do, without doing it. Only an incident PIM
 * reports too (`both`) has a PIM incident to remediate; and PIM refuses (400) for an alert whose
 * definition is not remediatable, so that is checked here first.
 */
export function planRemediation(
  snapshot: TenantSnapshot,
  incident: ClassifiedIncident,
  alerts: readonly Detector[] = DETECTORS,
): RemediationPlan {
  const alert = incident.alert;
  const graphAlertId =
    snapshot.graphAlerts.alerts.get(alert)?.id ?? graphAlertObjectId(snapshot.tenantId, alert);
  const base = { alert, fingerprint: incident.fingerprint, graphAlertId };
  if (incident.classification !== 'both' || !incident.graphIncidentId) {
    return {
      ...base,
      possible: false,
      graphIncidentId: null,
      blocker: 'noGraphIncident',
      summary:
        `PIM does not report this incident (${incident.classification}` +
        `${incident.reason ? `, ${incident.reason}` : ''}), so there is no PIM incident to remediate; ` +
        'fix it in the directory or wait for PIM to report it',
    };
  }
  const graphIncidentId = incident.graphIncidentId;
  const definition = snapshot.graphAlerts.definitions.get(alert);
  if (!definition) {
    return {
      ...base,
      possible: false,
      graphIncidentId,
      blocker: 'definitionUnknown',
      summary: "PIM's alert definition could not be read, so it is unknown whether PIM can remediate this",
    };
  }
  if (!definition.isRemediatable) {
    return {
      ...base,
      possible: false,
      graphIncidentId,
      blocker: 'notRemediatable',
      summary: `PIM cannot remediate ${alert} incidents (its definition is not remediatable); follow the mitigation steps by hand`,
    };
  }
  const { action, summary } = detectorFor(alert, alerts).meta.remediation.pim(incident);
  return {
    ...base,
    possible: true,
    graphIncidentId,
    action,
    summary,
    mitigationSteps: definition.mitigationSteps,
    path: `${ALERTS_ROOT}/alerts/${encodeURIComponent(graphAlertId)}/alertIncidents/${encodeURIComponent(graphIncidentId)}/remediate`,
  };
}
