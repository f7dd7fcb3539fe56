import { ALERTS_ROOT, matchesPattern, PIM_GROUPS_ROOT as PIM_GROUPS } from './entity-model.js';

/**
 * Which application permissions Graph accepts for each path the emulator serves: every entry must be
 * granted, and within an entry any one permission will do. Unlike pimwatch's own table of what to ask
 * for (src/graph/sources.ts), this lists every permission Graph takes, read-write and directory-wide ones
 * included, from the Permissions section of each API page (https://learn.microsoft.com/graph/api/...)
 * and https://learn.microsoft.com/graph/permissions-reference.
 */
export type AcceptedPermissions = readonly (readonly string[])[];

const DIRECTORY = ['Directory.Read.All', 'Directory.ReadWrite.All'];
const ROLE_MANAGEMENT = [
  'RoleManagement.Read.Directory',
  'RoleManagement.Read.All',
  'RoleManagement.ReadWrite.Directory',
];
const ALERTS_READ = ['RoleManagementAlert.Read.Directory', 'RoleManagementAlert.ReadWrite.Directory'];
export const ALERT_WRITE_PERMISSION = 'RoleManagementAlert.ReadWrite.Directory';
export const MAIL_SEND_PERMISSION = 'Mail.Send';
const USERS = ['User.Read.All', 'User.ReadWrite.All', 'User.ReadBasic.All', ...DIRECTORY];
const AUDIT_LOG = ['AuditLog.Read.All'];
const GROUP_MEMBERS = [
  'GroupMember.ReadBasic.All',
  'GroupMember.Read.All',
  'GroupMember.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  ...DIRECTORY,
];
const assignmentSchedules = [
  'RoleAssignmentSchedule.Read.Directory',
  'RoleAssignmentSchedule.ReadWrite.Directory',
  ...ROLE_MANAGEMENT,
];
const eligibilitySchedules = [
  'RoleEligibilitySchedule.Read.Directory',
  'RoleEligibilitySchedule.ReadWrite.Directory',
  ...ROLE_MANAGEMENT,
];
const ROLES = 'roleManagement/directory';

/** Read rules by collection pattern; an item (`{collection}/{id}`) follows its collection. */
const READS: ReadonlyArray<{ pattern: string; accepted: AcceptedPermissions }> = [
  {
    pattern: 'organization',
    accepted: [['Organization.Read.All', 'Organization.ReadWrite.All', 'User.Read.All', ...DIRECTORY]],
  },
  {
    pattern: 'subscribedSkus',
    accepted: [
      [
        'LicenseAssignment.Read.All',
        'LicenseAssignment.ReadWrite.All',
        'Organization.Read.All',
        'Organization.ReadWrite.All',
        ...DIRECTORY,
      ],
    ],
  },
  { pattern: 'users', accepted: [USERS] },
  {
    pattern: 'groups',
    accepted: [
      [
        'Group.Read.All',
        'Group.ReadWrite.All',
        'GroupMember.Read.All',
        'GroupMember.ReadWrite.All',
        ...DIRECTORY,
      ],
    ],
  },
  { pattern: 'groups/{id}/members', accepted: [GROUP_MEMBERS] },
  { pattern: 'groups/{id}/transitiveMembers', accepted: [GROUP_MEMBERS] },
  {
    pattern: 'servicePrincipals',
    accepted: [['Application.Read.All', 'Application.ReadWrite.All', ...DIRECTORY]],
  },
  { pattern: 'directoryObjects', accepted: [DIRECTORY] },
  { pattern: `${ROLES}/roleDefinitions`, accepted: [[...ROLE_MANAGEMENT, ...DIRECTORY]] },
  { pattern: `${ROLES}/roleAssignments`, accepted: [[...ROLE_MANAGEMENT, ...DIRECTORY]] },
  { pattern: `${ROLES}/roleAssignmentScheduleInstances`, accepted: [assignmentSchedules] },
  { pattern: `${ROLES}/roleAssignmentSchedules`, accepted: [assignmentSchedules] },
  { pattern: `${ROLES}/roleEligibilityScheduleInstances`, accepted: [eligibilitySchedules] },
  { pattern: `${ROLES}/roleEligibilitySchedules`, accepted: [eligibilitySchedules] },
  // No read-only application permission reads the requests (rbacapplication-list-roleassignmentschedulerequests).
  {
    pattern: `${ROLES}/roleAssignmentScheduleRequests`,
    accepted: [['RoleAssignmentSchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory']],
  },
  {
    pattern: 'policies/roleManagementPolicyAssignments',
    accepted: [
      // RoleManagementPolicy.* are delegated-only for this call in Microsoft's permissions table.
      ROLE_MANAGEMENT,
    ],
  },
  {
    pattern: 'policies/roleManagementPolicies',
    accepted: [ROLE_MANAGEMENT],
  },
  { pattern: 'auditLogs/directoryAudits', accepted: [AUDIT_LOG] },
  // PIM for Groups (privilegedaccessgroup-list-eligibilityscheduleinstances, -assignmentscheduleinstances,
  // -assignmentschedulerequests): read-only application permissions exist for all three.
  {
    pattern: `${PIM_GROUPS}/eligibilityScheduleInstances`,
    accepted: [
      [
        'PrivilegedEligibilitySchedule.Read.AzureADGroup',
        'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
      ],
    ],
  },
  {
    pattern: `${PIM_GROUPS}/assignmentScheduleInstances`,
    accepted: [
      [
        'PrivilegedAssignmentSchedule.Read.AzureADGroup',
        'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
      ],
    ],
  },
  {
    pattern: `${PIM_GROUPS}/assignmentScheduleRequests`,
    accepted: [
      [
        'PrivilegedAssignmentSchedule.Read.AzureADGroup',
        'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
      ],
    ],
  },
  { pattern: `${ALERTS_ROOT}/alerts`, accepted: [ALERTS_READ] },
  { pattern: `${ALERTS_ROOT}/alerts/{id}/alertIncidents`, accepted: [ALERTS_READ] },
  { pattern: `${ALERTS_ROOT}/alertDefinitions`, accepted: [ALERTS_READ] },
  { pattern: `${ALERTS_ROOT}/alertConfigurations`, accepted: [ALERTS_READ] },
];

/** How a fixture tunes Graph's rules where Microsoft's documentation disagrees with itself. */
export interface PermissionRules {
  /** Directory audits also need Directory.Read.All, as the API page (not the permissions reference) says. */
  directoryAuditsNeedDirectoryRead: boolean;
}

/**
 * What Graph accepts for a read of `normalisedPath` (a collection pattern, or one with `/{id}` for an
 * item); undefined for a path the table does not know, which the emulator serves to any token.
 */
export function acceptedForRead(
  normalisedPath: string,
  query: URLSearchParams,
  rules: PermissionRules,
): AcceptedPermissions | undefined {
  const rule =
    READS.find((r) => r.pattern === normalisedPath) ??
    READS.find((r) => matchesPattern(normalisedPath, `${r.pattern}/{id}`));
  if (!rule) return undefined;
  const accepted = [...rule.accepted];
  // Sign-in activity is audit data: Graph wants AuditLog.Read.All on top of the users read (user-list).
  if (rule.pattern === 'users' && /signInActivity/i.test(query.get('$select') ?? ''))
    accepted.push(AUDIT_LOG);
  if (rule.pattern === 'auditLogs/directoryAudits' && rules.directoryAuditsNeedDirectoryRead) {
    accepted.push(DIRECTORY);
  }
  return accepted;
}

/** Every permission the table names: what an unrestricted token's `roles` claim lists. */
export const ALL_PERMISSIONS: readonly string[] = [
  ...new Set([
    ...READS.flatMap((r) => r.accepted.flat()),
    ...AUDIT_LOG,
    ALERT_WRITE_PERMISSION,
    MAIL_SEND_PERMISSION,
  ]),
].sort();

/** Whether `roles` cover every entry of `accepted`. */
export function permitted(accepted: AcceptedPermissions, roles: readonly string[]): boolean {
  return accepted.every((choice) => choice.some((p) => roles.includes(p)));
}
