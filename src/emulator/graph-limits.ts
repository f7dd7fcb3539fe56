import { ALERTS_ROOT, normaliseCollectionPath } from './entity-model.js';

/**
 * How Graph pages each collection. `paged: false` means one response holds everything; `topHonoured: false`
 * means `$top` is ignored and the server's page size is fixed. A `$top` above `maxSize` is served at
 * `maxSize`, unless it is also above `topLimit`, which Graph refuses (400 "Invalid page size specified").
 */
export interface PageLimits {
  paged: boolean;
  defaultSize: number;
  maxSize: number;
  topHonoured: boolean;
  topLimit: number;
  /** How the next page is addressed in `@odata.nextLink`. */
  nextLinkParam: '$skiptoken' | '$skip';
}

const UNPAGED: PageLimits = {
  paged: false,
  defaultSize: Number.POSITIVE_INFINITY,
  maxSize: Number.POSITIVE_INFINITY,
  topHonoured: false,
  topLimit: Number.POSITIVE_INFINITY,
  nextLinkParam: '$skiptoken',
};

const directoryObjects = (): PageLimits => ({
  paged: true,
  defaultSize: 100,
  maxSize: 999,
  topHonoured: true,
  topLimit: 999,
  nextLinkParam: '$skiptoken',
});

const fixedServerPage = (): PageLimits => ({
  paged: true,
  defaultSize: 100,
  maxSize: 100,
  topHonoured: false,
  topLimit: Number.POSITIVE_INFINITY,
  nextLinkParam: '$skiptoken',
});

/** Keyed by normalised collection path (`groups/{id}/members`). */
export const GRAPH_PAGE_LIMITS: Readonly<Record<string, PageLimits>> = {
  // Graph docs (user-list, paging concepts): default 100, `$top` 1..999; larger is a 400
  // Request_UnsupportedQuery "Invalid page size specified" (seen in third-party captures).
  users: directoryObjects(),
  // Same directory-object paging as users (group-list docs; the 999 limit is shared by directory objects).
  groups: directoryObjects(),
  // Same as groups (list-members docs, `$top` up to 999; third-party code clamps to 999 for the same error).
  'groups/{id}/members': directoryObjects(),
  'groups/{id}/transitiveMembers': directoryObjects(),
  // Directory objects again; the error on `$top` > 999 is assumed to match users (UNCONFIRMED).
  servicePrincipals: directoryObjects(),
  // directoryAudit-list docs: `$top` supported, default 100; 1000 as the maximum is an assumption (UNCONFIRMED),
  // and so is clamping rather than failing above it.
  'auditLogs/directoryAudits': {
    paged: true,
    defaultSize: 100,
    maxSize: 1000,
    topHonoured: true,
    topLimit: Number.POSITIVE_INFINITY,
    nextLinkParam: '$skiptoken',
  },
  // organization and subscribedSkus are small singletons-in-a-list; their docs describe no paging.
  organization: UNPAGED,
  subscribedSkus: UNPAGED,
  // roleDefinitions: the list docs support no `$top` and show no paging (about 100-130 built-in roles).
  'roleManagement/directory/roleDefinitions': UNPAGED,
  // The unified RBAC lists below document no `$top`. A fixed server page of 100 with `$top` ignored is an
  // assumption (UNCONFIRMED): it makes clients follow nextLink without being able to choose the page size.
  'roleManagement/directory/roleAssignments': fixedServerPage(),
  'roleManagement/directory/roleAssignmentScheduleInstances': fixedServerPage(),
  'roleManagement/directory/roleEligibilityScheduleInstances': fixedServerPage(),
  'roleManagement/directory/roleAssignmentScheduleRequests': fixedServerPage(),
  'roleManagement/directory/roleAssignmentSchedules': fixedServerPage(),
  'roleManagement/directory/roleEligibilitySchedules': fixedServerPage(),
  'policies/roleManagementPolicyAssignments': fixedServerPage(),
  'policies/roleManagementPolicies': fixedServerPage(),
  // PIM for Groups lists document no `$top` or page size either: the same assumption (UNCONFIRMED).
  'identityGovernance/privilegedAccess/group/eligibilityScheduleInstances': fixedServerPage(),
  'identityGovernance/privilegedAccess/group/assignmentScheduleInstances': fixedServerPage(),
  'identityGovernance/privilegedAccess/group/assignmentScheduleRequests': fixedServerPage(),
  // The PIM alert collections hold one object per alert type (seven); the docs show them unpaged.
  [`${ALERTS_ROOT}/alerts`]: UNPAGED,
  [`${ALERTS_ROOT}/alertDefinitions`]: UNPAGED,
  [`${ALERTS_ROOT}/alertConfigurations`]: UNPAGED,
  // list-alertIncidents docs: `$top` honoured and nextLink uses `$skip`. Default and maximum 50 are
  // assumptions (UNCONFIRMED); `$top` above 50 is clamped (assumption).
  [`${ALERTS_ROOT}/alerts/{id}/alertIncidents`]: {
    paged: true,
    defaultSize: 50,
    maxSize: 50,
    topHonoured: true,
    topLimit: Number.POSITIVE_INFINITY,
    nextLinkParam: '$skip',
  },
};

/**
 * With `signInActivity` in `$select` or `$filter`, a users page holds at most 120 users; a larger `$top`
 * is accepted and answered with pages of up to 120.
 * https://learn.microsoft.com/en-us/graph/api/user-list (note on signInActivity)
 */
export const SIGN_IN_ACTIVITY_MAX_PAGE = 120;

/** Collections the table does not know: assumed to page like a directory list that ignores `$top`. */
const FALLBACK: PageLimits = fixedServerPage();

export interface PageLimitOptions {
  /** `$select` or `$filter` touches `users.signInActivity`. */
  signInActivity?: boolean;
  /** A fixture's `pageSizes`: maximum page size by exact or normalised path (`groups/*` also accepted). */
  pageSizes?: Readonly<Record<string, number>>;
}

export function pageLimitsFor(collectionPath: string, options: PageLimitOptions = {}): PageLimits {
  const normal = normaliseCollectionPath(collectionPath);
  let limits = GRAPH_PAGE_LIMITS[normal] ?? FALLBACK;
  if (options.signInActivity && normal === 'users') {
    // `$top` up to 999 is still accepted; the page just holds fewer users.
    limits = { ...limits, maxSize: SIGN_IN_ACTIVITY_MAX_PAGE };
  }
  const override = pageSizeOverride(collectionPath, normal, options.pageSizes);
  if (override !== undefined) {
    // An override shrinks (or sets) the maximum so tests can page a handful of objects; it also pages
    // collections Graph serves whole, so a client's nextLink handling can be tested anywhere.
    limits = {
      ...limits,
      paged: true,
      maxSize: override,
      defaultSize: Math.min(limits.paged ? limits.defaultSize : override, override),
    };
  }
  return limits;
}

function pageSizeOverride(
  path: string,
  normal: string,
  pageSizes: Readonly<Record<string, number>> | undefined,
): number | undefined {
  if (!pageSizes) return undefined;
  return pageSizes[path] ?? pageSizes[normal] ?? pageSizes[normal.replaceAll('{id}', '*')];
}

/**
 * The fewest requests that read a collection of `itemCount` objects: pages at the collection's largest
 * page size, and one request even when it is empty. The lower bound the scanner's request budget is
 * measured against.
 */
export function pagesNeeded(
  collectionPath: string,
  itemCount: number,
  options: PageLimitOptions = {},
): number {
  const limits = pageLimitsFor(collectionPath, options);
  if (!limits.paged || itemCount <= 0) return 1;
  return Math.ceil(itemCount / limits.maxSize);
}
