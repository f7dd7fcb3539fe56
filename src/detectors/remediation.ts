import { principalLabel } from '../model/principal.js';
import type { IncidentSubject, RemediationAction } from './types.js';

/** PIM's remediations as the alert modules describe them (and as the emulator applies them). */

type PimRemediation = { action: RemediationAction; summary: string };

/** `Hannah Lindqvist <hannah@contoso.com> (6ff8...)`: as much of the principal as the incident names. */
export function remediationSubject(incident: IncidentSubject): string {
  return principalLabel(incident, { upn: 'angle', id: true }) ?? 'the principal';
}

export function roleName(incident: IncidentSubject, fallback = 'the role'): string {
  return incident.roleDisplayName ?? incident.roleTemplateId ?? fallback;
}

/** PIM removes the principal's assignment of the incident's role. */
export function removeRoleAssignment(incident: IncidentSubject): PimRemediation {
  return {
    action: 'removeRoleAssignment',
    summary: `PIM will remove ${remediationSubject(incident)} from ${roleName(incident)}`,
  };
}

/**
 * Not remediatable in any tenant seen so far; if a tenant's definition says otherwise, PIM applies its
 * own mitigation steps and we can only quote them.
 */
export function applyMitigationSteps(): PimRemediation {
  return {
    action: 'applyMitigationSteps',
    summary: "PIM will apply the alert definition's mitigation steps",
  };
}
