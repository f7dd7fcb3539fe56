import { detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { runDetectors } from '../../src/detectors/run.js';
import { PIM_ALERT_IDS, type PimAlertId } from '../../src/model/alerts.js';
import type { Incident } from '../../src/model/incident.js';
import type {
  ClassifiedIncident,
  ReasonCode,
  Transition,
  TransitionType,
} from '../../src/model/lifecycle.js';
import type { RenderContext } from '../../src/notifiers/incident-text.js';
import { transitionEventId } from '../../src/store/lifecycle.js';
import { everyAlertTenant } from '../support/sample-tenant.js';
import { NOW, TENANT_ID } from '../support/snapshot-factory.js';

export const CTX: RenderContext = { tenantId: TENANT_ID, tenantName: 'Contoso' };
export const TRANSITION_TYPES: readonly TransitionType[] = ['opened', 'resolved', 'reopened'];

/** Real incidents: every detector run over the sample tenant in which all seven alerts fire. */
export function sampleIncidents(): Record<PimAlertId, Incident[]> {
  const outcomes = runDetectors({
    snapshot: everyAlertTenant().build(),
    config: detectorsConfigSchema.parse({}),
    now: NOW,
  });
  return Object.fromEntries(
    PIM_ALERT_IDS.map((alert) => {
      const outcome = outcomes[alert];
      if (outcome.status !== 'ok') throw new Error(`${alert} did not run cleanly: ${outcome.status}`);
      return [alert, outcome.incidents];
    }),
  ) as Record<PimAlertId, Incident[]>;
}

/** Each alert compared with PIM differently, so every wording is rendered somewhere. */
const COMPARISON: Record<PimAlertId, { classification: 'both' | 'oursOnly'; reason?: ReasonCode }> = {
  TooManyGlobalAdminsAssignedToTenantAlert: { classification: 'both' },
  InvalidLicenseAlert: { classification: 'oursOnly', reason: 'graphUnavailable' },
  NoMfaOnRoleActivationAlert: { classification: 'oursOnly', reason: 'graphAlertDisabled' },
  RedundantAssignmentAlert: { classification: 'oursOnly', reason: 'thresholdsDiffer' },
  RolesAssignedOutsidePimAlert: { classification: 'both' },
  SequentialActivationRenewalsAlert: { classification: 'oursOnly', reason: 'graphScanStale' },
  StaleSignInAlert: { classification: 'oursOnly', reason: 'graphMissing' },
};

const COUNTER: Record<TransitionType, number> = { opened: 1, resolved: 2, reopened: 3 };

/** The reconciler explains some disagreements in words; the renderers show them. */
const DETAIL: Partial<Record<PimAlertId, string>> = {
  SequentialActivationRenewalsAlert:
    'PIM last scanned at 2026-06-11T08:00:00.000Z, before the principal started the run (2026-06-12T12:00:00.000Z)',
};

export function classify(incident: Incident): ClassifiedIncident {
  // Samples are of PIM's alerts; an alert PIM does not define is ours alone.
  const alert = incident.alert as PimAlertId;
  const comparison = COMPARISON[alert] ?? { classification: 'oursOnly' };
  const detail = DETAIL[alert];
  return {
    ...incident,
    ...comparison,
    ...(comparison.classification === 'both' ? { graphIncidentId: `graph-${incident.fingerprint}` } : {}),
    ...(detail ? { reasonDetail: detail } : {}),
  };
}

/** A transition the way the store makes them, with its stable event id. */
export function transitionOf(
  incident: Incident,
  type: TransitionType,
  options: { at?: string; scanId?: string } = {},
): Transition {
  return {
    eventId: transitionEventId(incident.tenantId, incident.fingerprint, COUNTER[type]),
    type,
    tenantId: incident.tenantId,
    fingerprint: incident.fingerprint,
    alert: incident.alert,
    severity: incident.severity,
    at: options.at ?? NOW.toISOString(),
    scanId: options.scanId ?? 'scan-2026-06-15-0001',
    incident: classify(incident),
    suppressed: null,
  };
}

/** One transition of `type` per alert (its first incident), in `PIM_ALERT_IDS` order. */
export function oneTransitionPerAlert(type: TransitionType): Transition[] {
  const incidents = sampleIncidents();
  return PIM_ALERT_IDS.map((alert) => transitionOf(incidents[alert][0]!, type));
}

/** Every sample incident as a transition, types taking turns: a realistic scan's worth of changes. */
export function scanOfTransitions(): Transition[] {
  const all = Object.values(sampleIncidents()).flat();
  return all.map((incident, i) => transitionOf(incident, TRANSITION_TYPES[i % 3]!));
}

/**
 * `count` distinct stale-sign-in incidents with long, realistic names, for size limits: a big tenant's
 * first scan.
 */
export function manyTransitions(count: number): Transition[] {
  const template = sampleIncidents().StaleSignInAlert[0]!;
  return Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(4, '0');
    const id = `7407e012-4fe4-4078-bf31-${n.padStart(12, '0')}`;
    return transitionOf(
      {
        ...template,
        fingerprint: `fp${n}`.padEnd(24, '0'),
        assigneeId: id,
        assigneeDisplayName: `Privileged Administrator Account ${n}`,
        assigneeUserPrincipalName: `adm-privileged-administrator-${n}@harbourlinefreight.onmicrosoft.com`,
      },
      i % 7 === 0 ? 'resolved' : 'opened',
    );
  });
}
