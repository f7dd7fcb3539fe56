import { afterEach, describe, expect, it } from 'vitest';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { collectSnapshot } from '../../src/graph/snapshot.js';
import { SOURCE_NAMES } from '../../src/model/snapshot.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { demoFixture, demoNow, SCHEDULE_REQUESTS_REFUSED, THIRTY_DAYS_MS } from '../support/demo-fixture.js';
import { requestBudget } from '../support/request-budget.js';

const open: EmulatedTenant[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function scan(fixture: TenantFixture, graph: Parameters<typeof startEmulatedTenant>[1] = {}) {
  const tenant = await startEmulatedTenant(fixture, graph);
  open.push(tenant);
  const session = tenant.openSession();
  const now = await demoNow();
  const snapshot = await collectSnapshot(session.http, {
    tenantId: fixture.tenantId,
    now,
    auditLookBackMs: THIRTY_DAYS_MS,
  });
  await session.close();
  return { snapshot, tenant, now };
}

describe('collectSnapshot against the demo tenant (real Graph client, HTTPS, token endpoint)', () => {
  it('falls back to PIM audit records at exactly the lower bound when schedule requests answer 403', async () => {
    const fixture = await demoFixture({
      faults: SCHEDULE_REQUESTS_REFUSED,
      // Small audit pages, so the activation records take several.
      pageSizes: { 'auditLogs/directoryAudits': 20 },
    });
    // Counting requests, not pacing: Graph's 5-per-10-seconds audit pace is lifted here.
    const { snapshot, tenant, now } = await scan(fixture, {
      graph: { rateLimits: { signInActivityPerMinute: 1000, reportsPer10Seconds: 1000 } },
    });
    const budget = requestBudget(fixture, { now, auditLookBackMs: THIRTY_DAYS_MS });
    expect(snapshot.complete).toBe(true);
    expect(snapshot.activationHistory.source).toBe('auditLog');
    expect(budget.bySource.roleAssignmentScheduleRequests).toBe(1);
    expect(budget.bySource.pimActivationAudits).toBeGreaterThan(1);
    for (const name of SOURCE_NAMES)
      expect(snapshot.sources[name].requests, name).toBe(budget.bySource[name] ?? 0);
    expect(snapshot.graphRequests.logical).toBe(budget.total);
    expect(tenant.emulator.stats.logicalRequests).toBe(budget.total);
    // The same records give role activations and PIM for Groups membership activations.
    expect(
      snapshot.activationHistory.activations.length + snapshot.activationHistory.groupActivations.length,
    ).toBe(budget.sizes['auditLogs/directoryAudits (PIM activations)']!);
    expect(snapshot.activationHistory.groupActivations).toHaveLength(5);
  });

  it('reads every source and makes exactly the lower bound of Graph requests', async () => {
    const fixture = await demoFixture();
    const { snapshot, tenant, now } = await scan(fixture);
    const budget = requestBudget(fixture, { now, auditLookBackMs: THIRTY_DAYS_MS });

    expect(snapshot.complete).toBe(true);
    for (const name of SOURCE_NAMES) {
      expect(snapshot.sources[name].status, name).not.toBe('failed');
      expect(snapshot.sources[name].requests, name).toBe(budget.bySource[name] ?? 0);
    }
    expect(snapshot.graphRequests.logical).toBe(budget.total);
    // The emulator counted the same requests independently (inner $batch requests one by one).
    expect(tenant.emulator.stats.logicalRequests).toBe(budget.total);
    expect(snapshot.graphRequests.http).toBeLessThan(budget.total);
    expect(snapshot.graphRequests.throttled).toBe(0);
  });

  it('budgets the look-up of a member nothing types (a deleted member) and makes exactly that', async () => {
    const fixture = await demoFixture();
    const soc = fixture.resources.groups!.find((g) => g.displayName === 'RG-SOC-Analysts')!;
    const gone = '0a1b2c3d-0000-4000-8000-00000000dead';
    fixture.resources[`groups/${String(soc.id)}/members`]!.push({ id: gone });
    fixture.deletedObjects = [...(fixture.deletedObjects ?? []), { id: gone, type: 'user' }];
    const { snapshot, now } = await scan(fixture);
    const budget = requestBudget(fixture, { now, auditLookBackMs: THIRTY_DAYS_MS });
    const plain = requestBudget(await demoFixture(), { now, auditLookBackMs: THIRTY_DAYS_MS });
    // Looked up as a user, then as a service principal; found as neither.
    expect(budget.bySource.principalLookup).toBe((plain.bySource.principalLookup ?? 0) + 2);
    expect(snapshot.sources.principalLookup.requests).toBe(budget.bySource.principalLookup);
    expect(snapshot.graphRequests.logical).toBe(budget.total);
    expect(snapshot.principals.get(gone)?.type ?? 'unknown').toBe('unknown');
  });

  it('maps Graph into the domain model', async () => {
    const fixture = await demoFixture();
    const { snapshot } = await scan(fixture);
    const res = fixture.resources;
    expect(snapshot.tenantId).toBe(fixture.tenantId);
    expect(snapshot.pimOnboarded).toBe(true);
    expect(snapshot.grants).toHaveLength(
      res['roleManagement/directory/roleAssignmentScheduleInstances']!.length +
        res['roleManagement/directory/roleEligibilityScheduleInstances']!.length,
    );
    expect(snapshot.roleDefinitions.size).toBe(res['roleManagement/directory/roleDefinitions']!.length);
    expect(snapshot.policies.size).toBe(res['policies/roleManagementPolicyAssignments']!.length);
    expect(snapshot.skus).toHaveLength(res.subscribedSkus!.length);
    expect(snapshot.graphAlerts.alerts.size).toBe(7);
    expect(snapshot.graphAlerts.configurations.size).toBe(7);
    // Every grant names a role by its template id, and every holder is known by type.
    for (const grant of snapshot.grants) {
      expect(snapshot.roleDefinitions.has(grant.roleTemplateId), grant.id).toBe(true);
      expect(snapshot.principals.get(grant.principalId)?.type, grant.principalId).toMatch(
        /user|group|servicePrincipal/,
      );
    }
    // A user PIM still lists but who no longer exists is recognised as deleted.
    const graphAssignees = [...snapshot.graphAlerts.alerts.values()].flatMap((a) =>
      a.incidents.map((i) => i.assigneeId),
    );
    const userIds = new Set(res.users!.map((u) => u.id));
    const deleted = graphAssignees.filter(
      (id): id is string => !!id && !userIds.has(id) && !res.servicePrincipals!.some((s) => s.id === id),
    );
    expect([...snapshot.deletedPrincipalIds].sort()).toEqual([...new Set(deleted)].sort());
    // Sign-in activity is read only for users, never for every user of the tenant.
    expect(snapshot.signIns.size).toBeGreaterThan(0);
    expect(snapshot.signIns.size).toBeLessThan(res.users!.length);
  });

  it('follows every page of multi-page collections and gets each object exactly once', async () => {
    const fixture = await demoFixture({
      pageSizes: {
        'roleManagement/directory/roleAssignmentScheduleInstances': 2,
        'roleManagement/directory/roleEligibilityScheduleInstances': 3,
        'roleManagement/directory/roleAssignmentScheduleRequests': 7,
        'roleManagement/directory/roleDefinitions': 5,
        'policies/roleManagementPolicyAssignments': 4,
        'auditLogs/directoryAudits': 6,
        'groups/*/members': 2,
        subscribedSkus: 2,
        'identityGovernance/roleManagementAlerts/alerts/*/alertIncidents': 3,
      },
    });
    const { snapshot, now } = await scan(fixture);
    const budget = requestBudget(fixture, { now, auditLookBackMs: THIRTY_DAYS_MS });
    expect(snapshot.complete).toBe(true);
    expect(snapshot.sources.roleAssignmentScheduleInstances.requests).toBeGreaterThan(5);
    expect(snapshot.graphRequests.logical).toBe(budget.total);
    const ids = snapshot.grants.map((g) => g.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(52);
    const selfService = fixture.resources['roleManagement/directory/roleAssignmentScheduleRequests']!.filter(
      (r) => String(r.action).startsWith('self') && ['Provisioned', 'Granted'].includes(String(r.status)),
    );
    expect(snapshot.activationHistory.source).toBe('scheduleRequests');
    expect(snapshot.activationHistory.activations).toHaveLength(selfService.length);
    const incidents = [...snapshot.graphAlerts.alerts.values()].reduce((n, a) => n + a.incidents.length, 0);
    const inFixture = fixture.resources['identityGovernance/roleManagementAlerts/alerts']!.reduce(
      (n, a) => n + ((a.alertIncidents as unknown[]) ?? []).length,
      0,
    );
    expect(incidents).toBe(inFixture);
    for (const [group, members] of snapshot.groupMembers) {
      expect(members).toHaveLength(fixture.resources[`groups/${group}/members`]?.length ?? 0);
    }
  });
});
