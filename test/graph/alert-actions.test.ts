import { afterEach, describe, expect, it } from 'vitest';
import { detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { runDetectors } from '../../src/detectors/run.js';
import { operationIdFromLocation, refreshAlerts, remediateIncident } from '../../src/graph/alert-actions.js';
import type { GraphSession } from '../../src/graph/session.js';
import { collectSnapshot } from '../../src/graph/snapshot.js';
import { type AlertId, graphAlertObjectId } from '../../src/model/alerts.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import { reconcile } from '../../src/reconcile/classify.js';
import { planRemediation } from '../../src/reconcile/remediation-plan.js';
import { effectiveDetectorsConfig } from '../../src/reconcile/thresholds.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { demoFixture, demoNow, THIRTY_DAYS_MS } from '../support/demo-fixture.js';

/** The demo tenant's planted incidents used below (see fixtures/demo/README.md). */
const HANNAH = '6ff87454-8389-481f-8a32-49d9ed78b20d';
const EXCHANGE_ADMIN = '29232cdf-9323-42fd-ade2-1d097af3e4de';
const DANIEL = 'ec2d5843-e103-4e05-beb5-9ae9e7398329';
const VICTOR = '5a18a96e-2431-4c9e-9ca8-935d74ab0b51';

const open: { tenant: EmulatedTenant; session: GraphSession }[] = [];
afterEach(async () => {
  for (const { tenant, session } of open.splice(0)) {
    await session.close();
    await tenant.close();
  }
});

async function demoTenant(options: Parameters<typeof startEmulatedTenant>[1] = {}) {
  const fixture = await demoFixture();
  const tenant = await startEmulatedTenant(fixture, options);
  const session = tenant.openSession();
  open.push({ tenant, session });
  return { tenant, http: session.http, tenantId: fixture.tenantId };
}

async function snapshotOf(http: GraphSession['http'], tenantId: string): Promise<TenantSnapshot> {
  return collectSnapshot(http, { tenantId, now: await demoNow(), auditLookBackMs: THIRTY_DAYS_MS });
}

/** A scan of the demo tenant: snapshot, detectors, reconciliation. */
async function scanned(http: GraphSession['http'], tenantId: string) {
  const snapshot = await snapshotOf(http, tenantId);
  const now = await demoNow();
  const { config, provenance } = effectiveDetectorsConfig({
    local: detectorsConfigSchema.parse({}),
    snapshot,
  });
  const outcomes = runDetectors({ snapshot, config, now });
  return { snapshot, ...reconcile({ snapshot, outcomes, config, provenance, now }) };
}

function ours(
  incidents: ReturnType<typeof reconcile>['incidents'],
  alert: AlertId,
  assigneeId: string,
): ReturnType<typeof reconcile>['incidents'][number] {
  const found = incidents.find((i) => i.alert === alert && i.assigneeId === assigneeId);
  if (!found) throw new Error(`no ${alert} incident for ${assigneeId}`);
  return found;
}

describe('refreshAlerts against the emulator (HTTPS, real Graph client)', () => {
  it('refreshes every alert and polls the operation until it succeeds', async () => {
    const { http } = await demoTenant();
    const result = await refreshAlerts(http, { pollIntervalMs: 5, timeoutMs: 10_000 });
    expect(result.outcome).toBe('succeeded');
    expect(result.operations).toHaveLength(1);
    const [operation] = result.operations;
    expect(operation).toMatchObject({
      alertId: null,
      outcome: 'succeeded',
      lastStatus: 'succeeded',
      polls: 2,
    });
    expect(operation!.location).toContain('/beta/identityGovernance/roleManagementAlerts/operations/');
    expect(operation!.resourceLocation).toMatch(/\/beta\/identityGovernance\/roleManagementAlerts\/alerts$/);
    expect(operation!.durationMs).toBeGreaterThan(0);
  });

  it('refreshes single alerts, each through its own operation', async () => {
    const { http, tenantId } = await demoTenant({ operationPollsUntilDone: 3 });
    const alertIds = (['StaleSignInAlert', 'RolesAssignedOutsidePimAlert'] as const).map((a) =>
      graphAlertObjectId(tenantId, a),
    );
    const result = await refreshAlerts(http, { alertIds, pollIntervalMs: 5, timeoutMs: 10_000 });
    expect(result.outcome).toBe('succeeded');
    expect(result.operations.map((op) => [op.alertId, op.operationId, op.polls])).toEqual(
      alertIds.map((id) => [id, `refresh:${id}`, 3]),
    );
    for (const op of result.operations)
      expect(op.resourceLocation).toMatch(new RegExp(`/alerts/${op.alertId}$`));
  });

  it('gives up at the time-out, saying the operation was still running', async () => {
    const { http } = await demoTenant({ operationPollsUntilDone: 1_000 });
    const result = await refreshAlerts(http, { pollIntervalMs: 20, timeoutMs: 400 });
    expect(result.outcome).toBe('timedOut');
    expect(result.operations[0]).toMatchObject({
      outcome: 'timedOut',
      lastStatus: 'running',
      resourceLocation: null,
    });
    expect(result.operations[0]!.polls).toBeGreaterThan(0);
  });

  it('reports a refresh of an alert PIM does not know as an error naming path, status and code', async () => {
    const { http } = await demoTenant();
    const result = await refreshAlerts(http, {
      alertIds: ['DirectoryRole_nope_StaleSignInAlert'],
      pollIntervalMs: 5,
      timeoutMs: 1_000,
    });
    expect(result.outcome).toBe('error');
    expect(result.operations[0]!.failure).toMatchObject({ status: 404, method: 'POST' });
    expect(result.operations[0]!.error).toMatch(
      /POST beta\/identityGovernance\/roleManagementAlerts\/alerts\/.*\/refresh: 404/,
    );
  });

  it.each([
    [
      'https://graph.microsoft.com/beta/identityGovernance/roleManagementAlerts/operations/5c5670d6-a2c0',
      '5c5670d6-a2c0',
    ],
    [
      'https://graph.microsoft.com/beta/identityGovernance/roleManagementAlerts/operations/refresh:DirectoryRole_t_StaleSignInAlert',
      'refresh:DirectoryRole_t_StaleSignInAlert',
    ],
    ['https://graph.microsoft.com/beta/identityGovernance/roleManagementAlerts/alerts/x', undefined],
  ])('reads the operation id from Location %s', (location, id) => {
    expect(operationIdFromLocation(location)).toBe(id);
  });
});

describe('planRemediation and remediateIncident against the emulator', () => {
  it('removes the assignment of a remediatable incident: a fresh snapshot no longer shows the holding', async () => {
    const { http, tenantId } = await demoTenant();
    const before = await scanned(http, tenantId);
    const hannah = ours(before.incidents, 'RolesAssignedOutsidePimAlert', HANNAH);
    expect(hannah.classification).toBe('both');
    expect(
      before.snapshot.grants.some((g) => g.principalId === HANNAH && g.roleTemplateId === EXCHANGE_ADMIN),
    ).toBe(true);

    const plan = planRemediation(before.snapshot, hannah);
    expect(plan).toMatchObject({
      possible: true,
      action: 'removeRoleAssignment',
      graphIncidentId: hannah.graphIncidentId,
      graphAlertId: graphAlertObjectId(tenantId, 'RolesAssignedOutsidePimAlert'),
    });
    expect(plan.summary).toMatch(/remove .*Hannah.* from Exchange Administrator/);

    const result = await remediateIncident(http, plan);
    expect(result).toMatchObject({ ok: true, status: 200 });

    const after = await snapshotOf(http, tenantId);
    expect(after.grants.some((g) => g.principalId === HANNAH && g.roleTemplateId === EXCHANGE_ADMIN)).toBe(
      false,
    );
    const pimIncidents = after.graphAlerts.alerts.get('RolesAssignedOutsidePimAlert')?.incidents ?? [];
    expect(pimIncidents.map((i) => i.id)).not.toContain(hannah.graphIncidentId);
  });

  it('plans nothing for a non-remediatable alert, and PIM answers 400 if asked anyway', async () => {
    const { http, tenantId } = await demoTenant();
    const { snapshot, incidents } = await scanned(http, tenantId);
    const daniel = ours(incidents, 'SequentialActivationRenewalsAlert', DANIEL);
    expect(daniel.classification).toBe('both');

    const plan = planRemediation(snapshot, daniel);
    expect(plan).toMatchObject({
      possible: false,
      blocker: 'notRemediatable',
      graphIncidentId: daniel.graphIncidentId,
    });
    expect(plan.summary).toMatch(/not remediatable/);

    // Our copy of the definition could be out of date: PIM itself must refuse, and say so clearly.
    const definitions = new Map(snapshot.graphAlerts.definitions);
    definitions.set('SequentialActivationRenewalsAlert', {
      ...definitions.get('SequentialActivationRenewalsAlert')!,
      isRemediatable: true,
    });
    const outdated = { ...snapshot, graphAlerts: { ...snapshot.graphAlerts, definitions } };
    const forced = planRemediation(outdated, daniel);
    expect(forced.possible).toBe(true);
    const result = await remediateIncident(http, forced);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure).toMatchObject({ status: 400, code: 'BadRequest', method: 'POST' });
    expect(result.error).toMatch(
      /^POST beta\/identityGovernance\/roleManagementAlerts\/alerts\/.*SequentialActivationRenewalsAlert\/alertIncidents\/.*\/remediate: 400 BadRequest/,
    );
  });

  it('explains why an incident PIM does not report cannot be remediated, and sends nothing', async () => {
    const { http, tenantId, tenant } = await demoTenant();
    const { snapshot, incidents } = await scanned(http, tenantId);
    const victor = ours(incidents, 'RolesAssignedOutsidePimAlert', VICTOR);
    expect(victor).toMatchObject({ classification: 'oursOnly', reason: 'graphScanStale' });

    const plan = planRemediation(snapshot, victor);
    expect(plan).toMatchObject({ possible: false, blocker: 'noGraphIncident', graphIncidentId: null });
    expect(plan.summary).toMatch(/PIM does not report this incident \(oursOnly, graphScanStale\)/);

    const requestsBefore = tenant.emulator.stats.logicalRequests;
    const result = await remediateIncident(http, plan);
    expect(result).toMatchObject({ ok: false });
    expect(tenant.emulator.stats.logicalRequests).toBe(requestsBefore);
  });
});
