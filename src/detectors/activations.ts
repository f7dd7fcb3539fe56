import type { Activation, ActivationKind, TenantSnapshot } from '../model/snapshot.js';
import { epochMs } from './time.js';

/** Helpers for the activation history: which entries count and how to group them. */

/** Activations of the given kinds, in the snapshot's order. */
export function activationsOfKind(
  activations: readonly Activation[],
  kinds: readonly ActivationKind[],
): Activation[] {
  return activations.filter((a) => kinds.includes(a.kind));
}

/** Groups activations per (principal, role template). */
export function principalRoleKey(principalId: string, roleTemplateId: string): string {
  return `${principalId.toLowerCase()}|${roleTemplateId.toLowerCase()}`;
}

/** The evidence entry an activation leaves on an incident: the record it was read from. */
export function activationEvidence(activation: Activation, detail: string) {
  return { kind: activation.record.kind, id: activation.record.id, detail };
}

/** The sources activation history can come from; the one not used is skipped or replaced, never failed. */
export const ACTIVATION_HISTORY_SOURCES = ['roleAssignmentScheduleRequests', 'pimActivationAudits'] as const;

/** The successful self-activations of roles (not extensions or renewals), PIM for Groups ones included. */
export function selfActivations(snapshot: TenantSnapshot): Activation[] {
  return activationsOfKind(roleActivations(snapshot), ['activate']);
}

/**
 * Role activations, with each PIM for Groups membership activation counted as an activation of every
 * role the group holds (design section 8): activating the membership is how such an admin activates R.
 */
export function roleActivations(snapshot: TenantSnapshot): Activation[] {
  const out = [...snapshot.activationHistory.activations];
  if (snapshot.activationHistory.groupActivations.length === 0) return out;
  const rolesOfGroup = new Map<string, Map<string, string>>();
  for (const grant of snapshot.grants) {
    const roles = rolesOfGroup.get(grant.principalId.toLowerCase()) ?? new Map<string, string>();
    roles.set(grant.roleTemplateId, grant.roleDefinitionId);
    rolesOfGroup.set(grant.principalId.toLowerCase(), roles);
  }
  for (const activation of snapshot.activationHistory.groupActivations) {
    const { groupId, ...rest } = activation;
    for (const [roleTemplateId, roleDefinitionId] of rolesOfGroup.get(groupId.toLowerCase()) ?? []) {
      out.push({ ...rest, kind: 'activate', roleTemplateId, roleDefinitionId, throughGroupId: groupId });
    }
  }
  return out;
}

/** Each (principal, role)'s latest self-activation, by `principalRoleKey`. */
export function latestSelfActivations(snapshot: TenantSnapshot): Map<string, Activation> {
  const latest = new Map<string, Activation>();
  for (const activation of selfActivations(snapshot)) {
    const key = principalRoleKey(activation.principalId, activation.roleTemplateId);
    const previous = latest.get(key);
    if (!previous || epochMs(activation.startDateTime) > epochMs(previous.startDateTime))
      latest.set(key, activation);
  }
  return latest;
}
