import { createHash } from 'node:crypto';
import { activationsFromScheduleRequests } from '../../src/graph/activation-history.js';
import { type AlertId, GLOBAL_ADMIN_TEMPLATE_ID, graphAlertObjectId } from '../../src/model/alerts.js';
import {
  type AuditRecord,
  type GraphAlert,
  type GraphAlertConfiguration,
  type GraphAlertDefinition,
  type GraphIncident,
  type GroupActivation,
  type GroupMembershipInstance,
  type Principal,
  type PrincipalType,
  type RoleDefinition,
  type RoleGrant,
  type RolePolicy,
  type ScheduleRequest,
  type SignInActivity,
  SOURCE_NAMES,
  type SourceName,
  type SourceStatus,
  type SubscribedSku,
  type TenantSnapshot,
} from '../../src/model/snapshot.js';
import { durationMs } from '../../src/util/iso-duration.js';

/**
 * Builds `TenantSnapshot`s for tests in a few readable lines. The default tenant is clean: licensed for
 * PIM, a handful of roles whose activation demands MFA, and nobody holding anything, so it produces no
 * incidents. Principals and roles are named ('alice', 'globalAdmin'); ids are derived from the names, so
 * expectations can name them too (see `uid`, `nameOf`, `roleNameOf`).
 */

export const TENANT_ID = '0f5a7c1e-3b2d-4e6f-8a9b-1c2d3e4f5a6b';
/** The instant tests scan at, unless they say otherwise. */
export const NOW = new Date('2026-06-15T12:00:00.000Z');
export const SECOND = 1000;
export const DAY = 24 * 60 * 60 * SECOND;

const namesById = new Map<string, string>();

/** A stable GUID for a readable name (same name, same id, in every test). */
export function uid(name: string): string {
  const hex = createHash('sha256').update(`pimwatch-test:${name}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  namesById.set(id, name);
  return id;
}

/** The name `uid` was given for an id, if any. */
export function nameOf(id: string): string | undefined {
  return namesById.get(id.toLowerCase());
}

/** ISO timestamp `duration` before `from`, plus `extraMs` further back (negative: closer to `from`). */
export function ago(duration: string, extraMs = 0, from: Date = NOW): string {
  return new Date(from.getTime() - durationMs(duration) - extraMs).toISOString();
}

/** ISO timestamp `ms` after `from`. */
export function plus(from: string | Date, ms: number): string {
  return new Date(new Date(from).getTime() + ms).toISOString();
}

export interface RoleSpec {
  templateId: string;
  displayName: string;
  isPrivileged: boolean;
}

/** Built-in roles every default tenant defines (real template ids). */
export const ROLES = {
  globalAdmin: {
    templateId: GLOBAL_ADMIN_TEMPLATE_ID,
    displayName: 'Global Administrator',
    isPrivileged: true,
  },
  privilegedRoleAdmin: {
    templateId: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
    displayName: 'Privileged Role Administrator',
    isPrivileged: true,
  },
  userAdmin: {
    templateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
    displayName: 'User Administrator',
    isPrivileged: true,
  },
  reportsReader: {
    templateId: '4a5d8f65-41da-4de4-8968-e035b65339cf',
    displayName: 'Reports Reader',
    isPrivileged: false,
  },
  messageCenterReader: {
    templateId: '790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b',
    displayName: 'Message Center Reader',
    isPrivileged: false,
  },
} as const satisfies Record<string, RoleSpec>;
export type BuiltInRoleName = keyof typeof ROLES;

const roleNamesById = new Map<string, string>(
  Object.entries(ROLES).map(([name, role]) => [role.templateId.toLowerCase(), name]),
);

/** Template id of a built-in test role. */
export function roleId(name: BuiltInRoleName): string {
  return ROLES[name].templateId;
}

/** The test name of a role template id ('globalAdmin'), if any. */
export function roleNameOf(templateId: string): string | undefined {
  return roleNamesById.get(templateId.toLowerCase());
}

/** Entra ID P2's service plan, Entra ID Governance's service plan, and P1's (which does not license PIM). */
export const SERVICE_PLANS = {
  entraIdP2: { servicePlanId: 'eec0eb4f-6444-4f95-aba0-50c24d67f998', servicePlanName: 'AAD_PREMIUM_P2' },
  entraIdGovernance: {
    servicePlanId: 'e866a266-3cff-43a3-acca-0c90a7e00c8b',
    servicePlanName: 'Entra_Identity_Governance',
  },
  entraIdP1: { servicePlanId: '41781fb2-bc02-4b7c-bd55-b576c07bb09d', servicePlanName: 'AAD_PREMIUM' },
} as const;

export interface GrantOptions {
  /** @defaultValue a year before `now` */
  start?: string | null;
  /** @defaultValue null (permanent) */
  end?: string | null;
  id?: string;
  memberType?: string | null;
  directoryScopeId?: string;
}

export interface RequestOptions {
  action?: string;
  status?: string;
  start: string;
  /** Either an end or a duration; neither means open-ended. */
  end?: string | null;
  duration?: string;
  created?: string;
  id?: string;
}

export interface RoleAddAuditOptions {
  /**
   * `directory`: Core Directory's `Add member to role` by an admin (outside PIM);
   * `pimDetected`: PIM's own `Add member to role outside of PIM (permanent)`;
   * `byPim`: Core Directory's `Add member to role` initiated by MS-PIM (inside PIM).
   * @defaultValue directory
   */
  kind?: 'directory' | 'pimDetected' | 'byPim';
  result?: string;
  id?: string;
  /** Leave the target or role out of the record, as some records do. */
  withoutTarget?: boolean;
  withoutRole?: boolean;
}

type Ref = string;

/** Fluent, mutable builder; `build()` returns a fresh snapshot each time. */
export class SnapshotBuilder {
  readonly tenantId: string;
  readonly now: Date;
  private readonly principals = new Map<string, Principal>();
  private readonly roles = new Map<string, RoleSpec>();
  private readonly grants: RoleGrant[] = [];
  private readonly groupMembers = new Map<string, string[]>();
  private readonly requests: ScheduleRequest[] = [];
  private readonly pimMemberships: GroupMembershipInstance[] = [];
  private readonly groupActivations: GroupActivation[] = [];
  private readonly unreadPimGroups: string[] = [];
  private readonly policies = new Map<string, RolePolicy>();
  private skus: SubscribedSku[] = [];
  private readonly audits: AuditRecord[] = [];
  private readonly signIns = new Map<string, SignInActivity>();
  private readonly deleted = new Set<string>();
  private readonly sources = new Map<SourceName, SourceStatus>();
  private pimOnboarded = true;
  private readonly definitions = new Map<AlertId, GraphAlertDefinition>();
  private readonly configurations = new Map<AlertId, GraphAlertConfiguration>();
  private readonly alerts = new Map<AlertId, GraphAlert>();
  private counter = 0;

  constructor(options: { tenantId?: string; now?: Date } = {}) {
    this.tenantId = options.tenantId ?? TENANT_ID;
    this.now = options.now ?? NOW;
    for (const [name, role] of Object.entries(ROLES)) this.role(name, role);
    this.sku({
      skuPartNumber: 'AAD_PREMIUM_P2',
      servicePlans: [{ ...SERVICE_PLANS.entraIdP2, provisioningStatus: 'Success' }],
    });
  }

  // ---- principals -------------------------------------------------------------------------------

  /** A user who signed in yesterday unless `lastSignIn` says otherwise (null: never; `false`: not read). */
  user(
    name: string,
    options: {
      displayName?: string;
      upn?: string;
      accountEnabled?: boolean;
      lastSignIn?: string | null | false;
    } = {},
  ): this {
    this.addPrincipal(name, 'user', {
      displayName: options.displayName ?? name,
      userPrincipalName: options.upn ?? `${name}@contoso.example`,
      accountEnabled: options.accountEnabled ?? true,
    });
    if (options.lastSignIn !== false)
      this.signIn(name, options.lastSignIn === undefined ? ago('P1D', 0, this.now) : options.lastSignIn);
    return this;
  }

  group(name: string, options: { displayName?: string; roleAssignable?: boolean } = {}): this {
    return this.addPrincipal(name, 'group', {
      displayName: options.displayName ?? name,
      isAssignableToRole: options.roleAssignable ?? true,
    });
  }

  servicePrincipal(name: string, options: { displayName?: string } = {}): this {
    return this.addPrincipal(name, 'servicePrincipal', { displayName: options.displayName ?? name });
  }

  /** Direct members of a group; members may be groups (nesting) and may loop back (cycles). */
  members(group: Ref, memberNames: readonly Ref[]): this {
    const groupId = this.principalId(group);
    const list = this.groupMembers.get(groupId) ?? [];
    list.push(...memberNames.map((member) => this.principalId(member)));
    this.groupMembers.set(groupId, list);
    return this;
  }

  /**
   * A PIM for Groups membership (or ownership, with `accessId: 'owner'`) of a group: eligible, or active
   * (`Assigned` or `Activated`). Defaults: started a year ago, permanent.
   */
  pimMembership(
    principal: Ref,
    group: Ref,
    options: GrantOptions & {
      kind?: 'eligible' | 'Assigned' | 'Activated';
      accessId?: string;
    } = {},
  ): this {
    const kind = options.kind ?? 'eligible';
    this.pimMemberships.push({
      id: options.id ?? `pim-${kind}-${principal}-${group}-${++this.counter}`,
      source: kind === 'eligible' ? 'eligibilityInstance' : 'assignmentInstance',
      groupId: this.principalId(group),
      principalId: this.principalId(principal),
      accessId: options.accessId ?? 'member',
      assignmentType: kind === 'eligible' ? null : kind,
      startDateTime: options.start === undefined ? ago('P365D', 0, this.now) : options.start,
      endDateTime: options.end ?? null,
    });
    return this;
  }

  /** A completed self-activation of a PIM for Groups membership (from PIM's audit records). */
  groupActivation(principal: Ref, group: Ref, start: string, duration = 'PT8H'): this {
    this.groupActivations.push({
      record: { kind: 'auditRecord', id: `group-activation-${principal}-${++this.counter}` },
      principalId: this.principalId(principal),
      groupId: this.principalId(group),
      startDateTime: start,
      endDateTime: plus(start, durationMs(duration)),
    });
    return this;
  }

  /** The group's PIM for Groups memberships could not be read (its source failed). */
  pimGroupUnread(group: Ref, source: SourceName = 'pimGroupEligibilities'): this {
    this.unreadPimGroups.push(this.principalId(group));
    this.sources.set(source, {
      status: 'failed',
      requests: 1,
      items: 0,
      cause: '403 Authorization_RequestDenied',
    });
    return this;
  }

  /** The principal was looked up and not found. */
  deletedPrincipal(name: string): this {
    this.deleted.add(uid(name));
    return this;
  }

  // ---- roles and grants ---------------------------------------------------------------------------

  /** Defines (or redefines) a role; built-in test roles exist already. */
  role(name: string, spec: RoleSpec): this {
    this.roles.set(name, spec);
    roleNamesById.set(spec.templateId.toLowerCase(), name);
    this.policy(name, {});
    return this;
  }

  /** Overrides Graph's `isPrivileged` for a role. */
  privileged(role: Ref, isPrivileged = true): this {
    const spec = this.roleSpec(role);
    this.roles.set(role, { ...spec, isPrivileged });
    return this;
  }

  /** An active assignment instance (`Assigned`): standing, or time-bound with `end`. */
  assigned(principal: Ref, role: Ref, options: GrantOptions = {}): this {
    return this.grant('assignmentInstance', 'Assigned', principal, role, options);
  }

  /** An eligibility instance. */
  eligible(principal: Ref, role: Ref, options: GrantOptions = {}): this {
    return this.grant('eligibilityInstance', null, principal, role, options);
  }

  /** A live activation instance (`Activated`); defaults to started an hour ago, ending in seven hours. */
  activated(principal: Ref, role: Ref, options: GrantOptions = {}): this {
    return this.grant('assignmentInstance', 'Activated', principal, role, {
      start: ago('PT1H', 0, this.now),
      end: plus(this.now, 7 * 3600 * SECOND),
      ...options,
    });
  }

  /** A plain `roleAssignments` entry (what a tenant never onboarded to PIM has); no known start. */
  roleAssignment(principal: Ref, role: Ref, options: Omit<GrantOptions, 'start' | 'end'> = {}): this {
    return this.grant('roleAssignment', null, principal, role, { start: null, end: null, ...options });
  }

  /** The tenant was never onboarded to PIM: active holders come from `roleAssignments`. */
  notOnboarded(): this {
    this.pimOnboarded = false;
    return this;
  }

  // ---- PIM policies ------------------------------------------------------------------------------

  /** Sets a role's activation policy; by default MFA and justification are required. */
  policy(role: Ref, policy: Partial<Omit<RolePolicy, 'roleTemplateId'>>): this {
    const templateId = this.roleSpec(role).templateId;
    this.policies.set(templateId, {
      roleTemplateId: templateId,
      policyId: `DirectoryRole_${this.tenantId}_${templateId}`,
      endUserAssignmentEnabledRules: ['MultiFactorAuthentication', 'Justification'],
      authenticationContext: { isEnabled: false, claimValue: null },
      ...policy,
    });
    return this;
  }

  /** Activation asks for justification only. */
  withoutMfa(role: Ref): this {
    return this.policy(role, { endUserAssignmentEnabledRules: ['Justification'] });
  }

  /** The role has no policy assignment at scope `/`. */
  noPolicy(role: Ref): this {
    this.policies.delete(this.roleSpec(role).templateId);
    return this;
  }

  // ---- requests, audits, sign-ins -------------------------------------------------------------------

  /** Any schedule request. */
  request(principal: Ref, role: Ref, options: RequestOptions): this {
    const spec = this.roleSpec(role);
    const end =
      options.end !== undefined
        ? options.end
        : options.duration !== undefined
          ? plus(options.start, durationMs(options.duration))
          : null;
    this.requests.push({
      id: options.id ?? `request-${principal}-${role}-${++this.counter}`,
      action: options.action ?? 'selfActivate',
      status: options.status ?? 'Provisioned',
      principalId: this.principalId(principal),
      roleTemplateId: spec.templateId,
      roleDefinitionId: spec.templateId,
      directoryScopeId: '/',
      createdDateTime: options.created ?? options.start,
      startDateTime: options.start,
      endDateTime: end,
      targetScheduleId: null,
    });
    return this;
  }

  /** A successful self-activation starting at `start`. */
  activation(
    principal: Ref,
    role: Ref,
    start: string,
    duration = 'PT8H',
    options: Partial<RequestOptions> = {},
  ): this {
    return this.request(principal, role, { start, duration, ...options });
  }

  /** A series of successful self-activations, each starting `gap` after the previous one ended. */
  activationRun(
    principal: Ref,
    role: Ref,
    options: { start: string; count: number; duration?: string; gapMs?: number; action?: string },
  ): this {
    const duration = options.duration ?? 'PT1H';
    let start = options.start;
    for (let i = 0; i < options.count; i++) {
      this.activation(principal, role, start, duration, options.action ? { action: options.action } : {});
      start = plus(start, durationMs(duration) + (options.gapMs ?? 0));
    }
    return this;
  }

  audit(record: Partial<AuditRecord> & Pick<AuditRecord, 'activityDisplayName' | 'activityDateTime'>): this {
    this.audits.push({
      id: `audit-${++this.counter}`,
      loggedByService: 'Core Directory',
      result: 'success',
      initiatedBy: { userId: null, userPrincipalName: null, appId: null, appDisplayName: null },
      target: null,
      roleTemplateId: null,
      roleDisplayName: null,
      ...record,
    });
    return this;
  }

  /** An audit record of `principal` being added to `role` at `at`. */
  roleAddAudit(principal: Ref, role: Ref, at: string, options: RoleAddAuditOptions = {}): this {
    const kind = options.kind ?? 'directory';
    const spec = this.roleSpec(role);
    const principalId = this.principalId(principal);
    const known = this.principals.get(principalId);
    const byAdmin = {
      userId: uid('admin'),
      userPrincipalName: 'admin@contoso.example',
      appId: null,
      appDisplayName: null,
    };
    const byPim = {
      userId: null,
      userPrincipalName: null,
      appId: '01fc33a7-78ba-4d2f-a4b7-768e336e890e',
      appDisplayName: 'MS-PIM',
    };
    return this.audit({
      ...(options.id ? { id: options.id } : {}),
      activityDisplayName:
        kind === 'pimDetected' ? 'Add member to role outside of PIM (permanent)' : 'Add member to role',
      activityDateTime: at,
      loggedByService: kind === 'pimDetected' ? 'PIM' : 'Core Directory',
      result: options.result ?? 'success',
      initiatedBy: kind === 'byPim' ? byPim : byAdmin,
      target: options.withoutTarget
        ? null
        : {
            id: principalId,
            type: known?.type ?? 'user',
            displayName: known?.displayName ?? principal,
            userPrincipalName: known?.userPrincipalName ?? null,
          },
      roleTemplateId: options.withoutRole ? null : spec.templateId,
      roleDisplayName: spec.displayName,
    });
  }

  /** Sets a user's sign-in activity: a timestamp for `lastSignInDateTime`, null for never, or all fields. */
  signIn(principal: Ref, activity: string | null | Partial<SignInActivity>): this {
    const full: SignInActivity =
      typeof activity === 'string' || activity === null
        ? {
            lastSignInDateTime: activity,
            lastNonInteractiveSignInDateTime: null,
            lastSuccessfulSignInDateTime: null,
          }
        : {
            lastSignInDateTime: null,
            lastNonInteractiveSignInDateTime: null,
            lastSuccessfulSignInDateTime: null,
            ...activity,
          };
    this.signIns.set(this.principalId(principal), full);
    return this;
  }

  /** The user's sign-in activity was not read. */
  signInNotRead(principal: Ref): this {
    this.signIns.delete(this.principalId(principal));
    return this;
  }

  // ---- licences -----------------------------------------------------------------------------------

  /** Adds a subscribed SKU (default: enabled, no service plans). */
  sku(sku: Partial<SubscribedSku>): this {
    const skuId = sku.skuId ?? uid(`sku-${sku.skuPartNumber ?? this.skus.length}`);
    this.skus.push({
      id: `${this.tenantId}_${skuId}`,
      skuId,
      skuPartNumber: 'UNNAMED_SKU',
      capabilityStatus: 'Enabled',
      servicePlans: [],
      ...sku,
    });
    return this;
  }

  /** Removes every subscribed SKU (including the default P2 one). */
  withoutSkus(): this {
    this.skus = [];
    return this;
  }

  // ---- source health --------------------------------------------------------------------------------

  /** Marks a source as failed, as the graph layer does after a 403 or exhausted retries. */
  failedSource(
    source: SourceName,
    cause = `GET ${source}: 403 Authorization_RequestDenied`,
    httpStatus = 403,
  ): this {
    this.sources.set(source, {
      status: 'failed',
      requests: 1,
      items: 0,
      cause,
      httpStatus,
      graphErrorCode: 'Authorization_RequestDenied',
    });
    return this;
  }

  // ---- Graph's own alerts ---------------------------------------------------------------------------

  graphDefinition(alert: AlertId, definition: Partial<GraphAlertDefinition> = {}): this {
    this.definitions.set(alert, {
      id: graphAlertObjectId(this.tenantId, alert),
      alert,
      displayName: alert,
      description: '',
      severityLevel: 'medium',
      securityImpact: '',
      mitigationSteps: '',
      howToPrevent: '',
      isRemediatable: false,
      isConfigurable: false,
      ...definition,
    });
    return this;
  }

  graphConfiguration(
    alert: AlertId,
    configuration: Partial<Omit<GraphAlertConfiguration, 'alert'>> = {},
  ): this {
    this.configurations.set(alert, {
      id: graphAlertObjectId(this.tenantId, alert),
      alert,
      isEnabled: true,
      thresholds: {},
      ...configuration,
    });
    return this;
  }

  /** Graph's alert with its incidents (fields not given are null). */
  graphAlert(
    alert: AlertId,
    incidents: Partial<GraphIncident>[] = [],
    options: Partial<Omit<GraphAlert, 'alert' | 'incidents'>> = {},
  ): this {
    const full = incidents.map((incident, index) =>
      graphIncident(alert, {
        id: `${alert}-incident-${index}`,
        odataType: '#microsoft.graph.unifiedRoleManagementAlertIncident',
        ...incident,
      }),
    );
    this.alerts.set(alert, {
      id: graphAlertObjectId(this.tenantId, alert),
      alert,
      incidentCount: full.length,
      isActive: full.length > 0,
      lastModifiedDateTime: null,
      lastScannedDateTime: this.now.toISOString(),
      incidents: full,
      ...options,
    });
    return this;
  }

  // ---- build ----------------------------------------------------------------------------------------

  build(): TenantSnapshot {
    const sources = {} as Record<SourceName, SourceStatus>;
    for (const source of SOURCE_NAMES) {
      const skipped =
        (source === 'roleAssignments' && this.pimOnboarded) ||
        (!this.pimOnboarded &&
          (source === 'roleAssignmentScheduleInstances' || source === 'roleEligibilityScheduleInstances'));
      sources[source] = this.sources.get(source) ?? {
        status: skipped ? 'skipped' : 'ok',
        requests: skipped ? 0 : 1,
        items: 0,
      };
    }
    const roleDefinitions = new Map<string, RoleDefinition>();
    for (const spec of this.roles.values()) {
      roleDefinitions.set(spec.templateId, {
        id: spec.templateId,
        templateId: spec.templateId,
        displayName: spec.displayName,
        isBuiltIn: true,
        isPrivileged: spec.isPrivileged,
      });
    }
    return {
      tenantId: this.tenantId,
      collectedAt: this.now.toISOString(),
      complete: Object.values(sources).every((s) => s.status !== 'failed'),
      sources,
      graphRequests: { http: 0, logical: 0, throttled: 0, retried: 0 },
      organization: { id: this.tenantId, displayName: 'Contoso' },
      principals: new Map(this.principals),
      roleDefinitions,
      pimOnboarded: this.pimOnboarded,
      grants: [...this.grants],
      groupMembers: new Map([...this.groupMembers].map(([group, members]) => [group, [...members]])),
      pimGroupMemberships: [...this.pimMemberships],
      pimGroupsUnread: [...this.unreadPimGroups],
      // Through the graph layer's own filter, so requests that never took effect stay out as in a scan.
      activationHistory: {
        source: 'scheduleRequests',
        reason: null,
        coversFrom: null,
        activations: activationsFromScheduleRequests(this.requests).map((a) => ({
          ...a,
          roleTemplateId: a.roleDefinitionId,
        })),
        groupActivations: [...this.groupActivations],
      },
      policies: new Map(this.policies),
      skus: this.skus.map((sku) => ({ ...sku, servicePlans: [...sku.servicePlans] })),
      audits: [...this.audits],
      signIns: new Map(this.signIns),
      deletedPrincipalIds: new Set(this.deleted),
      graphAlerts: {
        definitions: new Map(this.definitions),
        configurations: new Map(this.configurations),
        alerts: new Map(this.alerts),
      },
    };
  }

  // ---- internals ------------------------------------------------------------------------------------

  private addPrincipal(name: string, type: PrincipalType, fields: Partial<Principal>): this {
    const id = uid(name);
    this.principals.set(id, {
      id,
      type,
      displayName: name,
      userPrincipalName: null,
      accountEnabled: type === 'group' ? null : true,
      ...fields,
    });
    return this;
  }

  /** Names must have been added first, so a typo fails the test instead of inventing a principal. */
  private principalId(name: Ref): string {
    const id = uid(name);
    if (!this.principals.has(id) && !this.deleted.has(id))
      throw new Error(`snapshot factory: unknown principal '${name}'`);
    return id;
  }

  private roleSpec(role: Ref): RoleSpec {
    const spec = this.roles.get(role);
    if (!spec) throw new Error(`snapshot factory: unknown role '${role}'`);
    return spec;
  }

  private grant(
    source: RoleGrant['source'],
    assignmentType: RoleGrant['assignmentType'],
    principal: Ref,
    role: Ref,
    options: GrantOptions,
  ): this {
    const spec = this.roleSpec(role);
    const prefix = {
      assignmentInstance: assignmentType === 'Activated' ? 'activation' : 'assignment',
      eligibilityInstance: 'eligibility',
      roleAssignment: 'roleAssignment',
    }[source];
    const id = options.id ?? `${prefix}-${principal}-${role}-${++this.counter}`;
    this.grants.push({
      id,
      source,
      principalId: this.principalId(principal),
      roleTemplateId: spec.templateId,
      roleDefinitionId: spec.templateId,
      directoryScopeId: options.directoryScopeId ?? '/',
      assignmentType,
      memberType: options.memberType === undefined ? 'Direct' : options.memberType,
      startDateTime: options.start === undefined ? ago('P365D', 0, this.now) : options.start,
      endDateTime: options.end ?? null,
      roleAssignmentOriginId: source === 'assignmentInstance' ? id : null,
    });
    return this;
  }
}

/** A clean tenant to build on. */
export function tenant(options: { tenantId?: string; now?: Date } = {}): SnapshotBuilder {
  return new SnapshotBuilder(options);
}

/** One of PIM's incidents with every field Graph may leave empty set to null, then `fields` on top. */
export function graphIncident(alert: AlertId, fields: Partial<GraphIncident> = {}): GraphIncident {
  return {
    id: 'pim',
    alert,
    odataType: '',
    assigneeId: null,
    assigneeDisplayName: null,
    assigneeUserPrincipalName: null,
    roleTemplateId: null,
    roleDefinitionId: null,
    roleDisplayName: null,
    assignmentCreatedDateTime: null,
    lastSignInDateTime: null,
    lastActivationDateTime: null,
    activationCount: null,
    sequenceStartDateTime: null,
    sequenceEndDateTime: null,
    tenantLicenseStatus: null,
    ...fields,
  };
}
