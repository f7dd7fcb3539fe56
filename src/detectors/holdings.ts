import { membersThroughGroup } from '../model/group-membership.js';
import type {
  GroupMembershipInstance,
  PrincipalType,
  RoleGrant,
  SourceName,
  TenantSnapshot,
} from '../model/snapshot.js';
import { epochMs } from './time.js';

/**
 * Who holds which role, worked out once per scan from the snapshot's raw grants and group memberships
 * (design section 3, "Holding a role") and shared by every detector.
 */

/** The snapshot sources a holding is built from: any of them failing makes holdings untrustworthy. */
export const HOLDING_SOURCES = [
  'roleAssignmentScheduleInstances',
  'roleEligibilityScheduleInstances',
  'roleAssignments',
  'groupMembers',
  'principalLookup',
] as const satisfies readonly SourceName[];

/**
 * Sources that widen holdings without being needed for them: PIM for Groups memberships. When they fail
 * the holdings-based detectors still judge, listing the groups they could not expand (design section 8).
 */
export const HOLDING_EXTENSION_SOURCES = [
  'pimGroupEligibilities',
  'pimGroupAssignments',
] as const satisfies readonly SourceName[];

/** Whether a detector with these sources counts members of role-holding groups (and so PIM for Groups). */
export function countsGroupMembers(sources: readonly SourceName[]): boolean {
  return sources.includes('groupMembers');
}

export type HoldingKind = 'eligible' | 'assigned' | 'activated';

/** One raw grant as it contributes to a holding. */
export interface HoldingGrant {
  grantId: string;
  kind: HoldingKind;
  source: RoleGrant['source'];
  /** Null: unknown, counted as long ago. */
  start: string | null;
  /** Null: permanent. */
  end: string | null;
  /**
   * Groups from the one that holds the role down to the one the principal is a direct member of;
   * empty when the grant names the principal itself.
   */
  groupPath: readonly string[];
  /** The PIM for Groups membership instance through which the principal is a member, if any. */
  pimMembershipId?: string;
}

/** One (principal, role template) pair, however many grants make it up. */
export interface Holding {
  principalId: string;
  principalType: PrincipalType;
  roleTemplateId: string;
  roleDefinitionId: string;
  /** Holds an eligibility (may activate). */
  eligible: boolean;
  /** Holds the role right now: a standing or time-bound assignment, or a live activation. */
  active: boolean;
  /** Part of the activity is a live activation of an eligibility. */
  activated: boolean;
  /** Every grant behind it has an end date, so it lapses on its own. */
  timeBound: boolean;
  /** At least one grant names the principal itself. */
  direct: boolean;
  /** At least one grant reaches the principal through a group. */
  viaGroup: boolean;
  /** Earliest start of the grants behind it; null when any of them has no known start (long ago). */
  start: string | null;
  grants: readonly HoldingGrant[];
}

export interface HoldingIndex {
  readonly all: readonly Holding[];
  get(principalId: string, roleTemplateId: string): Holding | undefined;
  ofRole(roleTemplateId: string): readonly Holding[];
  ofPrincipal(principalId: string): readonly Holding[];
  /**
   * Live active grants that name this principal itself (a group stays a group here), the way the
   * directory lists an assignment: used to tell whether an assignment still exists.
   */
  activeGrantsOf(principalId: string, roleTemplateId: string): readonly RoleGrant[];
}

const holdingKey = (principalId: string, roleTemplateId: string) =>
  `${principalId.toLowerCase()}|${roleTemplateId.toLowerCase()}`;

/**
 * Which raw grants describe current holders. A tenant onboarded to PIM lists active holders as
 * assignment schedule instances (its `roleAssignments` would repeat them); a tenant never onboarded only
 * has `roleAssignments`.
 */
function isHolderSource(grant: RoleGrant, pimOnboarded: boolean): boolean {
  if (grant.source === 'eligibilityInstance') return true;
  return pimOnboarded ? grant.source === 'assignmentInstance' : grant.source === 'roleAssignment';
}

/** Expired and not-yet-started grants confer nothing now. An end exactly at `now` is still live. */
function isLive(grant: Pick<RoleGrant, 'startDateTime' | 'endDateTime'>, nowMs: number): boolean {
  if (grant.endDateTime !== null && epochMs(grant.endDateTime) < nowMs) return false;
  if (grant.startDateTime !== null && epochMs(grant.startDateTime) > nowMs) return false;
  return true;
}

function kindOf(grant: RoleGrant): HoldingKind {
  if (grant.source === 'eligibilityInstance') return 'eligible';
  return grant.assignmentType === 'Activated' ? 'activated' : 'assigned';
}

/**
 * Graph marks a member's own instance of a group's grant with `memberType` `Group` (`Inherited` is the
 * third documented value); compared without regard to case (design section 8).
 * https://learn.microsoft.com/en-us/graph/api/resources/unifiedroleassignmentscheduleinstance
 */
function reachedThroughGroup(grant: RoleGrant): boolean {
  const memberType = grant.memberType?.toLowerCase();
  return memberType === 'group' || memberType === 'inherited';
}

/**
 * Where a member's own `Group` instance sits among the grants already resolved from the group's side:
 * `duplicate` when the group's grant of the same kind already reached the member (Graph listing the
 * same holding twice), else the group path to credit it to (empty when no holding group is known).
 */
function placeMemberInstance(
  holding: MutableHolding | undefined,
  kind: HoldingKind,
): 'duplicate' | readonly string[] {
  const throughGroups = holding?.grants.filter((g) => g.groupPath.length > 0) ?? [];
  if (throughGroups.some((g) => g.kind === kind)) return 'duplicate';
  return throughGroups[0]?.groupPath ?? [];
}

/**
 * Live PIM for Groups memberships per group (lower-cased id). Owners are not holders (design section 8),
 * so `accessId` `owner` is left out; Graph's enum values are compared without case.
 */
function pimMembersByGroup(snapshot: TenantSnapshot, nowMs: number): Map<string, GroupMembershipInstance[]> {
  const byGroup = new Map<string, GroupMembershipInstance[]>();
  for (const m of snapshot.pimGroupMemberships) {
    if (m.accessId.toLowerCase() !== 'member') continue;
    if (!isLive({ startDateTime: m.startDateTime, endDateTime: m.endDateTime }, nowMs)) continue;
    pushTo(byGroup, m.groupId.toLowerCase(), m);
  }
  return byGroup;
}

/** What a grant to a group gives a member through one PIM for Groups membership instance. */
function throughMembership(grant: RoleGrant, membership: GroupMembershipInstance) {
  const grantKind = kindOf(grant);
  const kind: HoldingKind =
    grantKind === 'eligible' || membership.source === 'eligibilityInstance'
      ? 'eligible'
      : grantKind === 'activated' || membership.assignmentType === 'Activated'
        ? 'activated'
        : 'assigned';
  return {
    kind,
    // Both parts must hold: the later start, the earlier end (null start: long ago; null end: never).
    start: laterOf(grant.startDateTime, membership.startDateTime),
    end: earlierOf(grant.endDateTime, membership.endDateTime),
  };
}

function laterOf(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return epochMs(a) >= epochMs(b) ? a : b;
}

function earlierOf(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return epochMs(a) <= epochMs(b) ? a : b;
}

interface GroupExpansion {
  /** Non-group member id -> groups from the expanded group down to the member's direct parent. */
  members: Map<string, readonly string[]>;
}

function makeGroupExpander(snapshot: TenantSnapshot) {
  const cache = new Map<string, GroupExpansion>();
  const isGroup = (id: string): boolean => {
    const principal = snapshot.principals.get(id);
    if (principal) return principal.type === 'group';
    return snapshot.groupMembers.has(id);
  };
  const expand = (rootId: string): GroupExpansion => {
    const cached = cache.get(rootId);
    if (cached) return cached;
    const members: Map<string, readonly string[]> = membersThroughGroup(
      rootId,
      snapshot.groupMembers,
      isGroup,
    );
    const expansion = { members };
    cache.set(rootId, expansion);
    return expansion;
  };
  return { isGroup, expand };
}

interface MutableHolding extends Holding {
  grants: HoldingGrant[];
  startMs: number;
}

/** The holding of `principalId` for the grant's role, created empty on first sight. */
function holdingFor(
  snapshot: TenantSnapshot,
  byKey: Map<string, MutableHolding>,
  principalId: string,
  grant: RoleGrant,
): MutableHolding {
  const key = holdingKey(principalId, grant.roleTemplateId);
  let holding = byKey.get(key);
  if (!holding) {
    holding = {
      principalId,
      principalType: snapshot.principals.get(principalId)?.type ?? 'unknown',
      roleTemplateId: grant.roleTemplateId,
      roleDefinitionId: grant.roleDefinitionId,
      eligible: false,
      active: false,
      activated: false,
      timeBound: true,
      direct: false,
      viaGroup: false,
      start: null,
      startMs: Number.POSITIVE_INFINITY,
      grants: [],
    };
    byKey.set(key, holding);
  }
  return holding;
}

/** Records one grant (directly, through a group, or through a PIM for Groups membership) on a holding. */
function addGrant(
  holding: MutableHolding,
  grant: RoleGrant,
  groupPath: readonly string[],
  membership?: GroupMembershipInstance,
): void {
  const { kind, start, end } = membership
    ? throughMembership(grant, membership)
    : { kind: kindOf(grant), start: grant.startDateTime, end: grant.endDateTime };
  holding.grants.push({
    grantId: grant.id,
    kind,
    source: grant.source,
    start,
    end,
    groupPath,
    ...(membership ? { pimMembershipId: membership.id } : {}),
  });
  if (kind === 'eligible') holding.eligible = true;
  else holding.active = true;
  if (kind === 'activated') holding.activated = true;
  if (end === null) holding.timeBound = false;
  if (groupPath.length > 0 || reachedThroughGroup(grant)) holding.viaGroup = true;
  else holding.direct = true;
  const startMs = start === null ? Number.NEGATIVE_INFINITY : epochMs(start);
  if (startMs < holding.startMs) {
    holding.startMs = startMs;
    holding.start = start;
  }
}

/**
 * Resolves the snapshot's grants into holdings as of `now`. Pure; O(grants x group size), with each
 * group's transitive membership expanded once.
 */
export function resolveHoldings(snapshot: TenantSnapshot, now: Date): HoldingIndex {
  const nowMs = now.getTime();
  const groups = makeGroupExpander(snapshot);
  const byKey = new Map<string, MutableHolding>();
  const activeByKey = new Map<string, RoleGrant[]>();

  const pimMembers = pimMembersByGroup(snapshot, nowMs);
  const add = (
    principalId: string,
    grant: RoleGrant,
    groupPath: readonly string[],
    membership?: GroupMembershipInstance,
  ) => addGrant(holdingFor(snapshot, byKey, principalId, grant), grant, groupPath, membership);

  // A member's own `Group` instances wait until every group grant is expanded, so they can join them.
  const memberInstances: RoleGrant[] = [];
  for (const grant of snapshot.grants) {
    if (!isHolderSource(grant, snapshot.pimOnboarded) || !isLive(grant, nowMs)) continue;
    if (grant.source !== 'eligibilityInstance') {
      pushTo(activeByKey, holdingKey(grant.principalId, grant.roleTemplateId), grant);
    }
    if (groups.isGroup(grant.principalId)) {
      // The group itself is not a holder: its members are (cycle-safe, should a tenant nest groups).
      expandGroupGrant(grant, groups.expand(grant.principalId), pimMembers, add);
    } else if (reachedThroughGroup(grant)) {
      memberInstances.push(grant);
    } else {
      add(grant.principalId, grant, []);
    }
  }
  for (const grant of memberInstances) {
    const placed = placeMemberInstance(
      byKey.get(holdingKey(grant.principalId, grant.roleTemplateId)),
      kindOf(grant),
    );
    if (placed !== 'duplicate') add(grant.principalId, grant, placed);
  }

  const all: Holding[] = [];
  const resolved = new Map<string, Holding>();
  const byRole = new Map<string, Holding[]>();
  const byPrincipal = new Map<string, Holding[]>();
  for (const [key, { startMs: _startMs, ...holding }] of byKey) {
    all.push(holding);
    resolved.set(key, holding);
    pushTo(byRole, holding.roleTemplateId.toLowerCase(), holding);
    pushTo(byPrincipal, holding.principalId.toLowerCase(), holding);
  }

  return {
    all,
    get: (principalId, roleTemplateId) => resolved.get(holdingKey(principalId, roleTemplateId)),
    ofRole: (roleTemplateId) => byRole.get(roleTemplateId.toLowerCase()) ?? [],
    ofPrincipal: (principalId) => byPrincipal.get(principalId.toLowerCase()) ?? [],
    activeGrantsOf: (principalId, roleTemplateId) =>
      activeByKey.get(holdingKey(principalId, roleTemplateId)) ?? [],
  };
}

/**
 * A group's grant reaches its plain members (to any depth) and its PIM for Groups members. A direct
 * member who is one only because of a live active PIM membership is counted through that membership,
 * which knows when it started (a plain membership does not).
 */
function expandGroupGrant(
  grant: RoleGrant,
  expansion: GroupExpansion,
  pimMembers: ReadonlyMap<string, readonly GroupMembershipInstance[]>,
  add: (id: string, grant: RoleGrant, path: readonly string[], membership?: GroupMembershipInstance) => void,
): void {
  const memberships = pimMembers.get(grant.principalId.toLowerCase()) ?? [];
  const activeThroughPim = new Set(
    memberships.filter((m) => m.source === 'assignmentInstance').map((m) => m.principalId.toLowerCase()),
  );
  for (const [memberId, path] of expansion.members) {
    if (path.length === 1 && activeThroughPim.has(memberId.toLowerCase())) continue;
    add(memberId, grant, path);
  }
  for (const membership of memberships) add(membership.principalId, grant, [grant.principalId], membership);
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** When the principal first became eligible; null when any eligibility has no known start (long ago). */
export function eligibleSince(holding: Holding): string | null {
  let earliest: string | null = null;
  let earliestMs = Number.POSITIVE_INFINITY;
  for (const grant of holding.grants) {
    if (grant.kind !== 'eligible') continue;
    if (grant.start === null) return null;
    const ms = epochMs(grant.start);
    if (ms < earliestMs) {
      earliest = grant.start;
      earliestMs = ms;
    }
  }
  return earliest;
}
