import { afterEach, describe, expect, it } from 'vitest';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { collectSnapshot } from '../../src/graph/snapshot.js';
import { createTrust } from '../../src/graph/trust.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { demoFixture, demoNow, THIRTY_DAYS_MS } from '../support/demo-fixture.js';

const open: EmulatedTenant[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function scan(fixture: TenantFixture) {
  const tenant = await startEmulatedTenant(fixture, { graph: { maxRetries: 3, maxRetryDelaySeconds: 5 } });
  open.push(tenant);
  const session = tenant.openSession();
  const started = Date.now();
  const snapshot = await collectSnapshot(session.http, {
    tenantId: fixture.tenantId,
    now: await demoNow(),
    auditLookBackMs: THIRTY_DAYS_MS,
  });
  await session.close();
  return { snapshot, tenant, elapsedMs: Date.now() - started };
}

describe('Graph failures', () => {
  it('waits out a 429 with Retry-After and retries', async () => {
    const fixture = await demoFixture({
      faults: { subscribedSkus: { status: 429, code: 'TooManyRequests', retryAfter: 1.2, times: 1 } },
    });
    const { snapshot, elapsedMs } = await scan(fixture);
    expect(snapshot.sources.subscribedSkus).toMatchObject({ status: 'ok', requests: 2 });
    expect(snapshot.skus.length).toBeGreaterThan(0);
    expect(snapshot.graphRequests.throttled).toBe(1);
    expect(snapshot.graphRequests.retried).toBe(1);
    expect(elapsedMs).toBeGreaterThanOrEqual(1200);
    expect(snapshot.complete).toBe(true);
  });

  it('retries 503s inside a $batch (group members) until they succeed', async () => {
    const fixture = await demoFixture({
      faults: { 'groups/*/members': { status: 503, code: 'serviceNotAvailable', retryAfter: 0.2, times: 2 } },
    });
    const { snapshot } = await scan(fixture);
    expect(snapshot.sources.groupMembers.status).toBe('ok');
    expect(snapshot.graphRequests.retried).toBeGreaterThanOrEqual(2);
    expect(snapshot.complete).toBe(true);
  });

  it('marks a source failed on 403 and keeps the other sources intact', async () => {
    const fixture = await demoFixture({
      faults: {
        'auditLogs/directoryAudits': {
          status: 403,
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges to complete the operation.',
        },
      },
    });
    const { snapshot } = await scan(fixture);
    expect(snapshot.complete).toBe(false);
    expect(snapshot.sources.directoryAudits).toMatchObject({ status: 'failed', httpStatus: 403 });
    expect(snapshot.sources.directoryAudits.cause).toBe(
      'GET v1.0/auditLogs/directoryAudits: 403 Authorization_RequestDenied Insufficient privileges to complete the operation.',
    );
    expect(snapshot.audits).toEqual([]);
    // A permission problem is not retried.
    expect(snapshot.graphRequests.retried).toBe(0);
    const others = Object.entries(snapshot.sources).filter(([name]) => name !== 'directoryAudits');
    for (const [name, status] of others) expect(status.status, name).not.toBe('failed');
    expect(snapshot.grants.length).toBe(52);
    expect(snapshot.signIns.size).toBeGreaterThan(0);
  });

  it('reports truncated JSON as an error naming the path, after retrying it', async () => {
    const fixture = await demoFixture({
      faults: { 'roleManagement/directory/roleAssignmentScheduleRequests': { truncate: true } },
    });
    const { snapshot } = await scan(fixture);
    const source = snapshot.sources.roleAssignmentScheduleRequests;
    // The source's failure is kept; PIM's audit records stand in for it, so the scan stays complete.
    expect(snapshot.sources.pimActivationAudits.cause).toBeUndefined();
    expect(source.status).toBe('replaced');
    expect(source.cause).toMatch(
      /^GET v1\.0\/roleManagement\/directory\/roleAssignmentScheduleRequests: 200 response is not valid JSON/,
    );
    expect(source.requests).toBe(4);
    expect(snapshot.activationHistory.source).toBe('auditLog');
    expect(snapshot.activationHistory.reason).toBe(
      'scheduleRequests: unreadable response, using the audit log',
    );
    expect(snapshot.complete).toBe(true);
  });

  it('recovers when only one response was truncated', async () => {
    const fixture = await demoFixture({
      faults: { 'roleManagement/directory/roleEligibilityScheduleInstances': { truncate: true, nth: 1 } },
    });
    const { snapshot } = await scan(fixture);
    expect(snapshot.sources.roleEligibilityScheduleInstances).toMatchObject({ status: 'ok', requests: 2 });
    expect(snapshot.complete).toBe(true);
  });

  it('gives up on a 503 storm after the retry cap and says so', async () => {
    const fixture = await demoFixture({
      faults: { organization: { status: 503, code: 'serviceNotAvailable', retryAfter: 0.1 } },
    });
    const { snapshot } = await scan(fixture);
    expect(snapshot.sources.organization).toMatchObject({ status: 'failed', httpStatus: 503, requests: 4 });
    expect(snapshot.organization).toBeNull();
  });
});

describe('the mandatory scope filter on PIM alert collections', () => {
  const paths = [
    'identityGovernance/roleManagementAlerts/alerts',
    'identityGovernance/roleManagementAlerts/alertDefinitions',
    'identityGovernance/roleManagementAlerts/alertConfigurations',
    'policies/roleManagementPolicyAssignments',
  ];

  it('the emulator answers 400 without it', async () => {
    const tenant = await startEmulatedTenant(await demoFixture());
    open.push(tenant);
    const trust = createTrust(tenant.emulator.caCertPem);
    const token = tenant.emulator.issueToken();
    try {
      for (const path of paths) {
        const version = path.startsWith('identity') ? 'beta' : 'v1.0';
        const response = await fetch(`${tenant.emulator.baseUrl}/${version}/${path}`, {
          headers: { authorization: `Bearer ${token}` },
          dispatcher: trust.dispatcher,
        } as RequestInit);
        expect(response.status, path).toBe(400);
        const body = (await response.json()) as { error: { code: string } };
        expect(body.error.code, path).toBeTruthy();
      }
    } finally {
      await trust.close();
    }
  });

  it('the scanner always sends it: every alert source reads fine', async () => {
    const { snapshot } = await scan(await demoFixture());
    for (const source of [
      'alerts',
      'alertDefinitions',
      'alertConfigurations',
      'roleManagementPolicyAssignments',
    ] as const) {
      expect(snapshot.sources[source].status, source).toBe('ok');
      expect(snapshot.sources[source].items, source).toBeGreaterThan(0);
    }
  });
});
