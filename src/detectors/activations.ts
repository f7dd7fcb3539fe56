import type { Activation, ActivationKind } from '../model/snapshot.js';

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
