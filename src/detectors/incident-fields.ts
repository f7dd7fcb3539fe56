import type { AlertId, Severity } from '../model/alerts.js';
import { type Evidence, type Incident, incidentFingerprint } from '../model/incident.js';
import { principalLabel } from '../model/principal.js';
import type { PrincipalType, TenantSnapshot } from '../model/snapshot.js';
import type { Holding, HoldingGrant } from './holdings.js';

/** Builders for the incident fields every detector fills the same way. */

type AssigneeFields = Pick<
  Incident,
  'assigneeId' | 'assigneeType' | 'assigneeDisplayName' | 'assigneeUserPrincipalName'
>;

/** What an audit record or similar knows about a principal the snapshot may not have looked up. */
export interface PrincipalHint {
  type: PrincipalType;
  displayName: string | null;
  userPrincipalName: string | null;
}

/** Assignee fields from `snapshot.principals`; a UPN only for users, as in Graph's incident types. */
export function assigneeFields(
  snapshot: TenantSnapshot,
  principalId: string,
  hint?: PrincipalHint,
): AssigneeFields {
  const principal = snapshot.principals.get(principalId);
  const type = principal?.type ?? hint?.type ?? 'unknown';
  return {
    assigneeId: principalId,
    assigneeType: type,
    assigneeDisplayName: principal?.displayName ?? hint?.displayName ?? null,
    assigneeUserPrincipalName:
      type === 'user' ? (principal?.userPrincipalName ?? hint?.userPrincipalName ?? null) : null,
  };
}

type RoleFields = Pick<Incident, 'roleTemplateId' | 'roleDefinitionId' | 'roleDisplayName'>;

/** Role fields from `snapshot.roleDefinitions`; built-in roles share their template and definition ids. */
export function roleFields(
  snapshot: TenantSnapshot,
  roleTemplateId: string,
  roleDefinitionId?: string,
  fallbackDisplayName?: string | null,
): Required<RoleFields> {
  const definition = snapshot.roleDefinitions.get(roleTemplateId);
  return {
    roleTemplateId,
    roleDefinitionId: roleDefinitionId ?? definition?.id ?? roleTemplateId,
    roleDisplayName: definition?.displayName ?? fallbackDisplayName ?? null,
  };
}

/** The severity, tenant and fingerprint every incident carries. */
export function incidentIdentity(
  snapshot: TenantSnapshot,
  alert: AlertId,
  severity: Severity,
  identity: { principalId?: string; roleTemplateId?: string; runStart?: string },
): Pick<Incident, 'alert' | 'severity' | 'fingerprint' | 'tenantId'> {
  return {
    alert,
    severity,
    fingerprint: incidentFingerprint({ tenantId: snapshot.tenantId, alert, ...identity }),
    tenantId: snapshot.tenantId,
  };
}

/** Who holds which role: the parts of a holding, grant or activation an incident is about. */
export interface PrincipalRole {
  principalId: string;
  roleTemplateId: string;
  roleDefinitionId?: string;
}

/**
 * Identity, assignee and role fields of an incident about one principal and one role, the shape of
 * most alerts' incidents. `runStart` tells separate runs of sequential activations apart.
 */
export function principalRoleIncident(
  snapshot: TenantSnapshot,
  meta: { alert: AlertId; severity: Severity },
  { principalId, roleTemplateId, roleDefinitionId }: PrincipalRole,
  runStart?: string,
): ReturnType<typeof incidentIdentity> & AssigneeFields & Required<RoleFields> {
  return {
    ...incidentIdentity(snapshot, meta.alert, meta.severity, {
      principalId,
      roleTemplateId,
      ...(runStart !== undefined ? { runStart } : {}),
    }),
    ...assigneeFields(snapshot, principalId),
    ...roleFields(snapshot, roleTemplateId, roleDefinitionId),
  };
}

/** A group on a path, as pimwatch writes any principal (a group has no UPN: its name, else its id). */
function groupLabel(snapshot: TenantSnapshot, id: string): string {
  const displayName = snapshot.principals.get(id)?.displayName ?? null;
  return principalLabel({ assigneeId: id, assigneeDisplayName: displayName }, { upn: 'angle' }) ?? id;
}

/** `via group Tier0 Admins > Nested Ops`: how a member reaches a role through groups. */
export function groupPathDetail(snapshot: TenantSnapshot, groupPath: readonly string[]): string {
  return `via group ${groupPath.map((id) => groupLabel(snapshot, id)).join(' > ')}`;
}

function grantDetail(snapshot: TenantSnapshot, grant: HoldingGrant): string {
  const what =
    grant.pimMembershipId !== undefined
      ? `${{ eligible: 'eligible', assigned: 'active', activated: 'activated' }[grant.kind]} member (PIM for Groups)`
      : { eligible: 'eligible', assigned: 'active assignment', activated: 'activation' }[grant.kind];
  const parts = [what];
  if (grant.groupPath.length > 0) parts.push(groupPathDetail(snapshot, grant.groupPath));
  if (grant.end !== null) parts.push(`until ${grant.end}`);
  return parts.join(', ');
}

/** The grants and group paths behind a holding, as evidence. */
export function holdingEvidence(snapshot: TenantSnapshot, holding: Holding): Evidence[] {
  const evidence: Evidence[] = [];
  const seenGroups = new Set<string>();
  for (const grant of holding.grants) {
    evidence.push({ kind: 'grant', id: grant.grantId, detail: grantDetail(snapshot, grant) });
    if (grant.pimMembershipId !== undefined) {
      evidence.push({ kind: 'grant', id: grant.pimMembershipId, detail: grantDetail(snapshot, grant) });
    }
  }
  for (const grant of holding.grants) {
    for (const groupId of grant.groupPath) {
      if (seenGroups.has(groupId)) continue;
      seenGroups.add(groupId);
      evidence.push({ kind: 'group', id: groupId, detail: groupPathDetail(snapshot, grant.groupPath) });
    }
  }
  return evidence;
}

/** A stable order for incident lists, so reports and snapshots do not churn. */
export function compareIncidents(a: Incident, b: Incident): number {
  return (
    compareText(a.roleTemplateId, b.roleTemplateId) ||
    compareText(a.assigneeId, b.assigneeId) ||
    compareText(a.sequenceStartDateTime, b.sequenceStartDateTime)
  );
}

// Code-unit order, not locale order: the same on every machine.
function compareText(a: string | undefined, b: string | undefined): number {
  const left = a ?? '';
  const right = b ?? '';
  return left < right ? -1 : left > right ? 1 : 0;
}
