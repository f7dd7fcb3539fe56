import { pagesNeeded } from '../../src/emulator/graph-limits.js';
import { withPimActivationAudits } from '../../src/emulator/pim-activation-audits.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import type { ActivationHistoryMode } from '../../src/graph/activation-history.js';
import { CORE_ADD_MEMBER_TO_ROLE, PIM_OUTSIDE_PREFIX } from '../../src/graph/readers/directory-audits.js';
import {
  AUDIT_RETENTION_MS,
  PIM_ACTIVATION_COMPLETED,
} from '../../src/graph/readers/pim-activation-audits.js';
import { MAX_IN_VALUES } from '../../src/graph/readers/users-by-id.js';
import { PIM_GROUPS } from '../../src/graph/sources.js';
import { membersThroughGroup } from '../../src/model/group-membership.js';
import type { SourceName } from '../../src/model/snapshot.js';

type Item = Record<string, unknown>;
const ROLES = 'roleManagement/directory';
const ALERTS = 'identityGovernance/roleManagementAlerts';

export interface RequestBudget {
  /** The fewest logical Graph requests a complete scan of this fixture needs, per source. */
  bySource: Partial<Record<SourceName, number>>;
  total: number;
  /** What the collections hold, for reports. */
  sizes: Record<string, number>;
}

/**
 * The lower bound of Graph requests for a scan of a fixture, worked out from the collection sizes and
 * each collection's largest page, independently of the scanner's code: tests assert the scanner makes
 * exactly this many, benchmarks compare against it. It follows the scan's plan (which collections, which
 * filters); the page arithmetic comes from the emulator's table of Graph's limits.
 */
export function requestBudget(
  fixture: TenantFixture,
  options: {
    now: Date;
    auditLookBackMs: number;
    privilegedRoleTemplateIds?: readonly string[];
    /** `graph.activationHistory` (default auto). */
    activationHistory?: ActivationHistoryMode;
  },
): RequestBudget {
  // The emulator serves PIM's audit record of every activation request, as Entra writes one.
  const res = withPimActivationAudits(fixture.tenantId, fixture.resources);
  const items = (path: string): Item[] => (res[path] ?? []) as Item[];
  const pageSizes = fixture.pageSizes ?? {};
  const pages = (path: string, n: number, extra: { signInActivity?: boolean } = {}) =>
    pagesNeeded(path, n, { pageSizes, ...extra });
  const bySource: Partial<Record<SourceName, number>> = {};
  const sizes: Record<string, number> = {};

  const one = (source: SourceName, path: string) => {
    sizes[path] = items(path).length;
    bySource[source] = pages(path, items(path).length);
  };
  one('organization', 'organization');
  one('subscribedSkus', 'subscribedSkus');
  one('roleDefinitions', `${ROLES}/roleDefinitions`);
  one('roleAssignmentScheduleInstances', `${ROLES}/roleAssignmentScheduleInstances`);
  one('roleEligibilityScheduleInstances', `${ROLES}/roleEligibilityScheduleInstances`);
  one('roleManagementPolicyAssignments', 'policies/roleManagementPolicyAssignments');
  one('alertDefinitions', `${ALERTS}/alertDefinitions`);
  one('alertConfigurations', `${ALERTS}/alertConfigurations`);

  const onboarded = items(`${ROLES}/roleAssignmentScheduleInstances`).length > 0;
  if (!onboarded) one('roleAssignments', `${ROLES}/roleAssignments`);

  const since = options.now.getTime() - options.auditLookBackMs;
  const audits = items('auditLogs/directoryAudits').filter(
    (a) => Date.parse(String(a.activityDateTime)) >= since,
  );
  const coreAdds = audits.filter((a) => a.activityDisplayName === CORE_ADD_MEMBER_TO_ROLE).length;
  const pimOutside = audits.filter((a) =>
    String(a.activityDisplayName).startsWith(PIM_OUTSIDE_PREFIX),
  ).length;
  sizes['auditLogs/directoryAudits (filtered)'] = coreAdds + pimOutside;
  bySource.directoryAudits =
    pages('auditLogs/directoryAudits', coreAdds) + pages('auditLogs/directoryAudits', pimOutside);

  activationHistoryBudget(fixture, res, options, bySource, sizes);

  const alerts = items(`${ALERTS}/alerts`);
  bySource.alerts =
    1 +
    alerts
      .filter((a) => Number(a.incidentCount ?? 0) > 0)
      .reduce(
        (sum, a) =>
          sum +
          pages(
            `${ALERTS}/alerts/${String(a.id)}/alertIncidents`,
            ((a.alertIncidents as Item[]) ?? []).length,
          ),
        0,
      );

  const userIds = new Set(items('users').map((u) => String(u.id)));
  const groupIds = new Set(items('groups').map((g) => String(g.id)));
  const spIds = new Set(items('servicePrincipals').map((s) => String(s.id)));
  const grants = [
    ...items(`${ROLES}/roleAssignmentScheduleInstances`),
    ...items(`${ROLES}/roleEligibilityScheduleInstances`),
    ...(onboarded ? [] : items(`${ROLES}/roleAssignments`)),
  ];

  // Group members: every group reached from a group that holds a role, each read once.
  const membersOf = (id: string) => items(`groups/${id}/members`);
  const groupMembers = new Map<string, string[]>();
  let frontier = [...new Set(grants.map((g) => String(g.principalId)).filter((id) => groupIds.has(id)))];
  let memberRequests = 0;
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      const members = membersOf(id);
      memberRequests += pages(`groups/${id}/members`, members.length);
      groupMembers.set(
        id,
        members.map((m) => String(m.id)),
      );
      for (const m of members) {
        const mid = String(m.id);
        if (groupIds.has(mid) && !groupMembers.has(mid) && !frontier.includes(mid)) next.push(mid);
      }
    }
    frontier = [...new Set(next)].filter((id) => !groupMembers.has(id));
  }
  if (groupMembers.size > 0) bySource.groupMembers = memberRequests;
  const holderGroups = new Set(grants.map((g) => String(g.principalId)).filter((id) => groupIds.has(id)));
  pimGroupBudget(items, pages, holderGroups, bySource);
  // Members nothing types (no `@odata.type`, not in a principal collection, no telling property: a
  // deleted member) are looked up as users, then as service principals (readGroupMembersTransitively).
  const untyped = new Set<string>();
  for (const id of groupMembers.keys()) {
    for (const m of membersOf(id)) {
      const mid = String(m.id);
      if (m['@odata.type'] || userIds.has(mid) || groupIds.has(mid) || spIds.has(mid)) continue;
      if (m.userPrincipalName || typeof m.isAssignableToRole === 'boolean' || m.appId) continue;
      untyped.add(mid);
    }
  }
  const untypedLookups = untyped.size === 0 ? 0 : 2 * Math.ceil(untyped.size / MAX_IN_VALUES);

  // Sign-in activity: users holding a privileged role, directly or through groups; 15 per request.
  const definitions = items(`${ROLES}/roleDefinitions`);
  const privileged = new Set<string>(
    options.privilegedRoleTemplateIds ??
      definitions
        .filter((d) => d.isPrivileged === true)
        .flatMap((d) => [String(d.id), String(d.templateId ?? d.id)]),
  );
  if (options.privilegedRoleTemplateIds) {
    for (const d of definitions) {
      if (privileged.has(String(d.templateId ?? d.id))) privileged.add(String(d.id));
    }
  }
  const signInUsers = new Set<string>();
  for (const g of grants) {
    if (!privileged.has(String(g.roleDefinitionId))) continue;
    const pid = String(g.principalId);
    if (groupMembers.has(pid)) {
      for (const m of membersThroughGroup(pid, groupMembers).keys()) if (userIds.has(m)) signInUsers.add(m);
    } else if (userIds.has(pid)) {
      signInUsers.add(pid);
    }
  }
  if (signInUsers.size > 0) bySource.signInActivity = Math.ceil(signInUsers.size / MAX_IN_VALUES);
  sizes['sign-in users'] = signInUsers.size;

  // Principals only PIM's incidents name: users first, then service principals for the rest.
  const known = new Set<string>([...grants.map((g) => String(g.principalId)), ...signInUsers]);
  for (const members of groupMembers.values()) for (const m of members) known.add(m);
  const unknown = new Set<string>();
  for (const a of alerts) {
    if (Number(a.incidentCount ?? 0) <= 0) continue;
    for (const i of (a.alertIncidents as Item[]) ?? []) {
      const id = i.assigneeId ? String(i.assigneeId) : undefined;
      if (id && !known.has(id)) unknown.add(id);
    }
  }
  if (untypedLookups > 0) bySource.principalLookup = untypedLookups;
  if (unknown.size > 0) {
    const notUsers = [...unknown].filter((id) => !userIds.has(id));
    bySource.principalLookup =
      untypedLookups +
      Math.ceil(unknown.size / MAX_IN_VALUES) +
      (notUsers.length > 0 ? Math.ceil(notUsers.length / MAX_IN_VALUES) : 0);
    sizes['unknown incident assignees'] = unknown.size;
    sizes['deleted principals'] = notUsers.filter((id) => !spIds.has(id)).length;
  }

  const total = Object.values(bySource).reduce((a, b) => a + (b ?? 0), 0);
  return { bySource, total, sizes };
}

/**
 * PIM for Groups: one filtered read per group that holds a role (`groupId eq`, no `in`), per collection,
 * each as many pages as that group's instances need; nothing for other groups.
 */
function pimGroupBudget(
  items: (path: string) => Item[],
  pages: (path: string, n: number) => number,
  holderGroups: ReadonlySet<string>,
  bySource: Partial<Record<SourceName, number>>,
): void {
  if (holderGroups.size === 0) return;
  const readsFor = (path: string) => {
    const perGroup = new Map<string, number>();
    for (const item of items(path)) {
      const groupId = String(item.groupId);
      perGroup.set(groupId, (perGroup.get(groupId) ?? 0) + 1);
    }
    return [...holderGroups].reduce((sum, g) => sum + pages(path, perGroup.get(g) ?? 0), 0);
  };
  bySource.pimGroupEligibilities = readsFor(`${PIM_GROUPS}/eligibilityScheduleInstances`);
  // Membership activation requests are read with the active memberships' permission and counted with them.
  bySource.pimGroupAssignments =
    readsFor(`${PIM_GROUPS}/assignmentScheduleInstances`) +
    readsFor(`${PIM_GROUPS}/assignmentScheduleRequests`);
}

/**
 * Activation history: the schedule requests when they answer; otherwise (a permanent fault on them, or
 * `auditLog` configured) PIM's activation records of the audit log's 30 days, after the one refused
 * request `auto` spends finding out.
 */
function activationHistoryBudget(
  fixture: TenantFixture,
  res: TenantFixture['resources'],
  options: { now: Date; activationHistory?: ActivationHistoryMode },
  bySource: Partial<Record<SourceName, number>>,
  sizes: Record<string, number>,
): void {
  const path = `${ROLES}/roleAssignmentScheduleRequests`;
  const pageSizes = fixture.pageSizes ?? {};
  const mode = options.activationHistory ?? 'auto';
  const fault = fixture.faults?.[path];
  const refused =
    fault !== undefined && !Array.isArray(fault) && (fault.status ?? 0) >= 400 && !fault.nth && !fault.times;
  const requests = res[path] ?? [];
  sizes[path] = requests.length;
  if (mode !== 'auditLog')
    bySource.roleAssignmentScheduleRequests = refused ? 1 : pagesNeeded(path, requests.length, { pageSizes });
  if (mode === 'scheduleRequests' || (mode === 'auto' && !refused)) return;
  const since = options.now.getTime() - AUDIT_RETENTION_MS;
  const records = (res['auditLogs/directoryAudits'] ?? []).filter(
    (a) =>
      a.activityDisplayName === PIM_ACTIVATION_COMPLETED && Date.parse(String(a.activityDateTime)) >= since,
  ).length;
  sizes['auditLogs/directoryAudits (PIM activations)'] = records;
  bySource.pimActivationAudits = pagesNeeded('auditLogs/directoryAudits', records, { pageSizes });
}
