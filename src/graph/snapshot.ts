import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { AlertId } from '../model/alerts.js';
import type {
  ActivationHistory,
  AuditRecord,
  GraphAlert,
  GraphAlertConfiguration,
  GraphAlertDefinition,
  RolePolicy,
  SourceName,
  SourceStatus,
  SubscribedSku,
  TenantSnapshot,
} from '../model/snapshot.js';
import { SOURCE_NAMES } from '../model/snapshot.js';
import type { ActivationHistoryMode } from './activation-history.js';
import { HOLDER_SOURCES, type Holders, readHolders } from './holders.js';
import type { GraphHttp } from './http.js';
import { type LookupOutcome, lookUpPrincipals } from './readers/directory-objects.js';
import {
  countFinishedSources,
  itemsOf,
  outcomeOf,
  rememberIn,
  type SourceOutcome,
  type SourcesDoneReport,
  sourceStatuses,
} from './source-outcomes.js';
import { readTenantWide, type TenantReadResults } from './tenant-reads.js';

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
  onSourcesDone?: SourcesDoneReport;
}

/** Everything read for one snapshot, by the branch that read it. */
interface Reads {
  holders: Holders;
  tenant: TenantReadResults;
  /** Principals only Graph's incidents name; undefined when there were none to look up. */
  lookup: LookupOutcome | undefined;
}

/**
 * Reads everything the seven detectors and reconciliation need, once, into pimwatch's own model.
 * Independent collections are read concurrently; what depends on earlier answers (group members,
 * sign-in activity of privileged holders, principals only Graph's incidents name) follows. A source
 * that fails is recorded with its cause and the snapshot is marked incomplete; the rest stays intact.
 */
export async function collectSnapshot(http: GraphHttp, options: CollectOptions): Promise<TenantSnapshot> {
  const collectedAt = new Date().toISOString();
  // Two branches run side by side. The holders branch leads to the sign-in reads, which Graph paces at
  // 10 a minute and which dominate a large scan, so they start as soon as the holders are known rather
  // than after everything else (the audit pages alone wait on a 5-per-10-seconds throttle).
  const finished = countFinishedSources(options.onSourcesDone);
  const [holders, tenant] = await Promise.all([
    readHolders(http, options).then(finished(HOLDER_SOURCES.length)),
    readTenantWide(http, options, finished),
  ]);
  const lookup = await lookUpIncidentAssignees(http, holders, itemsOf(tenant.alerts));
  const reads: Reads = { holders, tenant, lookup };
  const remember = rememberIn(holders.principals);
  for (const p of lookup?.found ?? []) remember(p);
  rememberAuditTargets(reads);
  finished(SOURCE_NAMES.length)(undefined);

  const sources = sourceStatuses(sourceOutcomes(reads), http);
  logFailedSources(sources, options);
  return assembleSnapshot(reads, { tenantId: options.tenantId, collectedAt, sources, http });
}

/** Assignees of PIM's incidents that no holding or sign-in read named: looked up to tell the deleted ones. */
function lookUpIncidentAssignees(http: GraphHttp, holders: Holders, alerts: readonly GraphAlert[]) {
  const unknownAssignees = new Set<string>();
  for (const alert of alerts) {
    for (const { assigneeId } of alert.incidents) {
      if (assigneeId && !holders.principals.has(assigneeId) && !holders.signInUsers.has(assigneeId)) {
        unknownAssignees.add(assigneeId);
      }
    }
  }
  return unknownAssignees.size > 0 ? lookUpPrincipals(http, unknownAssignees) : Promise.resolve(undefined);
}

/** Audit records name their targets: those are principals too, for the evidence. */
function rememberAuditTargets({ holders, tenant }: Reads): void {
  const remember = rememberIn(holders.principals);
  for (const audit of itemsOf(tenant.directoryAudits)) {
    if (audit.target && !holders.principals.has(audit.target.id)) {
      remember({
        id: audit.target.id,
        type: audit.target.type,
        displayName: audit.target.displayName,
        userPrincipalName: audit.target.userPrincipalName,
        accountEnabled: null,
      });
    }
  }
}

/** Every source's outcome by name: a source nobody reports is a type error here, not a silent gap. */
function sourceOutcomes({ holders, tenant, lookup }: Reads): Record<SourceName, SourceOutcome> {
  return {
    organization: tenant.organization,
    subscribedSkus: tenant.subscribedSkus,
    roleDefinitions: holders.roleDefinitions,
    roleAssignments: holders.roleAssignments,
    roleAssignmentScheduleInstances: holders.assignmentInstances,
    roleEligibilityScheduleInstances: holders.eligibilityInstances,
    roleAssignmentScheduleRequests: tenant.activationHistory.scheduleRequests,
    roleManagementPolicyAssignments: tenant.roleManagementPolicyAssignments,
    directoryAudits: tenant.directoryAudits,
    pimActivationAudits: tenant.activationHistory.pimActivationAudits,
    groupMembers: outcomeOf(holders.members, (m) => [...m.members.keys()]),
    pimGroupEligibilities: outcomeOf(holders.pimGroups.eligibilities, (o) => o.items),
    pimGroupAssignments: outcomeOf(holders.pimGroups.assignments, (o) => o.items),
    signInActivity: outcomeOf(holders.signIn, (s) => [...s.signIns.keys()]),
    principalLookup: outcomeOf(lookup, (l) => l.found),
    alertDefinitions: tenant.alertDefinitions,
    alertConfigurations: tenant.alertConfigurations,
    alerts: tenant.alerts,
  };
}

function logFailedSources(sources: Record<SourceName, SourceStatus>, options: CollectOptions): void {
  const log = options.logger ?? silentLogger;
  for (const [name, status] of Object.entries(sources)) {
    if (status.status === 'failed')
      log.warn({ tenantId: options.tenantId, source: name, cause: status.cause }, 'graph source unavailable');
  }
}

/** The snapshot from what was read: pimwatch's own model, which the detectors see instead of Graph's JSON. */
function assembleSnapshot(
  { holders, tenant, lookup }: Reads,
  scan: { tenantId: string; collectedAt: string; sources: Record<SourceName, SourceStatus>; http: GraphHttp },
): TenantSnapshot {
  const org = itemsOf(tenant.organization)[0];
  return {
    tenantId: scan.tenantId,
    collectedAt: scan.collectedAt,
    complete: Object.values(scan.sources).every((s) => s.status !== 'failed'),
    sources: scan.sources,
    graphRequests: { ...scan.http.counts },
    organization: org ? { id: org.id, displayName: org.displayName } : null,
    principals: holders.principals,
    roleDefinitions: new Map(itemsOf(holders.roleDefinitions).map((d) => [d.templateId, d])),
    pimOnboarded: holders.pimOnboarded,
    grants: holders.grants,
    groupMembers: holders.members.members,
    pimGroupMemberships: [
      ...holders.pimGroups.eligibilities.items,
      ...holders.pimGroups.assignments.items,
    ].map(({ principal: _principal, ...m }) => m),
    pimGroupsUnread: [
      ...new Set([...holders.pimGroups.eligibilities.unread, ...holders.pimGroups.assignments.unread]),
    ],
    activationHistory: activationHistoryOf(holders, tenant),
    policies: policiesOf(holders, tenant),
    skus: itemsOf(tenant.subscribedSkus) as SubscribedSku[],
    audits: itemsOf(tenant.directoryAudits) as AuditRecord[],
    signIns: holders.signIn?.signIns ?? new Map(),
    deletedPrincipalIds: new Set([...(holders.signIn?.missing ?? []), ...(lookup?.missing ?? [])]),
    graphAlerts: {
      definitions: byAlert(itemsOf(tenant.alertDefinitions) as GraphAlertDefinition[]),
      configurations: byAlert(itemsOf(tenant.alertConfigurations) as GraphAlertConfiguration[]),
      alerts: byAlert(itemsOf(tenant.alerts) as GraphAlert[]),
    },
  };
}

function activationHistoryOf(holders: Holders, tenant: TenantReadResults): ActivationHistory {
  const { history } = tenant.activationHistory;
  return {
    ...history,
    // Membership activations follow the role history's source: PIM for Groups' own requests beside the
    // role requests, PIM's audit records beside the audit records.
    groupActivations:
      history.source === 'scheduleRequests' ? holders.groupActivationRequests : history.groupActivations,
    activations: history.activations.map((a) => ({
      ...a,
      roleTemplateId: holders.templateOf(a.roleDefinitionId),
    })),
  };
}

/** Each role's PIM policy, keyed by the role's template id. */
function policiesOf(holders: Holders, tenant: TenantReadResults): Map<string, RolePolicy> {
  return new Map(
    itemsOf(tenant.roleManagementPolicyAssignments).map(
      ({ roleDefinitionId, ...p }): [string, RolePolicy] => {
        const roleTemplateId = holders.templateOf(roleDefinitionId);
        return [roleTemplateId, { ...p, roleTemplateId }];
      },
    ),
  );
}

function byAlert<T extends { alert: AlertId }>(items: T[]): Map<AlertId, T> {
  return new Map(items.map((i) => [i.alert, i]));
}
