/**
 * What the emulator knows about Graph's entity types: which collection holds which type, which properties
 * are navigations (returned only on `$expand`, and possibly resolved by id), and which plain properties
 * Graph returns only when `$select`ed. Collections the table does not know are served as plain lists.
 */

export type EntityKind =
  | 'user'
  | 'group'
  | 'servicePrincipal'
  | 'directoryObject'
  | 'organization'
  | 'subscribedSku'
  | 'roleDefinition'
  | 'roleAssignment'
  | 'roleAssignmentScheduleInstance'
  | 'roleEligibilityScheduleInstance'
  | 'roleAssignmentScheduleRequest'
  | 'roleAssignmentSchedule'
  | 'roleEligibilitySchedule'
  | 'roleManagementPolicyAssignment'
  | 'roleManagementPolicy'
  | 'roleManagementPolicyRule'
  | 'directoryAudit'
  | 'privilegedAccessGroupEligibilityScheduleInstance'
  | 'privilegedAccessGroupAssignmentScheduleInstance'
  | 'privilegedAccessGroupAssignmentScheduleRequest'
  | 'alert'
  | 'alertDefinition'
  | 'alertConfiguration'
  | 'alertIncident'
  | 'operation'
  | 'unknown';

/** How a navigation finds its target when the fixture did not inline it. */
export type NavigationResolution =
  | { by: 'principal'; idProperty: string }
  | { by: 'roleDefinition'; idProperty: string }
  | { by: 'idIn'; collection: string; idProperty: string }
  | { by: 'alertConfiguration' }
  | { by: 'inlineOnly' };

export interface Navigation {
  many: boolean;
  target: EntityKind;
  resolve: NavigationResolution;
}

const principal: Navigation = {
  many: false,
  target: 'directoryObject',
  resolve: { by: 'principal', idProperty: 'principalId' },
};
const roleDefinition: Navigation = {
  many: false,
  target: 'roleDefinition',
  resolve: { by: 'roleDefinition', idProperty: 'roleDefinitionId' },
};
const inline = (target: EntityKind, many = false): Navigation => ({
  many,
  target,
  resolve: { by: 'inlineOnly' },
});
const scopes = { directoryScope: inline('unknown'), appScope: inline('unknown') };

export const ALERTS_ROOT = 'identityGovernance/roleManagementAlerts';
/** PIM for Groups (design section 8). */
export const PIM_GROUPS_ROOT = 'identityGovernance/privilegedAccess/group';

/** A PIM for Groups schedule names its member (`principal`) and its group (`group`) by id. */
const pimGroupNavigations: Record<string, Navigation> = {
  principal,
  group: { many: false, target: 'directoryObject', resolve: { by: 'principal', idProperty: 'groupId' } },
};

const NAVIGATIONS: Partial<Record<EntityKind, Record<string, Navigation>>> = {
  user: { manager: inline('directoryObject'), memberOf: inline('directoryObject', true) },
  group: {
    members: inline('directoryObject', true),
    owners: inline('directoryObject', true),
    memberOf: inline('directoryObject', true),
  },
  roleDefinition: { inheritsPermissionsFrom: inline('roleDefinition', true) },
  roleAssignment: { principal, roleDefinition, ...scopes },
  roleAssignmentScheduleInstance: {
    principal,
    roleDefinition,
    activatedUsing: inline('roleEligibilityScheduleInstance'),
    ...scopes,
  },
  roleEligibilityScheduleInstance: { principal, roleDefinition, ...scopes },
  roleAssignmentScheduleRequest: {
    principal,
    roleDefinition,
    activatedUsing: inline('roleEligibilitySchedule'),
    targetSchedule: inline('roleAssignmentSchedule'),
    ...scopes,
  },
  roleAssignmentSchedule: {
    principal,
    roleDefinition,
    activatedUsing: inline('roleEligibilitySchedule'),
    ...scopes,
  },
  roleEligibilitySchedule: { principal, roleDefinition, ...scopes },
  privilegedAccessGroupEligibilityScheduleInstance: pimGroupNavigations,
  privilegedAccessGroupAssignmentScheduleInstance: {
    ...pimGroupNavigations,
    activatedUsing: inline('unknown'),
  },
  privilegedAccessGroupAssignmentScheduleRequest: pimGroupNavigations,
  roleManagementPolicyAssignment: {
    policy: {
      many: false,
      target: 'roleManagementPolicy',
      resolve: { by: 'idIn', collection: 'policies/roleManagementPolicies', idProperty: 'policyId' },
    },
  },
  roleManagementPolicy: {
    rules: inline('roleManagementPolicyRule', true),
    effectiveRules: inline('roleManagementPolicyRule', true),
  },
  alert: {
    alertDefinition: {
      many: false,
      target: 'alertDefinition',
      resolve: { by: 'idIn', collection: `${ALERTS_ROOT}/alertDefinitions`, idProperty: 'alertDefinitionId' },
    },
    alertConfiguration: { many: false, target: 'alertConfiguration', resolve: { by: 'alertConfiguration' } },
    alertIncidents: inline('alertIncident', true),
  },
  alertConfiguration: {
    alertDefinition: {
      many: false,
      target: 'alertDefinition',
      resolve: { by: 'idIn', collection: `${ALERTS_ROOT}/alertDefinitions`, idProperty: 'alertDefinitionId' },
    },
  },
};

/** Plain properties Graph leaves out unless `$select` names them. */
const SELECT_ONLY: Partial<Record<EntityKind, readonly string[]>> = {
  user: ['signInActivity'],
};

export function navigationsOf(kind: EntityKind): Readonly<Record<string, Navigation>> {
  return NAVIGATIONS[kind] ?? {};
}

export function selectOnlyPropertiesOf(kind: EntityKind): readonly string[] {
  return SELECT_ONLY[kind] ?? [];
}

/**
 * Collections Graph has whether or not a fixture lists them (an absent one is empty), as patterns
 * where `{id}` stands for one path segment. Order does not matter: the longest match wins.
 */
export const KNOWN_COLLECTIONS: ReadonlyArray<{ pattern: string; kind: EntityKind; betaOnly?: boolean }> = [
  { pattern: 'organization', kind: 'organization' },
  { pattern: 'subscribedSkus', kind: 'subscribedSku' },
  { pattern: 'users', kind: 'user' },
  { pattern: 'groups', kind: 'group' },
  { pattern: 'groups/{id}/members', kind: 'directoryObject' },
  { pattern: 'groups/{id}/transitiveMembers', kind: 'directoryObject' },
  { pattern: 'servicePrincipals', kind: 'servicePrincipal' },
  { pattern: 'directoryObjects', kind: 'directoryObject' },
  { pattern: 'roleManagement/directory/roleDefinitions', kind: 'roleDefinition' },
  { pattern: 'roleManagement/directory/roleAssignments', kind: 'roleAssignment' },
  {
    pattern: 'roleManagement/directory/roleAssignmentScheduleInstances',
    kind: 'roleAssignmentScheduleInstance',
  },
  {
    pattern: 'roleManagement/directory/roleEligibilityScheduleInstances',
    kind: 'roleEligibilityScheduleInstance',
  },
  {
    pattern: 'roleManagement/directory/roleAssignmentScheduleRequests',
    kind: 'roleAssignmentScheduleRequest',
  },
  { pattern: 'roleManagement/directory/roleAssignmentSchedules', kind: 'roleAssignmentSchedule' },
  { pattern: 'roleManagement/directory/roleEligibilitySchedules', kind: 'roleEligibilitySchedule' },
  { pattern: 'policies/roleManagementPolicyAssignments', kind: 'roleManagementPolicyAssignment' },
  { pattern: 'policies/roleManagementPolicies', kind: 'roleManagementPolicy' },
  { pattern: 'auditLogs/directoryAudits', kind: 'directoryAudit' },
  {
    pattern: `${PIM_GROUPS_ROOT}/eligibilityScheduleInstances`,
    kind: 'privilegedAccessGroupEligibilityScheduleInstance',
  },
  {
    pattern: `${PIM_GROUPS_ROOT}/assignmentScheduleInstances`,
    kind: 'privilegedAccessGroupAssignmentScheduleInstance',
  },
  {
    pattern: `${PIM_GROUPS_ROOT}/assignmentScheduleRequests`,
    kind: 'privilegedAccessGroupAssignmentScheduleRequest',
  },
  { pattern: `${ALERTS_ROOT}/alerts`, kind: 'alert', betaOnly: true },
  { pattern: `${ALERTS_ROOT}/alertDefinitions`, kind: 'alertDefinition', betaOnly: true },
  { pattern: `${ALERTS_ROOT}/alertConfigurations`, kind: 'alertConfiguration', betaOnly: true },
  { pattern: `${ALERTS_ROOT}/alerts/{id}/alertIncidents`, kind: 'alertIncident', betaOnly: true },
];

/** Collections whose list GET Graph refuses without `scopeId eq '/' and scopeType eq 'DirectoryRole'`. */
export const SCOPE_FILTER_REQUIRED: ReadonlySet<string> = new Set([
  `${ALERTS_ROOT}/alerts`,
  `${ALERTS_ROOT}/alertDefinitions`,
  `${ALERTS_ROOT}/alertConfigurations`,
  'policies/roleManagementPolicyAssignments',
]);

/**
 * PIM for Groups lists that Graph refuses without a `groupId eq` or `principalId eq` filter: "This method
 * requires the $filter (eq) query parameter to scope the request to a principalId or a groupId"
 * (https://learn.microsoft.com/en-us/graph/api/privilegedaccessgroup-list-eligibilityscheduleinstances and
 * the assignment pages). The requests list is assumed to share the rule, UNCONFIRMED
 * (docs/unconfirmed-graph-facts.md).
 */
export const GROUP_OR_PRINCIPAL_FILTER_REQUIRED: ReadonlySet<string> = new Set([
  `${PIM_GROUPS_ROOT}/eligibilityScheduleInstances`,
  `${PIM_GROUPS_ROOT}/assignmentScheduleInstances`,
  `${PIM_GROUPS_ROOT}/assignmentScheduleRequests`,
]);

export function isBetaOnlyPath(path: string): boolean {
  return path === ALERTS_ROOT || path.startsWith(`${ALERTS_ROOT}/`);
}

/** Matches `groups/abc/members` against `groups/{id}/members` (also `*` as a segment wildcard). */
export function matchesPattern(path: string, pattern: string): boolean {
  const a = path.split('/');
  const b = pattern.split('/');
  if (a.length !== b.length) return false;
  return b.every((segment, i) => segment === '{id}' || segment === '*' || segment === a[i]);
}

/** `groups/abc/members` → `groups/{id}/members`; a path no pattern knows is its own normal form. */
export function normaliseCollectionPath(path: string): string {
  for (const { pattern } of KNOWN_COLLECTIONS) {
    if (pattern.includes('{id}') && matchesPattern(path, pattern)) return pattern;
  }
  return path;
}

export function kindOfCollection(path: string): EntityKind {
  const normal = normaliseCollectionPath(path);
  return KNOWN_COLLECTIONS.find((c) => c.pattern === normal)?.kind ?? 'unknown';
}

export function isKnownCollection(path: string): boolean {
  const normal = normaliseCollectionPath(path);
  return KNOWN_COLLECTIONS.some((c) => c.pattern === normal);
}

/** The `@odata.type` of a directory object found in one of the principal collections. */
export const PRINCIPAL_COLLECTIONS: ReadonlyArray<{ collection: string; odataType: string }> = [
  { collection: 'users', odataType: '#microsoft.graph.user' },
  { collection: 'groups', odataType: '#microsoft.graph.group' },
  { collection: 'servicePrincipals', odataType: '#microsoft.graph.servicePrincipal' },
];

/** The entity set name Graph's `@odata.context` uses for a collection path. */
export function contextPathOf(collectionPath: string): string {
  const normal = normaliseCollectionPath(collectionPath);
  if (normal === 'groups/{id}/members' || normal === 'groups/{id}/transitiveMembers')
    return 'directoryObjects';
  if (normal === `${ALERTS_ROOT}/alerts/{id}/alertIncidents`) {
    const alertId = collectionPath.split('/')[3] ?? '';
    return `${ALERTS_ROOT}/alerts('${alertId}')/alertIncidents`;
  }
  return collectionPath;
}
