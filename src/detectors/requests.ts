import type { ScheduleRequest } from '../model/snapshot.js';

/** Helpers for `roleAssignmentScheduleRequests`: which ones count and how to group them. */

const SUCCESSFUL_STATUSES = new Set(['provisioned', 'granted']);

/** A request that took effect (design section 3: status `Provisioned` or `Granted`). */
export function isSuccessfulRequest(request: ScheduleRequest): boolean {
  return SUCCESSFUL_STATUSES.has(request.status.toLowerCase());
}

/** Whether the request's action is one of these (Graph's camelCase names, compared without case). */
export function hasAction(request: ScheduleRequest, actions: readonly string[]): boolean {
  const action = request.action.toLowerCase();
  return actions.some((candidate) => candidate.toLowerCase() === action);
}

/** Groups requests per (principal, role template). */
export function principalRoleKey(principalId: string, roleTemplateId: string): string {
  return `${principalId.toLowerCase()}|${roleTemplateId.toLowerCase()}`;
}
