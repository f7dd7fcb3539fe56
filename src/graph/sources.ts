import { DETECTORS } from '../detectors/registry.js';
import type { AlertId } from '../model/alerts.js';
import { SOURCE_NAMES, type SourceName } from '../model/snapshot.js';
import type { GraphVersion } from './http.js';
import type { ThrottleClass } from './rate-limits.js';

/**
 * Every Graph source a scan reads, with the application permissions Graph needs for it. This is the one
 * place those facts live: the README's permission table is generated from it (`npm run
 * permission-reference`), and `pimwatch doctor` checks a tenant against it.
 *
 * Permissions come from Microsoft's permissions reference and each API page's "Permissions" section
 * (https://learn.microsoft.com/graph/permissions-reference, checked 2026-12-06); the page of each source
 * is in `docs`. Only application permissions count: pimwatch runs without a signed-in user.
 */

/** One permission Graph needs: any one of `anyOf` will do; the first is the least privileged. */
export type PermissionChoice = readonly [least: string, ...alsoAccepted: string[]];

/** One cheap request that shows whether a source can be read (`$top=1`, plus any filter Graph insists on). */
export interface SourceProbe {
  version: GraphVersion;
  path: string;
  query: Record<string, string>;
  /** Which of Graph's throttles it draws on (default: directory reads). */
  throttle?: ThrottleClass;
  /** A probe of an object that does not exist: 404 shows the read was allowed (403 would say otherwise). */
  notFoundMeansReadable?: boolean;
}

export interface GraphSourceInfo {
  /** The Graph path after the version segment; `{id}` stands for one object's id. */
  path: string;
  version: GraphVersion;
  /** Every choice must be granted. */
  permissions: readonly PermissionChoice[];
  /**
   * Required: a scan is partial without it. Optional: the scan does without it (`fallback`, or only some
   * tenants need it).
   */
  required: boolean;
  /** What the source gives pimwatch, in words (the alerts that need it are listed by their detectors). */
  unlocks: string;
  /** The source that stands in when this one cannot be read. */
  fallback?: SourceName;
  /**
   * Which branch of `collectSnapshot` reads it: `tenantWide` reads need nothing else and start at once
   * (`tenant-reads.ts`); `holders` reads follow the role holders (`holders.ts`); `incidentAssignees` is
   * read last, for principals only PIM's incidents name.
   */
  readBy: 'tenantWide' | 'holders' | 'incidentAssignees';
  /**
   * The `$top` its reader asks for; null when Graph's own page size is fine (small collections, or
   * lists filtered down to a few items).
   */
  pageSize: number | null;
  /** Microsoft's API page whose Permissions section the entry follows. */
  docs: string;
  probes: readonly SourceProbe[];
}

const API = 'https://learn.microsoft.com/graph/api';
/**
 * The largest users page Graph serves when `signInActivity` is selected: 120 (a larger `$top` is
 * accepted but still answered 120 at a time). https://learn.microsoft.com/en-us/graph/api/user-list
 */
const SIGN_IN_PAGE_SIZE = 120;
/**
 * An object id no tenant has: probing a member list needs a group, and any group's 404 will do.
 * UNCONFIRMED (docs/unconfirmed-graph-facts.md) that Graph checks permissions before existence.
 */
const NO_SUCH_OBJECT = '00000000-0000-0000-0000-000000000000';
const top1 = { $top: '1' };
const directoryRoleScope = { $filter: "scopeId eq '/' and scopeType eq 'DirectoryRole'" };
/** Where PIM for Groups keeps its schedules (design section 8). */
export const PIM_GROUPS = 'identityGovernance/privilegedAccess/group';

/**
 * A PIM for Groups list: read-only application permissions exist (`<schedule>.Read.AzureADGroup`), and
 * Graph lists nothing without a `groupId` or `principalId` filter, so the probe asks for a group no
 * tenant has (an empty list when the read is allowed, 403 otherwise).
 */
function pimGroupSource(collection: string, schedule: string, unlocks: string): GraphSourceInfo {
  const path = `${PIM_GROUPS}/${collection}`;
  return {
    path,
    version: 'v1.0',
    permissions: [[`${schedule}.Read.AzureADGroup`, `${schedule}.ReadWrite.AzureADGroup`]],
    required: true,
    unlocks,
    readBy: 'holders',
    pageSize: null,
    docs: `${API}/privilegedaccessgroup-list-${collection.toLowerCase()}`,
    probes: [{ version: 'v1.0', path, query: { $filter: `groupId eq '${NO_SUCH_OBJECT}'`, $top: '1' } }],
  };
}

/**
 * One of PIM's alert collections (beta only): readable with the alerts' own read permission, and Graph
 * answers 400 without the directory-role scope filter.
 */
function alertSource(collection: string, unlocks: string, pageSize: number | null = null): GraphSourceInfo {
  const path = `identityGovernance/roleManagementAlerts/${collection}`;
  return {
    path,
    version: 'beta',
    permissions: [ALERT_READ],
    required: true,
    unlocks,
    readBy: 'tenantWide',
    pageSize,
    docs: `${API}/rolemanagementalert-list-${collection.toLowerCase()}?view=graph-rest-beta`,
    probes: [{ version: 'beta', path, query: { ...directoryRoleScope, $top: '1' } }],
  };
}

/**
 * A read of the directory audit log: its pages are large, and it draws on the tight reports throttle;
 * `probeFilter` narrows the probe to the records the source is about.
 */
function auditSource(required: boolean, unlocks: string, probeFilter: string): GraphSourceInfo {
  const path = 'auditLogs/directoryAudits';
  return {
    path,
    version: 'v1.0',
    permissions: [AUDIT_READ],
    required,
    unlocks,
    readBy: 'tenantWide',
    pageSize: 1000,
    docs: `${API}/directoryaudit-list`,
    probes: [{ version: 'v1.0', path, query: { $filter: probeFilter, $top: '1' }, throttle: 'reports' }],
  };
}

/** Read access to all role management data, accepted by each PIM read (never the least privileged). */
const ROLE_MANAGEMENT_READ = ['RoleManagement.Read.Directory', 'RoleManagement.Read.All'] as const;
const ROLE_MANAGEMENT_WRITE = 'RoleManagement.ReadWrite.Directory';

/**
 * A PIM schedule instance list of directory roles: its own `<schedule>.Read.Directory` is the least
 * privileged, and the role management permissions read it too.
 */
function roleScheduleSource(collection: string, schedule: string, unlocks: string): GraphSourceInfo {
  const path = `roleManagement/directory/${collection}`;
  return {
    path,
    version: 'v1.0',
    permissions: [
      [
        `${schedule}.Read.Directory`,
        ...ROLE_MANAGEMENT_READ,
        `${schedule}.ReadWrite.Directory`,
        ROLE_MANAGEMENT_WRITE,
      ],
    ],
    required: true,
    unlocks,
    readBy: 'holders',
    pageSize: null,
    docs: `${API}/rbacapplication-list-${collection.toLowerCase()}`,
    probes: [{ version: 'v1.0', path, query: top1 }],
  };
}

const USER_READ: PermissionChoice = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'];
const AUDIT_READ: PermissionChoice = ['AuditLog.Read.All'];
const ALERT_READ: PermissionChoice = [
  'RoleManagementAlert.Read.Directory',
  'RoleManagementAlert.ReadWrite.Directory',
];

export const GRAPH_SOURCES = {
  organization: {
    path: 'organization',
    version: 'v1.0',
    // UNCONFIRMED (docs/unconfirmed-graph-facts.md) that User.Read.All alone reads it, as listed.
    permissions: [['Organization.Read.All', 'User.Read.All', 'Directory.Read.All']],
    required: true,
    unlocks: "the tenant's name in reports",
    readBy: 'tenantWide',
    pageSize: null,
    docs: `${API}/organization-list`,
    probes: [{ version: 'v1.0', path: 'organization', query: { $select: 'id' } }],
  },
  subscribedSkus: {
    path: 'subscribedSkus',
    version: 'v1.0',
    permissions: [['LicenseAssignment.Read.All', 'Organization.Read.All', 'Directory.Read.All']],
    required: true,
    unlocks: "the tenant's licences (Entra ID P2 or Governance)",
    readBy: 'tenantWide',
    pageSize: null,
    docs: `${API}/subscribedsku-list`,
    probes: [{ version: 'v1.0', path: 'subscribedSkus', query: {} }],
  },
  roleDefinitions: {
    path: 'roleManagement/directory/roleDefinitions',
    version: 'beta',
    permissions: [[...ROLE_MANAGEMENT_READ, 'Directory.Read.All', ROLE_MANAGEMENT_WRITE]],
    required: true,
    unlocks: 'role names and which roles are privileged (`isPrivileged`, beta only)',
    readBy: 'holders',
    pageSize: null,
    docs: `${API}/rbacapplication-list-roledefinitions`,
    probes: [{ version: 'beta', path: 'roleManagement/directory/roleDefinitions', query: top1 }],
  },
  roleAssignments: {
    path: 'roleManagement/directory/roleAssignments',
    version: 'v1.0',
    permissions: [[...ROLE_MANAGEMENT_READ, 'Directory.Read.All', ROLE_MANAGEMENT_WRITE]],
    required: true,
    unlocks: 'active role holders in a tenant never onboarded to PIM',
    readBy: 'holders',
    pageSize: null,
    docs: `${API}/rbacapplication-list-roleassignments`,
    probes: [{ version: 'v1.0', path: 'roleManagement/directory/roleAssignments', query: top1 }],
  },
  roleAssignmentScheduleInstances: roleScheduleSource(
    'roleAssignmentScheduleInstances',
    'RoleAssignmentSchedule',
    'active role holders: standing, time-bound and activated assignments',
  ),
  roleEligibilityScheduleInstances: roleScheduleSource(
    'roleEligibilityScheduleInstances',
    'RoleEligibilitySchedule',
    'eligible role holders',
  ),
  roleAssignmentScheduleRequests: {
    path: 'roleManagement/directory/roleAssignmentScheduleRequests',
    version: 'v1.0',
    // Microsoft lists no read-only application permission for this list, only these two write ones.
    permissions: [['RoleAssignmentSchedule.ReadWrite.Directory', ROLE_MANAGEMENT_WRITE]],
    required: false,
    unlocks:
      'activation history from the requests themselves; without this write permission it comes from PIM’s audit records',
    fallback: 'pimActivationAudits',
    readBy: 'tenantWide',
    pageSize: null,
    docs: `${API}/rbacapplication-list-roleassignmentschedulerequests`,
    probes: [
      { version: 'v1.0', path: 'roleManagement/directory/roleAssignmentScheduleRequests', query: top1 },
    ],
  },
  roleManagementPolicyAssignments: {
    path: 'policies/roleManagementPolicyAssignments',
    version: 'v1.0',
    // The permissions table names RoleManagement.Read.All; RoleManagement.Read.Directory is accepted too
    // and is narrower (directory roles only), and the role reads above need it anyway.
    // RoleManagementPolicy.Read.Directory is listed for delegated access only.
    permissions: [['RoleManagement.Read.Directory', 'RoleManagement.Read.All', ROLE_MANAGEMENT_WRITE]],
    required: true,
    unlocks: "each role's PIM policy (MFA or authentication context on activation)",
    readBy: 'tenantWide',
    pageSize: null,
    docs: `${API}/policyroot-list-rolemanagementpolicyassignments`,
    probes: [
      {
        version: 'v1.0',
        path: 'policies/roleManagementPolicyAssignments',
        query: { ...directoryRoleScope, $top: '1' },
      },
    ],
  },
  // Microsoft disagrees with itself: the permissions reference lists AuditLog.Read.All alone, the API
  // page "AuditLog.Read.All and Directory.Read.All". `doctor` tells which rule a tenant enforces.
  directoryAudits: auditSource(
    true,
    'role assignments made outside PIM (directory audit records)',
    "category eq 'RoleManagement'",
  ),
  pimActivationAudits: auditSource(
    false,
    'activation history from PIM’s own audit records when schedule requests cannot be read',
    "loggedByService eq 'PIM'",
  ),
  groupMembers: {
    path: 'groups/{id}/members',
    version: 'v1.0',
    // GroupMember.ReadBasic.All is the narrowest the permissions table lists; the API page names
    // GroupMember.Read.All. UNCONFIRMED (docs/unconfirmed-graph-facts.md) that ReadBasic suffices.
    permissions: [
      [
        'GroupMember.ReadBasic.All',
        'GroupMember.Read.All',
        'Group.Read.All',
        'Directory.Read.All',
        'GroupMember.ReadWrite.All',
        'Group.ReadWrite.All',
      ],
    ],
    required: true,
    unlocks: 'members of role-assignable groups that hold roles',
    readBy: 'holders',
    pageSize: 999,
    docs: `${API}/group-list-members`,
    probes: [
      {
        version: 'v1.0',
        path: `groups/${NO_SUCH_OBJECT}/members`,
        query: { $select: 'id', $top: '1' },
        notFoundMeansReadable: true,
      },
    ],
  },
  pimGroupEligibilities: pimGroupSource(
    'eligibilityScheduleInstances',
    'PrivilegedEligibilitySchedule',
    'eligible members of role-holding groups (PIM for Groups)',
  ),
  pimGroupAssignments: pimGroupSource(
    'assignmentScheduleInstances',
    'PrivilegedAssignmentSchedule',
    'active and activated members of role-holding groups (PIM for Groups); their membership activations',
  ),
  signInActivity: {
    path: 'users',
    version: 'v1.0',
    permissions: [USER_READ, AUDIT_READ],
    required: true,
    unlocks: "privileged users' last sign-in (needs Entra ID P1 or P2)",
    // Only the benchmark's read of every user pages; the scanner asks for 15 users at a time.
    readBy: 'holders',
    pageSize: SIGN_IN_PAGE_SIZE,
    docs: `${API}/user-list`,
    probes: [
      {
        version: 'v1.0',
        path: 'users',
        query: { $select: 'id,signInActivity', $top: '1' },
        throttle: 'signInActivity',
      },
    ],
  },
  principalLookup: {
    path: 'users, servicePrincipals',
    version: 'v1.0',
    permissions: [USER_READ, ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All']],
    required: true,
    unlocks: 'users and service principals named only by PIM’s incidents (and whether they still exist)',
    readBy: 'incidentAssignees',
    pageSize: null,
    docs: `${API}/serviceprincipal-list`,
    probes: [
      { version: 'v1.0', path: 'users', query: { $select: 'id', $top: '1' } },
      { version: 'v1.0', path: 'servicePrincipals', query: { $select: 'id', $top: '1' } },
    ],
  },
  alertDefinitions: alertSource(
    'alertDefinitions',
    "PIM's alert definitions (reconciliation with PIM's own incidents)",
  ),
  alertConfigurations: alertSource('alertConfigurations', "the tenant's own alert thresholds"),
  // Incident pages; the alerts themselves are a handful and never paged.
  alerts: alertSource('alerts', "PIM's own alerts and incidents (reconciliation)", 50),
} as const satisfies Record<SourceName, GraphSourceInfo>;

/** The table with its precise literal types widened, for code that walks it. */
export const SOURCES: Readonly<Record<SourceName, GraphSourceInfo>> = GRAPH_SOURCES;

/** Write actions pimwatch takes only when configured to; each needs its own optional permission. */
export const GRAPH_ACTIONS = [
  {
    name: 'alertActions',
    permissions: [['RoleManagementAlert.ReadWrite.Directory']],
    unlocks: '`graph-refresh` and `remediate --apply` (with `graph.allowWriteActions: true`)',
    docs: `${API}/rolemanagementalert-refresh?view=graph-rest-beta`,
  },
  {
    name: 'sendMail',
    permissions: [['Mail.Send']],
    unlocks: 'email through Graph (limit it to one mailbox with an Exchange application access policy)',
    docs: `${API}/user-sendmail`,
  },
] as const satisfies readonly {
  name: string;
  permissions: readonly PermissionChoice[];
  unlocks: string;
  docs: string;
}[];

/**
 * Directory audits as the API page states them: some tenants may also insist on Directory.Read.All.
 * UNCONFIRMED (docs/unconfirmed-graph-facts.md) which rule Graph enforces; `doctor` finds out per tenant.
 */
export const DIRECTORY_AUDITS_DISPUTED_PERMISSION = 'Directory.Read.All';

/** Whether granted `roles` satisfy one choice, and if so with which permission. */
export function grantedFor(choice: PermissionChoice, roles: ReadonlySet<string>): string | undefined {
  return choice.find((p) => roles.has(p));
}

/** The least privileged permission of each choice the roles do not satisfy. */
export function missingPermissions(
  permissions: readonly PermissionChoice[],
  roles: ReadonlySet<string>,
): string[] {
  return permissions.filter((choice) => grantedFor(choice, roles) === undefined).map((c) => c[0]);
}

/**
 * What a least-privileged app registration is granted: starting from the least permission of every
 * required source, each one another already covers is dropped (RoleManagement.Read.Directory, which role
 * definitions need, also reads the schedule instances), so every permission left is needed by some source.
 */
export function requiredPermissions(): string[] {
  const required = (Object.keys(SOURCES) as SourceName[]).filter((name) => SOURCES[name].required);
  const granted = leastPermissionsOf(required);
  for (const permission of [...granted]) {
    const without = new Set(granted.filter((p) => p !== permission));
    if (required.every((name) => missingPermissions(SOURCES[name].permissions, without).length === 0)) {
      granted.splice(granted.indexOf(permission), 1);
    }
  }
  return granted;
}

/** The sources that can be read only because `permission` is among `granted` (nothing else covers them). */
export function sourcesRestingOn(permission: string, granted: readonly string[]): SourceName[] {
  return (Object.keys(SOURCES) as SourceName[]).filter((name) =>
    SOURCES[name].permissions.some((choice) => {
      const covering = choice.filter((p) => granted.includes(p));
      return covering.length === 1 && covering[0] === permission;
    }),
  );
}

/** The least privileged permissions of the given sources, each once, in table order. */
export function leastPermissionsOf(names: readonly SourceName[]): string[] {
  return [...new Set(names.flatMap((name) => SOURCES[name].permissions.map((choice) => choice[0])))];
}

/**
 * The alerts whose detectors declare `source` in `meta.sources`, or a source it stands in for (PIM's
 * audit records for the schedule requests): derived from the detectors, so it is never listed twice.
 */
export function detectorsNeeding(source: SourceName): AlertId[] {
  const through = SOURCE_NAMES.filter((s) => s === source || SOURCES[s].fallback === source);
  return DETECTORS.filter((d) => d.meta.sources.some((s) => through.includes(s))).map((d) => d.meta.alert);
}

/** The sources one branch of `collectSnapshot` reads, in table order. */
export function sourcesReadBy(branch: GraphSourceInfo['readBy']): SourceName[] {
  return SOURCE_NAMES.filter((name) => SOURCES[name].readBy === branch);
}
