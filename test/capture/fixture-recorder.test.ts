import { describe, expect, it } from 'vitest';
import { FixtureRecorder } from '../../src/capture/fixture-recorder.js';
import { fixtureViolations } from '../../src/emulator/fixture-rules.js';
import type { GraphRequestSpec } from '../../src/graph/http.js';

const ALERTS = 'identityGovernance/roleManagementAlerts/alerts';
const GA = '62e90394-69f5-4237-9190-012177145e10';
const ALICE = '0b7c5e1a-2f3d-4c6b-9a8e-1d2c3b4a5f60';
const GONE = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';

function spec(path: string, query?: Record<string, string>): GraphRequestSpec {
  return { version: 'v1.0', path, throttle: 'directory', ...(query ? { query } : {}) };
}

function ok(body: unknown) {
  return { ok: true as const, value: { status: 200, headers: {}, body } };
}

describe('FixtureRecorder', () => {
  it('merges pages, folds sub-collections inline, moves principals out and lists the missing as deleted', () => {
    const recorder = new FixtureRecorder();
    const filter = "scopeId eq '/' and scopeType eq 'DirectoryRole'";
    recorder.observe(
      spec(ALERTS, { $filter: filter, $select: 'id,incidentCount' }),
      ok({
        value: [{ id: 'a1', incidentCount: 1 }],
        '@odata.nextLink': `https://graph.example/v1.0/${ALERTS}?$skiptoken=x`,
      }),
    );
    recorder.observe(
      spec(`https://graph.example/v1.0/${ALERTS}?$filter=${encodeURIComponent(filter)}&$skiptoken=x`),
      ok({
        value: [{ id: 'a2', incidentCount: 0 }],
      }),
    );
    recorder.observe(spec(`${ALERTS}/a1/alertIncidents`), ok({ value: [{ id: 'i1', assigneeId: GONE }] }));
    recorder.observe(
      spec('roleManagement/directory/roleAssignments', { $expand: 'principal' }),
      ok({
        value: [
          {
            id: 'r1',
            principalId: ALICE,
            roleDefinitionId: GA,
            principal: {
              '@odata.type': '#microsoft.graph.user',
              id: ALICE,
              userPrincipalName: 'alice@x.example',
            },
          },
        ],
      }),
    );
    recorder.observe(
      spec('users', { $select: 'id,signInActivity' }),
      ok({
        value: [{ id: ALICE, signInActivity: { lastSignInDateTime: '2026-10-01T00:00:00Z' } }],
      }),
    );
    recorder.observe(
      spec('roleManagement/directory/roleDefinitions'),
      ok({ value: [{ id: GA, templateId: GA }] }),
    );
    recorder.observe(spec('subscribedSkus'), {
      ok: false,
      failure: {
        kind: 'http',
        status: 403,
        code: 'Authorization_RequestDenied',
        method: 'GET',
        path: 'subscribedSkus',
        version: 'v1.0',
        message: 'denied',
      },
    });

    const fixture = recorder.toFixture(
      '2c022015-e8d8-4e8d-8fc1-ebb03ec91778',
      new Date('2026-11-01T09:00:00Z'),
    );
    // Properties the request filtered on come back although `$select` left them out.
    expect(fixture.resources[ALERTS]).toEqual([
      {
        id: 'a1',
        incidentCount: 1,
        scopeId: '/',
        scopeType: 'DirectoryRole',
        alertIncidents: [{ id: 'i1', assigneeId: GONE }],
      },
      { id: 'a2', incidentCount: 0, scopeId: '/', scopeType: 'DirectoryRole' },
    ]);
    expect(fixture.resources[`${ALERTS}/a1/alertIncidents`]).toBeUndefined();
    expect(fixture.resources['roleManagement/directory/roleAssignments']).toEqual([
      { id: 'r1', principalId: ALICE, roleDefinitionId: GA },
    ]);
    expect(fixture.resources.users).toEqual([
      {
        id: ALICE,
        signInActivity: { lastSignInDateTime: '2026-10-01T00:00:00Z' },
        userPrincipalName: 'alice@x.example',
      },
    ]);
    expect(fixture.deletedObjects).toEqual([{ id: GONE }]);
    expect(fixture.faults).toEqual({
      subscribedSkus: expect.objectContaining({ status: 403, code: 'Authorization_RequestDenied' }),
    });
    expect(fixture.referenceTime).toBe('2026-11-01T09:00:00.000Z');
    expect(fixtureViolations(fixture)).toEqual([]);
  });

  it('ignores writes: only what a scan reads is recorded', () => {
    const recorder = new FixtureRecorder();
    recorder.observe({ ...spec(`${ALERTS}/a1/refresh`), method: 'POST' }, ok({ value: [{ id: 'x' }] }));
    expect(recorder.toFixture('2c022015-e8d8-4e8d-8fc1-ebb03ec91778', new Date()).resources).toEqual({});
  });
});
