import type { AlertId } from '../../src/model/alerts.js';
import { incidentFingerprint } from '../../src/model/incident.js';
import type { ClassifiedIncident } from '../../src/model/lifecycle.js';

export const TENANT = '11111111-1111-4111-8111-111111111111';
export const OTHER_TENANT = '22222222-2222-4222-8222-222222222222';

/** An incident for the store tests: identity from the arguments, fingerprint built like the detectors do. */
export function makeIncident(
  options: {
    alert?: AlertId;
    principal?: string;
    role?: string;
    tenantId?: string;
    lastSignInDateTime?: string | null;
  } = {},
): ClassifiedIncident {
  const tenantId = options.tenantId ?? TENANT;
  const alert = options.alert ?? 'StaleSignInAlert';
  const principal = options.principal ?? 'user-1';
  const role = options.role ?? 'role-1';
  return {
    alert,
    severity: alert === 'RolesAssignedOutsidePimAlert' ? 'high' : 'medium',
    fingerprint: incidentFingerprint({ tenantId, alert, principalId: principal, roleTemplateId: role }),
    tenantId,
    assigneeId: principal,
    assigneeType: 'user',
    roleTemplateId: role,
    lastSignInDateTime: options.lastSignInDateTime ?? null,
    evidence: [{ kind: 'grant', id: `grant-${principal}-${role}` }],
    classification: 'oursOnly',
    reason: 'graphMissing',
  };
}

/** `2025-01-01T00:00:00.000Z` plus `minutes`. */
export function at(minutes: number): string {
  return new Date(Date.UTC(2025, 0, 1) + minutes * 60_000).toISOString();
}
