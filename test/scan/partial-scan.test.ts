import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DetectorsConfig, detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import type { Fault, TenantFixture } from '../../src/fixture-format/schema.js';
import type { ActivationHistoryMode } from '../../src/graph/activation-history.js';
import type { SourceName } from '../../src/model/snapshot.js';
import { RedisStateStore } from '../../src/store/redis-state-store.js';
import { demoFixture, demoNow } from '../support/demo-fixture.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { demoDetectorsConfig, scanFixture } from '../support/scan-harness.js';

const DENIED: Fault = { status: 403, code: 'Authorization_RequestDenied' };
const ROLES = 'roleManagement/directory';
const ALERTS = 'identityGovernance/roleManagementAlerts';
const PIM_GROUPS = 'identityGovernance/privilegedAccess/group';

/** A tenant never onboarded to PIM: its active holders come from plain `roleAssignments`. */
function withoutPim(fixture: TenantFixture): TenantFixture {
  delete fixture.resources[`${ROLES}/roleAssignmentScheduleInstances`];
  return fixture;
}

/**
 * Every source a scan reads, with the fault that makes it (and only it, where Graph's paths allow)
 * fail. A new source joins with one line here.
 */
const SOURCES: {
  source: SourceName;
  faults: Record<string, Fault | Fault[]>;
  tenant?: (f: TenantFixture) => TenantFixture;
  /** In `auto` a refused source of activation history is replaced by the other, so pin the mode. */
  activationHistory?: ActivationHistoryMode;
}[] = [
  { source: 'organization', faults: { organization: DENIED } },
  { source: 'subscribedSkus', faults: { subscribedSkus: DENIED } },
  { source: 'roleDefinitions', faults: { [`${ROLES}/roleDefinitions`]: DENIED } },
  { source: 'roleAssignments', faults: { [`${ROLES}/roleAssignments`]: DENIED }, tenant: withoutPim },
  {
    source: 'roleAssignmentScheduleInstances',
    faults: { [`${ROLES}/roleAssignmentScheduleInstances`]: DENIED },
  },
  {
    source: 'roleEligibilityScheduleInstances',
    faults: { [`${ROLES}/roleEligibilityScheduleInstances`]: DENIED },
  },
  {
    source: 'roleAssignmentScheduleRequests',
    faults: { [`${ROLES}/roleAssignmentScheduleRequests`]: DENIED },
    activationHistory: 'scheduleRequests',
  },
  // PIM's activation records share their path with the other audit records, so both fail here.
  {
    source: 'pimActivationAudits',
    faults: { 'auditLogs/directoryAudits': DENIED },
    activationHistory: 'auditLog',
  },
  {
    source: 'roleManagementPolicyAssignments',
    faults: { 'policies/roleManagementPolicyAssignments': DENIED },
  },
  { source: 'directoryAudits', faults: { 'auditLogs/directoryAudits': DENIED } },
  { source: 'groupMembers', faults: { 'groups/*/members': DENIED } },
  { source: 'pimGroupEligibilities', faults: { [`${PIM_GROUPS}/eligibilityScheduleInstances`]: DENIED } },
  { source: 'pimGroupAssignments', faults: { [`${PIM_GROUPS}/assignmentScheduleInstances`]: DENIED } },
  // The sign-in reads come first and go out as one $batch of 3; the principal lookup's come later.
  { source: 'signInActivity', faults: { users: { ...DENIED, times: 3 } } },
  { source: 'principalLookup', faults: { servicePrincipals: DENIED } },
  { source: 'alertDefinitions', faults: { [`${ALERTS}/alertDefinitions`]: DENIED } },
  { source: 'alertConfigurations', faults: { [`${ALERTS}/alertConfigurations`]: DENIED } },
  { source: 'alerts', faults: { [`${ALERTS}/alerts`]: DENIED } },
];

/**
 * The demo's settings with a local stale-sign-in look-back far from the tenant's: a scan that fell back
 * to local thresholds would find no stale accounts and resolve the tenant's ones (issue 13's 68).
 */
function detectorsFarFromTenant(duration = 'P3650D'): DetectorsConfig {
  const demo = demoDetectorsConfig();
  return detectorsConfigSchema.parse({
    ...demo,
    StaleSignInAlert: { ...demo.StaleSignInAlert, duration },
  });
}

let server: RedisServer;
let redis: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});
afterAll(async () => {
  await redis.quit();
  await server.stop();
});

describe('a scan with a failed source changes no incident (real Redis)', () => {
  it.each(SOURCES)(
    '$source fails',
    async ({ source, faults, tenant, activationHistory }) => {
      const prepare = async (changes: Partial<TenantFixture> = {}) =>
        (tenant ?? ((f) => f))(await demoFixture(changes));
      const store = new RedisStateStore({ redis, keyPrefix: `partial-${source}`, feedMaxLength: 10_000 });
      const detectors = detectorsFarFromTenant();
      const base = await demoNow();
      const at = (minutes: number) => new Date(base.getTime() + minutes * 60_000);
      const mode = activationHistory ? { activationHistory } : {};

      const clean = await scanFixture(await prepare(), { now: base, store, detectors, ...mode });
      expect(clean.report.complete).toBe(true);
      expect(clean.report.transitions.opened).toBeGreaterThan(0);

      const faulted = await scanFixture(await prepare({ faults }), { now: at(1), store, detectors, ...mode });
      expect(faulted.report.complete).toBe(false);
      expect(faulted.report.sources[source].status).toBe('failed');
      expect(faulted.transitions).toEqual([]);

      const again = await scanFixture(await prepare(), { now: at(2), store, detectors, ...mode });
      expect(again.report.complete).toBe(true);
      expect(again.transitions).toEqual([]);
      expect(again.report.lifecycleHolds).toEqual([]);
    },
    60_000,
  );

  it('says why the alerts held back when the tenant thresholds could not be read', async () => {
    const store = new RedisStateStore({ redis, keyPrefix: 'partial-report', feedMaxLength: 10_000 });
    const detectors = detectorsFarFromTenant();
    const base = await demoNow();
    await scanFixture(await demoFixture(), { now: base, store, detectors });
    const faulted = await scanFixture(
      await demoFixture({ faults: { [`${ALERTS}/alertConfigurations`]: DENIED } }),
      { now: new Date(base.getTime() + 60_000), store, detectors },
    );
    const stale = faulted.report.lifecycleHolds.find((h) => h.alert === 'StaleSignInAlert');
    expect(stale).toMatchObject({ resolve: true, open: true });
    expect(stale?.reason).toMatch(/alertConfigurations.*nothing was resolved.*thresholds could not be read/);
  }, 60_000);

  it('opens nothing that only a lower local threshold finds while the tenant thresholds are unreadable', async () => {
    const store = new RedisStateStore({ redis, keyPrefix: 'partial-open', feedMaxLength: 10_000 });
    const detectors = detectorsFarFromTenant('P1D');
    const base = await demoNow();
    await scanFixture(await demoFixture(), { now: base, store, detectors });
    const faulted = await scanFixture(
      await demoFixture({ faults: { [`${ALERTS}/alertConfigurations`]: DENIED } }),
      { now: new Date(base.getTime() + 60_000), store, detectors },
    );
    // The local look-back of one day finds more stale accounts than the tenant's own setting.
    expect(faulted.report.detectors.StaleSignInAlert.incidents).toBeGreaterThan(
      faulted.report.incidents.filter((i) => i.alert === 'StaleSignInAlert' && i.state).length,
    );
    expect(faulted.transitions).toEqual([]);
  }, 60_000);
});
