import { MEMBERS_PATH } from '../fixture-format/paths.js';
import type { TenantFixture } from '../fixture-format/schema.js';
import {
  AUDIT_RESULTS,
  GROUP_ACCESS_IDS,
  GROUP_ASSIGNMENT_TYPES,
  GROUP_MEMBER_TYPES,
  isDocumentedValue,
  REQUEST_ACTIONS,
  REQUEST_STATUSES,
  ROLE_ASSIGNMENT_TYPES,
  ROLE_MEMBER_TYPES,
} from './fixture-enums.js';

/**
 * Entra's rules a fixture must keep to describe a tenant Entra could hold (design section 9). Each rule is
 * small and named; `fixtureViolations` runs them all and lists every violation, so a fixture author sees
 * every problem at once instead of fixing them one load at a time.
 */

type GraphObject = Record<string, unknown>;

/** One broken rule: where in the fixture (`resources.<collection>[i]`) and what is wrong there. */
export interface FixtureViolation {
  rule: string;
  path: string;
  message: string;
}

export interface FixtureRule {
  name: string;
  check(tenant: FixtureTenant): Iterable<FixtureViolation>;
}

const ROLES = 'roleManagement/directory';
const GROUP_PIM = 'identityGovernance/privilegedAccess/group';

/** Collections whose items give a principal a directory role (or ask for one). */
export const ROLE_GRANT_COLLECTIONS = [
  `${ROLES}/roleAssignments`,
  `${ROLES}/roleAssignmentScheduleInstances`,
  `${ROLES}/roleEligibilityScheduleInstances`,
  `${ROLES}/roleAssignmentScheduleRequests`,
] as const;

/** The fixture, indexed once for every rule. */
export class FixtureTenant {
  readonly users = new Map<string, GraphObject>();
  readonly groups = new Map<string, GraphObject>();
  readonly servicePrincipals = new Map<string, GraphObject>();
  readonly roleDefinitionIds = new Set<string>();
  readonly deletedIds = new Set<string>();

  constructor(readonly fixture: TenantFixture) {
    indexById(this.collection('users'), this.users);
    indexById(this.collection('groups'), this.groups);
    indexById(this.collection('servicePrincipals'), this.servicePrincipals);
    for (const definition of this.collection(`${ROLES}/roleDefinitions`)) {
      for (const key of ['id', 'templateId'] as const) {
        const value = definition[key];
        if (typeof value === 'string') this.roleDefinitionIds.add(value.toLowerCase());
      }
    }
    for (const deleted of fixture.deletedObjects ?? []) this.deletedIds.add(deleted.id.toLowerCase());
  }

  collection(path: string): readonly GraphObject[] {
    return this.fixture.resources[path] ?? [];
  }

  /** Every `groups/<id>/members` collection with its group id. */
  *memberLists(): Iterable<{ path: string; groupId: string; members: readonly GraphObject[] }> {
    for (const [path, members] of Object.entries(this.fixture.resources)) {
      const match = MEMBERS_PATH.exec(path);
      if (match) yield { path, groupId: match[1]!, members };
    }
  }

  principalExists(id: string): boolean {
    const key = id.toLowerCase();
    return this.users.has(key) || this.groups.has(key) || this.servicePrincipals.has(key);
  }

  /** Exists, or the fixture says it was deleted (references to deleted objects are what Graph shows). */
  isKnown(id: string): boolean {
    return this.principalExists(id) || this.deletedIds.has(id.toLowerCase());
  }

  isGroup(id: string, entry?: GraphObject): boolean {
    if (this.groups.has(id.toLowerCase())) return true;
    return entry?.['@odata.type'] === '#microsoft.graph.group';
  }

  isRoleAssignableGroup(id: string): boolean {
    return this.groups.get(id.toLowerCase())?.isAssignableToRole === true;
  }

  /** `'Name' (id)` for messages, falling back on the id alone. */
  label(id: string): string {
    const key = id.toLowerCase();
    const object = this.users.get(key) ?? this.groups.get(key) ?? this.servicePrincipals.get(key);
    const name = object?.displayName;
    return typeof name === 'string' ? `'${name}' (${id})` : id;
  }
}

function indexById(items: readonly GraphObject[], into: Map<string, GraphObject>): void {
  for (const item of items) if (typeof item.id === 'string') into.set(item.id.toLowerCase(), item);
}

function itemPath(collection: string, index: number, property?: string): string {
  return `resources.${collection}[${index}]${property ? `.${property}` : ''}`;
}

// ---- the rules ----------------------------------------------------------------------------------------

/** Entra refuses to add a group as a member of a role-assignable group, so role-held nesting is one level. */
export const noGroupInRoleAssignableGroup: FixtureRule = {
  name: 'noGroupInRoleAssignableGroup',
  *check(tenant) {
    for (const { path, groupId, members } of tenant.memberLists()) {
      if (!tenant.isRoleAssignableGroup(groupId)) continue;
      for (const [index, member] of members.entries()) {
        const id = typeof member.id === 'string' ? member.id : '';
        if (!tenant.isGroup(id, member)) continue;
        yield {
          rule: this.name,
          path: itemPath(path, index),
          message: `group ${tenant.label(id)} is a member of role-assignable group ${tenant.label(groupId)}; Entra forbids groups inside role-assignable groups`,
        };
      }
    }
  },
};

/** Directory roles go to users, service principals and role-assignable groups only. */
export const onlyRoleAssignableGroupsHoldRoles: FixtureRule = {
  name: 'onlyRoleAssignableGroupsHoldRoles',
  *check(tenant) {
    for (const collection of ROLE_GRANT_COLLECTIONS) {
      for (const [index, item] of tenant.collection(collection).entries()) {
        const principalId = item.principalId;
        if (typeof principalId !== 'string' || !tenant.groups.has(principalId.toLowerCase())) continue;
        if (tenant.isRoleAssignableGroup(principalId)) continue;
        yield {
          rule: this.name,
          path: itemPath(collection, index, 'principalId'),
          message: `group ${tenant.label(principalId)} is not role-assignable (isAssignableToRole is not true), so it cannot hold a directory role`,
        };
      }
    }
  },
};

/** Per collection, which properties take which documented values. */
const ENUM_PROPERTIES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  [`${ROLES}/roleAssignmentScheduleInstances`]: {
    memberType: ROLE_MEMBER_TYPES,
    assignmentType: ROLE_ASSIGNMENT_TYPES,
  },
  [`${ROLES}/roleEligibilityScheduleInstances`]: { memberType: ROLE_MEMBER_TYPES },
  [`${ROLES}/roleAssignmentScheduleRequests`]: { action: REQUEST_ACTIONS, status: REQUEST_STATUSES },
  [`${GROUP_PIM}/eligibilityScheduleInstances`]: {
    memberType: GROUP_MEMBER_TYPES,
    accessId: GROUP_ACCESS_IDS,
  },
  [`${GROUP_PIM}/assignmentScheduleInstances`]: {
    memberType: GROUP_MEMBER_TYPES,
    assignmentType: GROUP_ASSIGNMENT_TYPES,
    accessId: GROUP_ACCESS_IDS,
  },
  [`${GROUP_PIM}/assignmentScheduleRequests`]: {
    action: REQUEST_ACTIONS,
    status: REQUEST_STATUSES,
    accessId: GROUP_ACCESS_IDS,
  },
  'auditLogs/directoryAudits': { result: AUDIT_RESULTS },
};

/** `memberType`, `assignmentType`, `action`, `status` and audit `result` hold documented values (or are absent). */
export const documentedEnumValues: FixtureRule = {
  name: 'documentedEnumValues',
  *check(tenant) {
    for (const [collection, properties] of Object.entries(ENUM_PROPERTIES)) {
      for (const [index, item] of tenant.collection(collection).entries()) {
        for (const [property, values] of Object.entries(properties)) {
          const value = item[property];
          if (value === undefined || value === null) continue;
          if (typeof value === 'string' && isDocumentedValue(value, values)) continue;
          yield {
            rule: this.name,
            path: itemPath(collection, index, property),
            message: `${JSON.stringify(value)} is not a documented value (expected one of ${values.join(', ')})`,
          };
        }
      }
    }
  },
};

/** A grant names a principal and a role definition the fixture has (or, for principals, marks deleted). */
export const grantReferencesExist: FixtureRule = {
  name: 'grantReferencesExist',
  *check(tenant) {
    for (const collection of ROLE_GRANT_COLLECTIONS) {
      for (const [index, item] of tenant.collection(collection).entries()) {
        const { principalId, roleDefinitionId } = item;
        if (typeof principalId === 'string' && !tenant.isKnown(principalId)) {
          yield {
            rule: this.name,
            path: itemPath(collection, index, 'principalId'),
            message: `principal ${principalId} is neither a user, group or service principal of the fixture nor listed in deletedObjects`,
          };
        }
        if (
          typeof roleDefinitionId === 'string' &&
          !tenant.roleDefinitionIds.has(roleDefinitionId.toLowerCase())
        ) {
          yield {
            rule: this.name,
            path: itemPath(collection, index, 'roleDefinitionId'),
            message: `role definition ${roleDefinitionId} is not in ${ROLES}/roleDefinitions`,
          };
        }
      }
    }
  },
};

/** A member list belongs to a group the fixture has, and lists principals the fixture has. */
export const memberReferencesExist: FixtureRule = {
  name: 'memberReferencesExist',
  *check(tenant) {
    for (const { path, groupId, members } of tenant.memberLists()) {
      if (!tenant.groups.has(groupId.toLowerCase())) {
        yield {
          rule: this.name,
          path: `resources.${path}`,
          message: `group ${groupId} is not in groups, yet the fixture lists its members`,
        };
      }
      for (const [index, member] of members.entries()) {
        const id = member.id;
        if (typeof id === 'string' && tenant.isKnown(id)) continue;
        yield {
          rule: this.name,
          path: itemPath(path, index, 'id'),
          message: `member ${String(id)} is neither a user, group or service principal of the fixture nor listed in deletedObjects`,
        };
      }
    }
  },
};

/** Collections of PIM for Groups schedules: each names a group and a principal. */
export const GROUP_PIM_COLLECTIONS = [
  `${GROUP_PIM}/eligibilityScheduleInstances`,
  `${GROUP_PIM}/assignmentScheduleInstances`,
  `${GROUP_PIM}/assignmentScheduleRequests`,
] as const;

/** A PIM for Groups schedule names a group of the fixture and a principal it has (or marks deleted). */
export const pimGroupReferencesExist: FixtureRule = {
  name: 'pimGroupReferencesExist',
  *check(tenant) {
    for (const collection of GROUP_PIM_COLLECTIONS) {
      for (const [index, item] of tenant.collection(collection).entries()) {
        const { groupId, principalId } = item;
        if (typeof groupId !== 'string' || !tenant.groups.has(groupId.toLowerCase())) {
          yield {
            rule: this.name,
            path: itemPath(collection, index, 'groupId'),
            message: `group ${String(groupId)} is not in groups`,
          };
        }
        if (typeof principalId !== 'string' || !tenant.isKnown(principalId)) {
          yield {
            rule: this.name,
            path: itemPath(collection, index, 'principalId'),
            message: `principal ${String(principalId)} is neither a user, group or service principal of the fixture nor listed in deletedObjects`,
          };
        }
      }
    }
  },
};

const ALERTS = 'identityGovernance/roleManagementAlerts/alerts';

/** An incident of PIM's own alerts names an assignee the fixture has, or marks deleted. */
export const incidentReferencesExist: FixtureRule = {
  name: 'incidentReferencesExist',
  *check(tenant) {
    for (const [index, alert] of tenant.collection(ALERTS).entries()) {
      const incidents = Array.isArray(alert.alertIncidents) ? (alert.alertIncidents as GraphObject[]) : [];
      for (const [incidentIndex, incident] of incidents.entries()) {
        const assigneeId = incident.assigneeId;
        if (typeof assigneeId !== 'string' || tenant.isKnown(assigneeId)) continue;
        yield {
          rule: this.name,
          path: `${itemPath(ALERTS, index)}.alertIncidents[${incidentIndex}].assigneeId`,
          message: `assignee ${assigneeId} is neither a principal of the fixture nor listed in deletedObjects`,
        };
      }
    }
  },
};

/** Every rule, in the order their violations are listed. */
export const FIXTURE_RULES: readonly FixtureRule[] = [
  noGroupInRoleAssignableGroup,
  onlyRoleAssignableGroupsHoldRoles,
  documentedEnumValues,
  grantReferencesExist,
  memberReferencesExist,
  pimGroupReferencesExist,
  incidentReferencesExist,
];

/** Every violation of every rule (callers cap how many they print). */
export function fixtureViolations(
  fixture: TenantFixture,
  rules: readonly FixtureRule[] = FIXTURE_RULES,
): FixtureViolation[] {
  const tenant = new FixtureTenant(fixture);
  return rules.flatMap((rule) => [...rule.check(tenant)]);
}
