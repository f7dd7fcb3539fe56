/**
 * The values Microsoft documents for the enum-like strings a fixture holds (design section 9). Graph
 * compares them without regard to case in practice, and its pages write them both ways (design section 8),
 * so the rules compare case-insensitively.
 */

/**
 * `memberType` of a directory role schedule instance: "It can either be `Inherited`, `Direct`, or `Group`".
 * https://learn.microsoft.com/en-us/graph/api/resources/unifiedroleassignmentscheduleinstance
 * https://learn.microsoft.com/en-us/graph/api/resources/unifiedroleeligibilityscheduleinstance
 */
export const ROLE_MEMBER_TYPES = ['Direct', 'Group', 'Inherited'] as const;

/**
 * `assignmentType` of a role assignment schedule instance: `Assigned` or `Activated`.
 * https://learn.microsoft.com/en-us/graph/api/resources/unifiedroleassignmentscheduleinstance
 */
export const ROLE_ASSIGNMENT_TYPES = ['Assigned', 'Activated'] as const;

/**
 * `privilegedAccessGroupMemberType` and `privilegedAccessGroupAssignmentType` (PIM for Groups).
 * https://learn.microsoft.com/en-us/graph/api/resources/privilegedaccessgroupassignmentscheduleinstance
 */
export const GROUP_MEMBER_TYPES = ['direct', 'group', 'unknownFutureValue'] as const;
export const GROUP_ASSIGNMENT_TYPES = ['assigned', 'activated', 'unknownFutureValue'] as const;
/**
 * `privilegedAccessGroupRelationships`: what a PIM for Groups schedule gives, membership or ownership.
 * https://learn.microsoft.com/en-us/graph/api/resources/privilegedaccessgroupeligibilityscheduleinstance
 */
export const GROUP_ACCESS_IDS = ['owner', 'member', 'unknownFutureValue'] as const;

/**
 * `unifiedRoleScheduleRequestActions` (also used by PIM for Groups' `scheduleRequestActions`).
 * https://learn.microsoft.com/en-us/graph/api/resources/unifiedroleassignmentschedulerequest
 */
export const REQUEST_ACTIONS = [
  'adminAssign',
  'adminUpdate',
  'adminRemove',
  'selfActivate',
  'selfDeactivate',
  'adminExtend',
  'adminRenew',
  'selfExtend',
  'selfRenew',
  'unknownFutureValue',
] as const;

/**
 * A request's `status` (inherited from `request`).
 * https://learn.microsoft.com/en-us/graph/api/resources/request
 */
export const REQUEST_STATUSES = [
  'Canceled',
  'Denied',
  'Failed',
  'Granted',
  'PendingAdminDecision',
  'PendingApproval',
  'PendingProvisioning',
  'PendingScheduleCreation',
  'Provisioned',
  'Revoked',
  'ScheduleCreated',
] as const;

/**
 * `operationResult` of a directory audit record.
 * https://learn.microsoft.com/en-us/graph/api/resources/directoryaudit
 */
export const AUDIT_RESULTS = ['success', 'failure', 'timeout', 'unknownFutureValue'] as const;

/** True when `value` is one of `allowed`, compared without regard to case. */
export function isDocumentedValue(value: string, allowed: readonly string[]): boolean {
  const lower = value.toLowerCase();
  return allowed.some((candidate) => candidate.toLowerCase() === lower);
}
