import type { SourceName } from '../model/snapshot.js';
import { readActivationHistory } from './activation-history.js';
import type { GraphHttp } from './http.js';
import { readRoleAssignmentAudits } from './readers/directory-audits.js';
import { readOrganization } from './readers/organization.js';
import {
  readAlertConfigurations,
  readAlertDefinitions,
  readAlerts,
} from './readers/role-management-alerts.js';
import { readRolePolicies } from './readers/role-policies.js';
import { readSubscribedSkus } from './readers/subscribed-skus.js';
import type { CollectOptions } from './snapshot.js';
import type { FinishedSources } from './source-outcomes.js';

/** One read that needs nothing but the scan's options, and the sources its answer settles. */
interface TenantRead {
  settles: readonly SourceName[];
  read: (http: GraphHttp, options: CollectOptions) => Promise<unknown>;
}

/**
 * The reads that depend on no other answer, by name, started together in this order (the holders
 * branch, which does depend on earlier answers, is `readHolders`). A new tenant-wide source is one
 * entry here; its result comes back under the same name.
 */
const TENANT_READS = {
  organization: { settles: ['organization'], read: (http) => readOrganization(http) },
  subscribedSkus: { settles: ['subscribedSkus'], read: (http) => readSubscribedSkus(http) },
  // Two sources: the schedule requests and, when they are refused, PIM's audit records.
  activationHistory: {
    settles: ['roleAssignmentScheduleRequests', 'pimActivationAudits'],
    read: (http, options) =>
      readActivationHistory(http, { mode: options.activationHistory ?? 'auto', now: options.now }),
  },
  roleManagementPolicyAssignments: {
    settles: ['roleManagementPolicyAssignments'],
    read: (http) => readRolePolicies(http),
  },
  directoryAudits: {
    settles: ['directoryAudits'],
    read: (http, options) =>
      readRoleAssignmentAudits(http, new Date(options.now.getTime() - options.auditLookBackMs)),
  },
  alertDefinitions: { settles: ['alertDefinitions'], read: (http) => readAlertDefinitions(http) },
  alertConfigurations: { settles: ['alertConfigurations'], read: (http) => readAlertConfigurations(http) },
  alerts: { settles: ['alerts'], read: (http) => readAlerts(http) },
} as const satisfies Record<string, TenantRead>;

/** What each tenant-wide read gave, under its name. */
export type TenantReadResults = {
  -readonly [K in keyof typeof TENANT_READS]: Awaited<ReturnType<(typeof TENANT_READS)[K]['read']>>;
};

/** Every source `readTenantWide` settles. */
export const TENANT_SOURCES: readonly SourceName[] = Object.values(TENANT_READS).flatMap((r) => r.settles);

/** Runs every tenant-wide read at once, counting each one's sources as finished when it returns. */
export async function readTenantWide(
  http: GraphHttp,
  options: CollectOptions,
  finished: FinishedSources,
): Promise<TenantReadResults> {
  const reads: [string, TenantRead][] = Object.entries(TENANT_READS);
  const results = await Promise.all(
    reads.map(async ([name, { settles, read }]) => [
      name,
      await read(http, options).then(finished(settles.length)),
    ]),
  );
  return Object.fromEntries(results) as TenantReadResults;
}
