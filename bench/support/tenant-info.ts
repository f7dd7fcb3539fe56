import { detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { pagesNeeded } from '../../src/emulator/graph-limits.js';
import { EMULATOR_DEFAULT_CLIENT_ID } from '../../src/emulator/server.js';
import { directoryBucketSize } from '../../src/emulator/throttle.js';
import type { Fault, TenantFixture } from '../../src/fixture-format/schema.js';
import { describeFixture, type HoldingCounts } from '../../src/fixtures/describe-fixture.js';
import { durationMs } from '../../src/util/iso-duration.js';
import { type RequestBudget, requestBudget } from '../../test/support/request-budget.js';

const ROLES = 'roleManagement/directory';

/**
 * Where a benchmark run's activation history comes from. `scheduleRequests`: the app may read
 * `roleAssignmentScheduleRequests`. `auditFallback`: the least-privileged deployment; Graph refuses that
 * path (Microsoft lists only a write permission for it) and the scan, in `auto` mode, reads PIM's
 * activation records from the audit log instead.
 */
export const HISTORY_MODES = ['scheduleRequests', 'auditFallback'] as const;
export type HistoryMode = (typeof HISTORY_MODES)[number];

/** The emulator's answer to a least-privileged app reading the schedule requests. */
const SCHEDULE_REQUESTS_REFUSED: Fault = {
  status: 403,
  code: 'Authorization_RequestDenied',
  message: 'Insufficient privileges to complete the operation.',
};

/**
 * The faults an emulator serves for a history mode, on top of the fixture's own; `requestBudget` reads the
 * same faults, so the lower bound and the emulator agree on what is refused.
 */
export function historyFaults(mode: HistoryMode): Record<string, Fault> {
  return mode === 'auditFallback'
    ? { [`${ROLES}/roleAssignmentScheduleRequests`]: SCHEDULE_REQUESTS_REFUSED }
    : {};
}

/**
 * What a benchmark needs to know about a generated tenant without holding the fixture itself: how to
 * sign in to it, its sizes, and the request arithmetic its figures are compared with.
 */
export interface TenantInfo {
  tenantId: string;
  /** The scan's clock for a fixture served without a time shift. */
  referenceTime: string;
  clientId: string;
  clientSecret: string;
  users: number;
  holdings: HoldingCounts;
  /** The audit look-back a default scan uses (RolesAssignedOutsidePimAlert.lookBack), in ms. */
  auditLookBackMs: number;
  /**
   * The lower bound of logical requests (production strategy: sign-in activity of holders only), with
   * the schedule requests readable. The same as `budgets.scheduleRequests`.
   */
  budget: RequestBudget;
  /** The lower bound per history mode: `requestBudget` in `auto` mode over the fixture with that mode's faults. */
  budgets: Record<HistoryMode, RequestBudget>;
  /** Pages of `users?$select=...signInActivity` at 120 a page (Graph's maximum with signInActivity selected): the sign-in reads of the all-users strategy. */
  allUsersSignInPages: number;
  /**
   * The longest chain of requests that must follow one another before the privileged holders are known:
   * the longest of the role-grant collections (each page names the next), then one round per page of
   * group members, level by level through nested groups.
   */
  holderChain: number;
  /** The longest single paged collection the scan reads (its pages are strictly sequential). */
  longestChain: number;
  /** Graph's directory resource-unit bucket for this tenant's size (RU per 10 s). */
  directoryBucket: number;
}

type Item = Record<string, unknown>;

export function describeTenant(fixture: TenantFixture): TenantInfo {
  const auditLookBackMs = durationMs(detectorsConfigSchema.parse({}).RolesAssignedOutsidePimAlert.lookBack);
  const now = new Date(fixture.referenceTime ?? Date.now());
  const budgetFor = (mode: HistoryMode) =>
    requestBudget(
      { ...fixture, faults: { ...fixture.faults, ...historyFaults(mode) } },
      { now, auditLookBackMs, activationHistory: 'auto' },
    );
  const budgets = {
    scheduleRequests: budgetFor('scheduleRequests'),
    auditFallback: budgetFor('auditFallback'),
  };
  const budget = budgets.scheduleRequests;
  const res = fixture.resources;
  const pageSizes = fixture.pageSizes ?? {};
  const count = (path: string) => (res[path] ?? []).length;
  const pages = (path: string, n: number) => pagesNeeded(path, n, { pageSizes });

  const onboarded = count(`${ROLES}/roleAssignmentScheduleInstances`) > 0;
  const grantPaths = [
    `${ROLES}/roleDefinitions`,
    `${ROLES}/roleAssignmentScheduleInstances`,
    `${ROLES}/roleEligibilityScheduleInstances`,
    ...(onboarded ? [] : [`${ROLES}/roleAssignments`]),
  ];
  const grantChain = Math.max(...grantPaths.map((p) => pages(p, count(p))));

  // Group members, level by level from the groups holding a role; a level takes as many rounds as its
  // longest member list has pages.
  const groupIds = new Set((res.groups ?? []).map((g) => String((g as Item).id)));
  const grants = [
    ...(res[`${ROLES}/roleAssignmentScheduleInstances`] ?? []),
    ...(res[`${ROLES}/roleEligibilityScheduleInstances`] ?? []),
    ...(onboarded ? [] : (res[`${ROLES}/roleAssignments`] ?? [])),
  ] as Item[];
  const seen = new Set<string>();
  let level = [...new Set(grants.map((g) => String(g.principalId)).filter((id) => groupIds.has(id)))];
  let memberRounds = 0;
  while (level.length > 0) {
    let rounds = 0;
    const next = new Set<string>();
    for (const id of level) {
      seen.add(id);
      const members = (res[`groups/${id}/members`] ?? []) as Item[];
      rounds = Math.max(rounds, pages(`groups/${id}/members`, members.length));
      for (const m of members) {
        const mid = String(m.id);
        if (groupIds.has(mid) && !seen.has(mid)) next.add(mid);
      }
    }
    memberRounds += rounds;
    level = [...next].filter((id) => !seen.has(id));
  }

  const singleChains = [
    'organization',
    'subscribedSkus',
    `${ROLES}/roleDefinitions`,
    `${ROLES}/roleAssignmentScheduleInstances`,
    `${ROLES}/roleEligibilityScheduleInstances`,
    `${ROLES}/roleAssignmentScheduleRequests`,
    'policies/roleManagementPolicyAssignments',
  ];
  const app = fixture.applications?.find((a) => a.clientSecret) ?? fixture.applications?.[0];
  return {
    tenantId: fixture.tenantId,
    referenceTime: now.toISOString(),
    clientId: app?.clientId ?? EMULATOR_DEFAULT_CLIENT_ID,
    clientSecret: app?.clientSecret ?? 'emulator-client-secret',
    users: count('users'),
    holdings: describeFixture(fixture, now).holdings,
    auditLookBackMs,
    budget,
    budgets,
    allUsersSignInPages: pagesNeeded('users', count('users'), { pageSizes, signInActivity: true }),
    holderChain: grantChain + memberRounds,
    longestChain: Math.max(...singleChains.map((p) => pages(p, count(p)))),
    directoryBucket: directoryBucketSize(count('users')),
  };
}
