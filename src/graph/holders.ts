import { membersThroughGroup } from '../model/group-membership.js';
import type { GroupActivation, Principal, RoleDefinition, RoleGrant, SourceName } from '../model/snapshot.js';
import type { GraphHttp } from './http.js';
import { readGroupMembersTransitively } from './readers/group-members.js';
import { readPimGroupActivationRequests, readPimGroupMemberships } from './readers/pim-group-memberships.js';
import { readRoleDefinitions } from './readers/role-definitions.js';
import {
  type RawGrant,
  readAssignmentScheduleInstances,
  readEligibilityScheduleInstances,
  readRoleAssignments,
} from './readers/role-grants.js';
import { readAllUsersWithSignIn, readUsersWithSignIn } from './readers/users-by-id.js';
import type { CollectOptions } from './snapshot.js';
import { itemsOf, type Outcome, rememberIn } from './source-outcomes.js';
import { sourcesReadBy } from './sources.js';

/** What the holders branch settles at once: role definitions, grants, group members, sign-in activity. */
export const HOLDER_SOURCES: readonly SourceName[] = sourcesReadBy('holders');

/** Everything the holders branch read, for the snapshot and its source table. */
export type Holders = Awaited<ReturnType<typeof readHolders>>;

/**
 * Who holds which role: role definitions, active and eligible schedule instances (or plain role
 * assignments for a tenant never onboarded to PIM), the members of holder groups to any depth, and the
 * sign-in activity of the users who hold a privileged role.
 */
export async function readHolders(http: GraphHttp, options: CollectOptions) {
  const roles = await readRoleGrants(http);
  const principals = new Map<string, Principal>();
  const remember = rememberIn(principals);
  for (const g of roles.rawGrants) remember(g.principal);
  const holderGroups = new Set(
    roles.rawGrants.filter((g) => principals.get(g.principalId)?.type === 'group').map((g) => g.principalId),
  );
  const groups = await readHolderGroups(http, holderGroups);
  for (const p of groups.members.principals) remember(p);
  for (const m of groups.pimMembers) remember(m.principal);

  const definitionsById = indexRoleDefinitions(itemsOf(roles.roleDefinitions));
  const templateOf = (roleDefinitionId: string) =>
    definitionsById.get(roleDefinitionId)?.templateId ?? roleDefinitionId;
  const grants: RoleGrant[] = roles.rawGrants.map(({ principal: _principal, ...g }) => ({
    ...g,
    roleTemplateId: templateOf(g.roleDefinitionId),
  }));
  const privileged = new Set(
    options.privilegedRoleTemplateIds ??
      itemsOf(roles.roleDefinitions)
        .filter((d) => d.isPrivileged)
        .map((d) => d.templateId),
  );
  const signInUsers = usersHoldingRoles(
    grants,
    privileged,
    withPimMembers(groups.members.members, groups.pimMembers),
    principals,
  );
  const signIn = await readSignIns(http, signInUsers, options);
  for (const user of signIn?.users ?? []) principals.set(user.id, { ...principals.get(user.id), ...user });
  return { ...roles, ...groups, principals, grants, templateOf, signInUsers, signIn };
}

/**
 * Role definitions and the grants: active and eligible schedule instances, or the plain role
 * assignments when a tenant was never onboarded to PIM.
 */
async function readRoleGrants(http: GraphHttp) {
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
  return {
    roleDefinitions,
    assignmentInstances,
    eligibilityInstances,
    roleAssignments,
    pimOnboarded,
    rawGrants,
  };
}

/** Plain members and PIM for Groups memberships, read only for groups that hold a role. */
async function readHolderGroups(http: GraphHttp, holderGroups: ReadonlySet<string>) {
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
  const pimMembers = [...pimGroups.eligibilities.items, ...pimGroups.assignments.items].filter(
    (m) => m.accessId === 'member',
  );
  const activations: GroupActivation[] =
    groupActivationRequests.status === 'ok' ? groupActivationRequests.items : [];
  return { members, pimGroups, pimMembers, groupActivationRequests: activations };
}

/** Sign-in activity of the users holding a privileged role; not read when there are none. */
function readSignIns(http: GraphHttp, users: ReadonlySet<string>, options: CollectOptions) {
  if (users.size === 0) return Promise.resolve(undefined);
  return options.signInActivityOf === 'allUsers'
    ? readAllUsersWithSignIn(http, users)
    : readUsersWithSignIn(http, users);
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
