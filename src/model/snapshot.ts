/**
 * pimwatch's own model of a tenant, read once per scan by `graph/collectSnapshot`. Detectors and
 * reconciliation only ever see this model, never Graph's JSON. Timestamps are ISO-8601 strings in UTC
 * (Graph's `0001-01-01...` "never" dates are already turned into null by the graph layer).
 */
import type { AlertId } from './alerts.js';

/** Every source a scan reads. A source's failure makes the snapshot incomplete. */
export const SOURCE_NAMES = [
  'organization',
  'subscribedSkus',
  'roleDefinitions',
  'roleAssignments',
  'roleAssignmentScheduleInstances',
  'roleEligibilityScheduleInstances',
  'roleAssignmentScheduleRequests',
  'roleManagementPolicyAssignments',
  'directoryAudits',
  'pimActivationAudits',
  'groupMembers',
  'pimGroupEligibilities',
  'pimGroupAssignments',
  'signInActivity',
  'principalLookup',
  'alertDefinitions',
  'alertConfigurations',
  'alerts',
] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface SourceStatus {
  /**
   * `skipped`: not needed for this tenant (e.g. `roleAssignments` when PIM schedule instances exist).
   * `replaced`: it failed, but another source stood in for it (schedule requests answered 403 and the
   * activation history came from PIM's audit records): the scan stays complete, and the cause is kept.
   */
  status: 'ok' | 'failed' | 'skipped' | 'replaced';
  /** Logical Graph requests made for this source (inner `$batch` requests count one each). */
  requests: number;
  /** Objects read. */
  items: number;
  /** Why it failed: names the Graph path, HTTP status and Graph error code. */
  cause?: string;
  httpStatus?: number;
  graphErrorCode?: string;
}

export type PrincipalType = 'user' | 'group' | 'servicePrincipal' | 'unknown';

export interface Principal {
  id: string;
  type: PrincipalType;
  displayName: string | null;
  /** Users only. */
  userPrincipalName: string | null;
  accountEnabled: boolean | null;
  /** Groups only: whether the group can hold Entra roles. */
  isAssignableToRole?: boolean | null;
}

export interface RoleDefinition {
  /** The definition's object id (equal to the template id for built-in roles). */
  id: string;
  templateId: string;
  displayName: string;
  isBuiltIn: boolean;
  /** Graph's own `isPrivileged` flag; the privileged set can be overridden in detector config. */
  isPrivileged: boolean;
}

/**
 * One raw way a principal holds a role, as Graph lists it: an active schedule instance, an eligible
 * schedule instance, or (for tenants never onboarded to PIM) a plain `roleAssignments` entry.
 * `roleTemplateId` is already normalised: Graph may use the definition id or the template id.
 */
export interface RoleGrant {
  id: string;
  source: 'assignmentInstance' | 'eligibilityInstance' | 'roleAssignment';
  principalId: string;
  roleTemplateId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  /** Assignment instances only: `Assigned` (standing or time-bound) or `Activated` (from an eligibility). */
  assignmentType: 'Assigned' | 'Activated' | null;
  /** Graph's `memberType`: `Direct`, `Group` or `Inherited`; null when Graph does not say. */
  memberType: string | null;
  /** Null means unknown, which the detectors treat as "started long ago". */
  startDateTime: string | null;
  /** Null means permanent. */
  endDateTime: string | null;
  /** Assignment instances: the underlying `roleAssignments` id. */
  roleAssignmentOriginId: string | null;
}

/**
 * One PIM for Groups membership or ownership of a group, as a schedule instance (design section 8): an
 * eligibility (`eligibilityInstance`) or an active assignment (`assignmentInstance`, `Assigned` or
 * `Activated`). Read only for role-assignable groups that hold a role. Enum values are lower-cased here:
 * Microsoft's tables write `member`, its examples `Member`.
 */
export interface GroupMembershipInstance {
  id: string;
  source: 'eligibilityInstance' | 'assignmentInstance';
  groupId: string;
  principalId: string;
  /** `member` or `owner` (lower case); owners hold nothing through the group. */
  accessId: string;
  assignmentType: 'Assigned' | 'Activated' | null;
  /** Null means unknown (counted as long ago). */
  startDateTime: string | null;
  /** Null means permanent. */
  endDateTime: string | null;
}

/**
 * A `roleAssignmentScheduleRequests` item, with its effective schedule worked out. Only the graph layer
 * sees it: detectors read the activation history below, whichever source fed it.
 */
export interface ScheduleRequest {
  id: string;
  /** `selfActivate`, `selfExtend`, `selfRenew`, `adminAssign`, ... */
  action: string;
  /** `Provisioned`, `Granted`, `Denied`, ... */
  status: string;
  principalId: string;
  roleTemplateId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  createdDateTime: string;
  /** `scheduleInfo.startDateTime`, or `createdDateTime` when absent. */
  startDateTime: string;
  /** start + `expiration.duration`, or `expiration.endDateTime`; null when open-ended. */
  endDateTime: string | null;
  targetScheduleId: string | null;
}

/**
 * What a self-service request did: `activate` an eligibility, or ask to `extend` an expiring or `renew`
 * an expired assignment (which an administrator then approves; see the Sequential detector's TSDoc).
 */
export type ActivationKind = 'activate' | 'extend' | 'renew';

/** One successful self-service activation, extension or renewal of a role. */
export interface Activation {
  /** The record it was read from, for evidence. */
  record: { kind: 'scheduleRequest' | 'auditRecord'; id: string };
  kind: ActivationKind;
  principalId: string;
  /** Normalised like grants: Graph may name the role by its definition id or its template id. */
  roleTemplateId: string;
  roleDefinitionId: string;
  startDateTime: string;
  /** Null when open-ended. */
  endDateTime: string | null;
  /** Set when a PIM for Groups membership of this group was activated, which activates the group's role. */
  throughGroupId?: string;
}

/**
 * One successful self-activation of a PIM for Groups membership (`accessId` `member`). It counts as an
 * activation of every role the group holds (design section 8); detectors see it that way through
 * `roleActivations`.
 */
export interface GroupActivation {
  record: Activation['record'];
  principalId: string;
  groupId: string;
  startDateTime: string;
  endDateTime: string | null;
}

export type ActivationHistorySource = 'scheduleRequests' | 'auditLog';

/**
 * Who activated which role and when, from the schedule requests when they can be read, otherwise from
 * PIM's own audit records (design section 7). Detectors read `activations` and never ask where they came
 * from; the report does.
 */
export interface ActivationHistory {
  /** Null when neither source could be read (the detectors that need it are then unknown). */
  source: ActivationHistorySource | null;
  /** Why the audit log was used, e.g. `scheduleRequests: 403 Authorization_RequestDenied, using the audit log`. */
  reason: string | null;
  /** The oldest instant the source can hold (the audit log's retention edge); null when unbounded. */
  coversFrom: string | null;
  activations: readonly Activation[];
  /** Membership activations of role-holding groups (PIM for Groups). */
  groupActivations: readonly GroupActivation[];
}

/** The parts of a role's PIM policy (`roleManagementPolicyAssignments`, scope `/`) that matter here. */
export interface RolePolicy {
  roleTemplateId: string;
  policyId: string;
  /** `Enablement_EndUser_Assignment.enabledRules`; null when the rule is absent. */
  endUserAssignmentEnabledRules: string[] | null;
  /** `AuthenticationContext_EndUser_Assignment`; null when the rule is absent. */
  authenticationContext: { isEnabled: boolean; claimValue: string | null } | null;
}

export interface SubscribedSku {
  id: string;
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: string;
  servicePlans: { servicePlanId: string; servicePlanName: string; provisioningStatus: string }[];
}

/** A directory audit record that may show a role assignment, reduced to what detectors need. */
export interface AuditRecord {
  id: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  /** `success`, `failure`, ... */
  result: string;
  initiatedBy: {
    userId: string | null;
    userPrincipalName: string | null;
    appId: string | null;
    appDisplayName: string | null;
  };
  /** The principal that received the role (user, group or service principal), when the record names one. */
  target: {
    id: string;
    type: PrincipalType;
    displayName: string | null;
    userPrincipalName: string | null;
  } | null;
  /** From `modifiedProperties` `Role.TemplateId` (new value, or old value when only that is set). */
  roleTemplateId: string | null;
  roleDisplayName: string | null;
}

export interface SignInActivity {
  lastSignInDateTime: string | null;
  lastNonInteractiveSignInDateTime: string | null;
  lastSuccessfulSignInDateTime: string | null;
}

/** What PIM says about one of its alerts, in Graph's words (the same properties as Graph's JSON). */
export type AlertDefinitionText = {
  displayName: string;
  description: string;
  severityLevel: string;
  securityImpact: string;
  mitigationSteps: string;
  howToPrevent: string;
  isRemediatable: boolean;
  isConfigurable: boolean;
};

export interface GraphAlertDefinition extends AlertDefinitionText {
  id: string;
  alert: AlertId;
}

/** The tenant's own thresholds for one alert. Threshold keys are Graph's property names. */
export interface GraphAlertConfiguration {
  id: string;
  alert: AlertId;
  /** Null when Graph did not say: treated as unknown, not as enabled. */
  isEnabled: boolean | null;
  /** e.g. `{ globalAdminCountThreshold: 3, percentageOfGlobalAdminsOutOfRolesThreshold: 10 }` or `{ duration: 'P30D' }`. */
  thresholds: Record<string, string | number>;
}

/** One incident as PIM reports it, with the fields of Graph's incident types. */
export interface GraphIncident {
  id: string;
  alert: AlertId;
  odataType: string;
  assigneeId: string | null;
  assigneeDisplayName: string | null;
  assigneeUserPrincipalName: string | null;
  roleTemplateId: string | null;
  roleDefinitionId: string | null;
  roleDisplayName: string | null;
  assignmentCreatedDateTime: string | null;
  lastSignInDateTime: string | null;
  lastActivationDateTime: string | null;
  activationCount: number | null;
  sequenceStartDateTime: string | null;
  sequenceEndDateTime: string | null;
  tenantLicenseStatus: string | null;
}

export interface GraphAlert {
  id: string;
  alert: AlertId;
  incidentCount: number;
  isActive: boolean;
  /** Null when Graph answers with its zero date (never). */
  lastModifiedDateTime: string | null;
  lastScannedDateTime: string | null;
  incidents: GraphIncident[];
}

export interface GraphRequestCounts {
  /** HTTP requests sent (a `$batch` counts once). */
  http: number;
  /** Logical Graph requests (each inner `$batch` request counts once): what Graph's throttles count. */
  logical: number;
  /** 429 answers received (outer or inner). */
  throttled: number;
  /** Requests sent again after a 429/503/504 or a broken response. */
  retried: number;
}

export interface TenantSnapshot {
  tenantId: string;
  /** When collection started (wall clock; detectors use their own `now`). */
  collectedAt: string;
  /** False when any source failed. */
  complete: boolean;
  sources: Record<SourceName, SourceStatus>;
  graphRequests: GraphRequestCounts;
  organization: { id: string; displayName: string | null } | null;
  /** Every principal met while reading: holders, group members, audit targets, Graph incident assignees. */
  principals: ReadonlyMap<string, Principal>;
  /** Keyed by template id. */
  roleDefinitions: ReadonlyMap<string, RoleDefinition>;
  /** True when active holders come from schedule instances; false when from plain `roleAssignments`. */
  pimOnboarded: boolean;
  grants: readonly RoleGrant[];
  /** Direct members of every group that holds a role, transitively (nested groups included). */
  groupMembers: ReadonlyMap<string, readonly string[]>;
  /** PIM for Groups memberships of the groups that hold a role (members and owners, as Graph lists them). */
  pimGroupMemberships: readonly GroupMembershipInstance[];
  /**
   * Groups holding a role whose PIM for Groups memberships could not be read (source failed): their
   * eligible members are unknown, which holdings-based detectors say in `unknownItems`.
   */
  pimGroupsUnread: readonly string[];
  /** Successful self-activations, extensions and renewals, from whichever source could be read. */
  activationHistory: ActivationHistory;
  /** Keyed by role template id. */
  policies: ReadonlyMap<string, RolePolicy>;
  skus: readonly SubscribedSku[];
  audits: readonly AuditRecord[];
  /** Users whose sign-in activity was read (privileged role holders). Absent user = not read. */
  signIns: ReadonlyMap<string, SignInActivity>;
  /** Principal ids looked up and not found: deleted objects. */
  deletedPrincipalIds: ReadonlySet<string>;
  graphAlerts: {
    definitions: ReadonlyMap<AlertId, GraphAlertDefinition>;
    configurations: ReadonlyMap<AlertId, GraphAlertConfiguration>;
    alerts: ReadonlyMap<AlertId, GraphAlert>;
  };
}
