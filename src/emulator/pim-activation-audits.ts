import type { TenantFixture } from '../fixture-format/schema.js';
import { PIM_ACTIVATION_COMPLETED } from '../graph/readers/pim-activation-audits.js';
import { parseIsoDuration } from '../util/iso-duration.js';

type Item = Record<string, unknown>;
type Resources = TenantFixture['resources'];

const AUDITS = 'auditLogs/directoryAudits';
const REQUESTS = 'roleManagement/directory/roleAssignmentScheduleRequests';
const GROUP_REQUESTS = 'identityGovernance/privilegedAccess/group/assignmentScheduleRequests';

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Whether the fixture already lists PIM's activation records (then it is taken as it is). */
function listsActivationRecords(audits: readonly Item[]): boolean {
  return audits.some((a) => a.activityDisplayName === PIM_ACTIVATION_COMPLETED);
}

function isSuccessfulSelfActivation(request: Item): boolean {
  const action = String(request.action ?? '').toLowerCase();
  const status = String(request.status ?? '').toLowerCase();
  return action === 'selfactivate' && (status === 'provisioned' || status === 'granted');
}

/** When the request's activation starts and ends, as the schedule requests reader works it out. */
function windowOf(request: Item): { start: string; end: string | null } | undefined {
  const schedule = (request.scheduleInfo ?? {}) as Item;
  const startText = text(schedule.startDateTime) ?? text(request.createdDateTime);
  if (!startText || Number.isNaN(Date.parse(startText))) return undefined;
  const startMs = Date.parse(startText);
  const expiration = (schedule.expiration ?? {}) as Item;
  const duration = text(expiration.duration);
  const durationMs = duration ? parseIsoDuration(duration) : undefined;
  const endText = text(expiration.endDateTime);
  const end =
    durationMs !== undefined
      ? new Date(startMs + durationMs).toISOString()
      : endText
        ? new Date(Date.parse(endText)).toISOString()
        : null;
  return { start: new Date(startMs).toISOString(), end };
}

function indexById(items: readonly Item[] | undefined, ...keys: string[]): Map<string, Item> {
  const index = new Map<string, Item>();
  for (const item of items ?? [])
    for (const key of keys) {
      const value = text(item[key]);
      if (value) index.set(value.toLowerCase(), item);
    }
  return index;
}

/**
 * PIM's audit record of one completed self-activation, in the shape researched for the audit reader
 * (src/graph/readers/pim-activation-audits.ts). The `additionalDetails` keys and the order of the targets
 * are UNCONFIRMED (docs/unconfirmed-graph-facts.md).
 */
interface Lookups {
  tenantId: string;
  orgName: string | null;
  roles: Map<string, Item>;
  users: Map<string, Item>;
  groups: Map<string, Item>;
}

const detail = (key: string, value: string | null) => (value === null ? [] : [{ key, value }]);

/** What a role activation record says about the role: its target and its details. */
function roleSubject(request: Item, lookups: Lookups) {
  const roleId = String(request.roleDefinitionId);
  const role = lookups.roles.get(roleId.toLowerCase());
  const templateId = text(role?.templateId) ?? roleId;
  const builtIn = role?.isBuiltIn !== false;
  const quoted = (value: string) => JSON.stringify(value);
  return {
    category: 'RoleManagement',
    target: {
      id: roleId,
      displayName: text(role?.displayName),
      type: 'Role',
      modifiedProperties: [
        { displayName: 'RoleDefinitionOriginId', oldValue: '""', newValue: quoted(roleId) },
        { displayName: 'TemplateId', oldValue: '""', newValue: quoted(templateId) },
      ],
    },
    details: [
      ...detail('RoleDefinitionOriginId', roleId),
      ...detail('RoleDefinitionOriginType', builtIn ? 'BuiltInRole' : 'CustomRole'),
      ...detail('TemplateId', templateId),
    ],
  };
}

/**
 * What a PIM for Groups membership activation record says about the group: a `Group` target, category
 * `GroupManagement`. UNCONFIRMED (docs/unconfirmed-graph-facts.md) beyond the category.
 */
function groupSubject(request: Item, lookups: Lookups) {
  const groupId = String(request.groupId);
  return {
    category: 'GroupManagement',
    target: {
      id: groupId,
      displayName: text(lookups.groups.get(groupId.toLowerCase())?.displayName),
      type: 'Group',
      modifiedProperties: [],
    },
    details: [],
  };
}

function activationRecord(
  request: Item,
  window: { start: string; end: string | null },
  lookups: Lookups,
  subject: { category: string; target: Item; details: Item[] },
): Item {
  const requestId = String(request.id);
  const principalId = String(request.principalId);
  const user = lookups.users.get(principalId.toLowerCase());
  return {
    id: `PIM_${lookups.tenantId}_${requestId}_activation`,
    category: subject.category,
    correlationId: requestId,
    result: 'success',
    resultReason: text(request.justification) ?? '',
    activityDisplayName: PIM_ACTIVATION_COMPLETED,
    activityDateTime: window.start,
    loggedByService: 'PIM',
    initiatedBy: {
      app: null,
      user: {
        id: principalId,
        displayName: text(user?.displayName),
        userPrincipalName: text(user?.userPrincipalName),
        ipAddress: null,
      },
    },
    targetResources: [
      subject.target,
      { id: requestId, displayName: null, type: 'Request', modifiedProperties: [] },
      {
        id: principalId,
        displayName: text(user?.displayName),
        userPrincipalName: text(user?.userPrincipalName),
        type: 'User',
        modifiedProperties: [],
      },
      { id: lookups.tenantId, displayName: lookups.orgName, type: 'Directory', modifiedProperties: [] },
    ],
    additionalDetails: [
      ...subject.details,
      ...detail('StartTime', window.start),
      ...detail('ExpirationTime', window.end),
      ...detail('Justification', text(request.justification)),
      ...detail('RequestId', requestId),
    ],
  };
}

/**
 * The fixture's resources with PIM's audit record added for every successful self-activation request
 * (of a role, or of a PIM for Groups membership),
 * as Entra writes one (design section 7), so one fixture exercises both sources of activation history.
 * A fixture that already lists such records is served as it is. The input is not changed.
 */
export function withPimActivationAudits(tenantId: string, resources: Resources): Resources {
  const audits = resources[AUDITS] ?? [];
  const requests = (resources[REQUESTS] ?? []).filter(isSuccessfulSelfActivation);
  // Only memberships hold roles; owners' activations are not what the scanner reads.
  const groupRequests = (resources[GROUP_REQUESTS] ?? []).filter(
    (r) => isSuccessfulSelfActivation(r) && String(r.accessId ?? '').toLowerCase() === 'member',
  );
  if (requests.length + groupRequests.length === 0 || listsActivationRecords(audits)) return resources;
  const lookups: Lookups = {
    tenantId,
    orgName: text(resources.organization?.[0]?.displayName),
    roles: indexById(resources['roleManagement/directory/roleDefinitions'], 'id', 'templateId'),
    users: indexById(resources.users, 'id'),
    groups: indexById(resources.groups, 'id'),
  };
  const written: Item[] = [];
  for (const [list, subjectOf] of [
    [requests, roleSubject],
    [groupRequests, groupSubject],
  ] as const) {
    for (const request of list) {
      const window = windowOf(request);
      if (window) written.push(activationRecord(request, window, lookups, subjectOf(request, lookups)));
    }
  }
  return { ...resources, [AUDITS]: [...audits, ...written] };
}
