import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { AlertId } from '../model/alerts.js';
import { membersThroughGroup } from '../model/group-membership.js';
import {
  type AuditRecord,
  type GraphAlert,
  type GraphAlertConfiguration,
  type GraphAlertDefinition,
  type Principal,
  type RoleDefinition,
  type RoleGrant,
  type RolePolicy,
  SOURCE_NAMES,
  type SourceName,
  type SourceStatus,
  type SubscribedSku,
  type TenantSnapshot,
} from '../model/snapshot.js';
import {
  type ActivationHistoryMode,
  type HistorySourceOutcome,
  readActivationHistory,
} from './activation-history.js';
import type { ReadOutcome } from './collection.js';
import { describeFailure } from './errors.js';
import type { GraphHttp } from './http.js';
import { readRoleAssignmentAudits } from './readers/directory-audits.js';
import { lookUpPrincipals } from './readers/directory-objects.js';
import { readGroupMembersTransitively } from './readers/group-members.js';
import { readOrganization } from './readers/organization.js';
import {
  type PimGroupSourceOutcome,
  readPimGroupActivationRequests,
  readPimGroupMemberships,
} from './readers/pim-group-memberships.js';
import { readRoleDefinitions } from './readers/role-definitions.js';
import {
  type RawGrant,
  readAssignmentScheduleInstances,
  readEligibilityScheduleInstances,
  readRoleAssignments,
} from './readers/role-grants.js';
import {
  readAlertConfigurations,
  readAlertDefinitions,
  readAlerts,
} from './readers/role-management-alerts.js';
import { readRolePolicies } from './readers/role-policies.js';
import { readSubscribedSkus } from './readers/subscribed-skus.js';
import { readAllUsersWithSignIn, readUsersWithSignIn } from './readers/users-by-id.js';

export interface CollectOptions {
  tenantId: string;
  /** The scan's clock: audit records are read from `now - auditLookBackMs`. */
  now: Date;
  auditLookBackMs: number;
  /** Role template ids that replace Graph's `isPrivileged` set (sign-in activity is read for their holders). */
  privilegedRoleTemplateIds?: readonly string[];
  /**
   * `holders` (always, in production): sign-in activity of privileged holders only, by id. `allUsers`
   * reads every user's, for the benchmark's comparison.
   */
  signInActivityOf?: 'holders' | 'allUsers';
  /** Where activation history comes from (`graph.activationHistory`). @defaultValue auto */
  activationHistory?: ActivationHistoryMode;
  logger?: Logger;
  /** Called as sources finish reading (`done` of `total`, the sources in SOURCE_NAMES): for a progress line. */
  onSourcesDone?: (done: number, total: number) => void;
}

type Outcome<T> = ReadOutcome<T> | { status: 'skipped' };
type SourceOutcome = Outcome<unknown> | HistorySourceOutcome;

/** What the holders branch settles at once: role definitions, grants, group members, sign-in activity. */
const HOLDER_SOURCES: readonly SourceName[] = [
  'roleDefinitions',
  'roleAssignments',
  'roleAssignmentScheduleInstances',
  'roleEligibilityScheduleInstances',
  'groupMembers',
  'pimGroupEligibilities',
  'pimGroupAssignments',
  'signInActivity',
];

/**
 * A pass-through for reads that counts how many sources have finished, never beyond the total (the
 * last call settles whatever is left, e.g. the principal lookup, which only some tenants need).
 */
function countFinishedSources(report: CollectOptions['onSourcesDone']) {
  let done = 0;
  const total = SOURCE_NAMES.length;
  return (sources: number) =>
    <T>(value: T): T => {
      const next = Math.min(total, done + sources);
      if (next !== done) {
        done = next;
        report?.(done, total);
      }
      return value;
    };
}

/**
 * Reads everything the seven detectors and reconciliation need, once, into pimwatch's own model.
 * Independent collections are read concurrently; what depends on earlier answers (group members,
 * sign-in activity of privileged holders, principals only Graph's incidents name) follows. A source
 * that fails is recorded with its cause and the snapshot is marked incomplete; the rest stays intact.
 */
export async function collectSnapshot(http: GraphHttp, options: CollectOptions): Promise<TenantSnapshot> {
  const log = options.logger ?? silentLogger;
  const collectedAt = new Date().toISOString();
  const outcomes = new Map<SourceName, SourceOutcome>();

  // Two branches run side by side. The holders branch leads to the sign-in reads, which Graph paces at
  // 10 a minute and which dominate a large scan, so they start as soon as the holders are known rather
  // than after everything else (the audit pages alone wait on a 5-per-10-seconds throttle).
  const finished = countFinishedSources(options.onSourcesDone);
  const oneMore = finished(1);
  const [holders, rest] = await Promise.all([
    readHolders(http, options).then(finished(HOLDER_SOURCES.length)),
    Promise.all([
      readOrganization(http).then(oneMore),
      readSubscribedSkus(http).then(oneMore),
      // Two sources: the schedule requests and, when they are refused, PIM's audit records.
      readActivationHistory(http, { mode: options.activationHistory ?? 'auto', now: options.now }).then(
        finished(2),
      ),
      readRolePolicies(http).then(oneMore),
      readRoleAssignmentAudits(http, new Date(options.now.getTime() - options.auditLookBackMs)).then(oneMore),
      readAlertDefinitions(http).then(oneMore),
      readAlertConfigurations(http).then(oneMore),
      readAlerts(http).then(oneMore),
    ]),
  ]);
  const [organization, skus, history, policies, audits, alertDefinitions, alertConfigurations, alerts] = rest;
  const { roleDefinitions, principals, members, grants, signIn, signInUsers, templateOf } = holders;
  outcomes.set('organization', organization);
  outcomes.set('subscribedSkus', skus);
  outcomes.set('roleDefinitions', roleDefinitions);
  outcomes.set('roleAssignmentScheduleInstances', holders.assignmentInstances);
  outcomes.set('roleEligibilityScheduleInstances', holders.eligibilityInstances);
  outcomes.set('roleAssignments', holders.roleAssignments);
  outcomes.set('roleAssignmentScheduleRequests', history.scheduleRequests);
  outcomes.set('pimActivationAudits', history.pimActivationAudits);
  outcomes.set('roleManagementPolicyAssignments', policies);
  outcomes.set('directoryAudits', audits);
  outcomes.set('alertDefinitions', alertDefinitions);
  outcomes.set('alertConfigurations', alertConfigurations);
  outcomes.set('alerts', alerts);
  outcomes.set('pimGroupEligibilities', pimGroupOutcome(holders.pimGroups.eligibilities));
  outcomes.set('pimGroupAssignments', pimGroupOutcome(holders.pimGroups.assignments));
  outcomes.set(
    'groupMembers',
    members.status === 'ok'
      ? { status: 'ok', items: [...members.members.keys()] }
      : { status: 'error', failure: members.failure! },
  );

  const remember = rememberIn(principals);
  const graphAlerts = itemsOf(alerts);
  const unknownAssignees = new Set<string>();
  for (const alert of graphAlerts) {
    for (const incident of alert.incidents) {
      if (
        incident.assigneeId &&
        !principals.has(incident.assigneeId) &&
        !signInUsers.has(incident.assigneeId)
      ) {
        unknownAssignees.add(incident.assigneeId);
      }
    }
  }
  const lookup = unknownAssignees.size > 0 ? await lookUpPrincipals(http, unknownAssignees) : undefined;
  const deleted = new Set<string>();
  if (signIn) for (const id of signIn.missing) deleted.add(id);
  if (lookup) {
    for (const p of lookup.found) remember(p);
    for (const id of lookup.missing) deleted.add(id);
  }
  outcomes.set(
    'signInActivity',
    !signIn
      ? { status: 'skipped' }
      : signIn.status === 'ok'
        ? { status: 'ok', items: [...signIn.signIns.keys()] }
        : { status: 'error', failure: signIn.failure! },
  );
  outcomes.set(
    'principalLookup',
    !lookup
      ? { status: 'skipped' }
      : lookup.status === 'ok'
        ? { status: 'ok', items: lookup.found }
        : { status: 'error', failure: lookup.failure! },
  );

  for (const audit of itemsOf(audits)) {
    if (audit.target && !principals.has(audit.target.id)) {
      remember({
        id: audit.target.id,
        type: audit.target.type,
        displayName: audit.target.displayName,
        userPrincipalName: audit.target.userPrincipalName,
        accountEnabled: null,
      });
    }
  }

  finished(SOURCE_NAMES.length)(undefined);
  const sources = sourceStatuses(outcomes, http);
  for (const [name, status] of Object.entries(sources)) {
    if (status.status === 'failed')
      log.warn({ tenantId: options.tenantId, source: name, cause: status.cause }, 'graph source unavailable');
  }
  const org = itemsOf(organization)[0];
  return {
    tenantId: options.tenantId,
    collectedAt,
    complete: Object.values(sources).every((s) => s.status !== 'failed'),
    sources,
    graphRequests: { ...http.counts },
    organization: org ? { id: org.id, displayName: org.displayName } : null,
    principals,
    roleDefinitions: new Map(itemsOf(roleDefinitions).map((d) => [d.templateId, d])),
    pimOnboarded: holders.pimOnboarded,
    grants,
    groupMembers: members.members,
    pimGroupMemberships: [
      ...holders.pimGroups.eligibilities.items,
      ...holders.pimGroups.assignments.items,
    ].map(({ principal: _principal, ...m }) => m),
    pimGroupsUnread: [
      ...new Set([...holders.pimGroups.eligibilities.unread, ...holders.pimGroups.assignments.unread]),
    ],
    activationHistory: {
      ...history.history,
      // Membership activations follow the role history's source: PIM for Groups' own requests beside the
      // role requests, PIM's audit records beside the audit records.
      groupActivations:
        history.history.source === 'scheduleRequests'
          ? holders.groupActivationRequests
          : history.history.groupActivations,
      activations: history.history.activations.map((a) => ({
        ...a,
        roleTemplateId: templateOf(a.roleDefinitionId),
      })),
    },
    policies: new Map(
      itemsOf(policies).map(({ roleDefinitionId, ...p }): [string, RolePolicy] => {
        const roleTemplateId = templateOf(roleDefinitionId);
        return [roleTemplateId, { ...p, roleTemplateId }];
      }),
    ),
    skus: itemsOf(skus) as SubscribedSku[],
    audits: itemsOf(audits) as AuditRecord[],
    signIns: signIn?.signIns ?? new Map(),
    deletedPrincipalIds: deleted,
    graphAlerts: {
      definitions: byAlert(itemsOf(alertDefinitions) as GraphAlertDefinition[]),
      configurations: byAlert(itemsOf(alertConfigurations) as GraphAlertConfiguration[]),
      alerts: byAlert(graphAlerts as GraphAlert[]),
    },
  };
}

/**
 * Who holds which role: role definitions, active and eligible schedule instances (or plain role
 * assignments for a tenant never onboarded to PIM), the members of holder groups to any depth, and the
 * sign-in activity of the users who hold a privileged role.
 */
async function readHolders(http: GraphHttp, options: CollectOptions) {
  const [roleDefinitions, assignmentInstances, eligibilityInstances] = await Promise.all([
    readRoleDefinitions(http),
    readAssignmentScheduleInstances(http),
    readEligibilityScheduleInstances(http),
  ]);
  // A tenant never onboarded to PIM has role assignments but no schedule instances; then (or when the
  // instances cannot be read) the plain assignments are the active holders.
  const needAssignments = assignmentInstances.status === 'error' || assignmentInstances.items.length === 0;
  const roleAssignments: Outcome<RawGrant> = needAssignments
    ? await readRoleAssignments(http)
    : { status: 'skipped' };
  const pimOnboarded = assignmentInstances.status === 'ok' && assignmentInstances.items.length > 0;
  const rawGrants: RawGrant[] = [
    ...itemsOf(assignmentInstances),
    ...itemsOf(eligibilityInstances),
    ...(pimOnboarded ? [] : itemsOf(roleAssignments)),
  ];

  const principals = new Map<string, Principal>();
  const remember = rememberIn(principals);
  for (const g of rawGrants) remember(g.principal);
  const holderGroups = new Set(
    rawGrants.filter((g) => principals.get(g.principalId)?.type === 'group').map((g) => g.principalId),
  );
  // Plain members and PIM for Groups memberships are read only for groups that hold a role.
  const [members, pimGroups, groupActivationRequests] = await Promise.all([
    readGroupMembersTransitively(http, holderGroups),
    readPimGroupMemberships(http, holderGroups),
    readPimGroupActivationRequests(http, [...holderGroups]),
  ]);
  // The requests need the active memberships' permission: a refusal fails that source.
  if (groupActivationRequests.status === 'error' && pimGroups.assignments.status === 'ok') {
    pimGroups.assignments = {
      status: 'error',
      items: [],
      unread: [...holderGroups],
      failure: groupActivationRequests.failure,
    };
  }
  for (const p of members.principals) remember(p);
  const pimMembers = [...pimGroups.eligibilities.items, ...pimGroups.assignments.items].filter(
    (m) => m.accessId === 'member',
  );
  for (const m of pimMembers) remember(m.principal);

  const definitionsById = indexRoleDefinitions(itemsOf(roleDefinitions));
  const templateOf = (roleDefinitionId: string) =>
    definitionsById.get(roleDefinitionId)?.templateId ?? roleDefinitionId;
  const grants: RoleGrant[] = rawGrants.map(({ principal: _principal, ...g }) => ({
    ...g,
    roleTemplateId: templateOf(g.roleDefinitionId),
  }));
  const privileged = new Set(
    options.privilegedRoleTemplateIds ??
      itemsOf(roleDefinitions)
        .filter((d) => d.isPrivileged)
        .map((d) => d.templateId),
  );
  const signInUsers = usersHoldingRoles(
    grants,
    privileged,
    withPimMembers(members.members, pimMembers),
    principals,
  );
  const signIn =
    signInUsers.size === 0
      ? undefined
      : options.signInActivityOf === 'allUsers'
        ? await readAllUsersWithSignIn(http, signInUsers)
        : await readUsersWithSignIn(http, signInUsers);
  for (const user of signIn?.users ?? []) principals.set(user.id, { ...principals.get(user.id), ...user });
  return {
    roleDefinitions,
    assignmentInstances,
    eligibilityInstances,
    roleAssignments,
    pimOnboarded,
    principals,
    members,
    pimGroups,
    groupActivationRequests: groupActivationRequests.status === 'ok' ? groupActivationRequests.items : [],
    grants,
    templateOf,
    signInUsers,
    signIn,
  };
}

/** Plain members plus PIM for Groups members (eligible or active), for choosing whose sign-ins to read. */
function withPimMembers(
  groupMembers: ReadonlyMap<string, readonly string[]>,
  pimMembers: readonly { groupId: string; principalId: string }[],
): Map<string, readonly string[]> {
  const merged = new Map(groupMembers);
  for (const { groupId, principalId } of pimMembers) {
    merged.set(groupId, [...(merged.get(groupId) ?? []), principalId]);
  }
  return merged;
}

function pimGroupOutcome(outcome: PimGroupSourceOutcome): SourceOutcome {
  if (outcome.status === 'error') return { status: 'error', failure: outcome.failure! };
  return outcome.status === 'skipped' ? { status: 'skipped' } : { status: 'ok', items: outcome.items };
}

/** Adds principals to the map, keeping the richest record (a member list may lack what an expansion had). */
function rememberIn(principals: Map<string, Principal>) {
  return (p: Principal | null | undefined) => {
    if (!p) return;
    const known = principals.get(p.id);
    if (!known || (known.type === 'unknown' && p.type !== 'unknown')) principals.set(p.id, p);
  };
}

function itemsOf<T>(outcome: ReadOutcome<T> | { status: 'skipped' } | undefined): T[] {
  return outcome && outcome.status === 'ok' ? outcome.items : [];
}

function byAlert<T extends { alert: AlertId }>(items: T[]): Map<AlertId, T> {
  return new Map(items.map((i) => [i.alert, i]));
}

/** Graph may name a role by its definition id or its template id; both lead to the same definition. */
function indexRoleDefinitions(definitions: RoleDefinition[]): Map<string, RoleDefinition> {
  const index = new Map<string, RoleDefinition>();
  for (const d of definitions) {
    index.set(d.id, d);
    index.set(d.templateId, d);
  }
  return index;
}

/** Users holding any of `roles` directly or through (nested) groups: the only users whose sign-ins are read. */
function usersHoldingRoles(
  grants: RoleGrant[],
  roles: ReadonlySet<string>,
  groupMembers: ReadonlyMap<string, readonly string[]>,
  principals: ReadonlyMap<string, Principal>,
): Set<string> {
  const users = new Set<string>();
  const isUser = (id: string) => principals.get(id)?.type === 'user';
  for (const grant of grants) {
    if (!roles.has(grant.roleTemplateId)) continue;
    if (groupMembers.has(grant.principalId)) {
      for (const member of membersThroughGroup(grant.principalId, groupMembers).keys()) {
        if (isUser(member)) users.add(member);
      }
    } else if (isUser(grant.principalId)) {
      users.add(grant.principalId);
    }
  }
  return users;
}

function sourceStatuses(
  outcomes: Map<SourceName, SourceOutcome>,
  http: GraphHttp,
): Record<SourceName, SourceStatus> {
  const result = {} as Record<SourceName, SourceStatus>;
  for (const name of SOURCE_NAMES) {
    const outcome = outcomes.get(name);
    const requests = http.countsByTag.get(name) ?? 0;
    if (!outcome || outcome.status === 'skipped') {
      result[name] = { status: 'skipped', requests, items: 0 };
    } else if (outcome.status === 'ok') {
      result[name] = { status: 'ok', requests, items: outcome.items.length };
    } else {
      result[name] = {
        status: outcome.status === 'replaced' ? 'replaced' : 'failed',
        requests,
        items: 0,
        cause: describeFailure(outcome.failure),
        ...(outcome.failure.status !== undefined ? { httpStatus: outcome.failure.status } : {}),
        ...(outcome.failure.code ? { graphErrorCode: outcome.failure.code } : {}),
      };
    }
  }
  return result;
}
