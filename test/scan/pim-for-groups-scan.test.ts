import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { demoFixture, demoNow } from '../support/demo-fixture.js';
import { incidentKey, scanFixture } from '../support/scan-harness.js';

/**
 * The demo tenant's PIM for Groups tier, scanned end to end (emulator over HTTPS, the real Graph client):
 * "Tier 0 Admins" is eligible for Global Administrator and Privileged Role Administrator, and people are
 * eligible members (or the owner) of it. Planted in `src/fixtures/demo-tenant.ts`.
 */
const GA = '62e90394-69f5-4237-9190-012177145e10';
const PRA = 'e8611ab8-c189-46e8-94e1-60213ab1f814';

/** The tier's people, by their part in it (display names as in the demo). */
const PEOPLE = {
  idle: 'Rhys Calloway (Admin)', // eligible a year, never activates
  runner: 'Ingrid Halvorsen (Admin)', // activates back to back
  stale: 'Declan Moore (Admin)', // has not signed in for 90 days
  recent: 'Farah Qureshi (Admin)', // near miss: eligible for five days
  owner: 'Paul Whitaker (Admin)', // owns the group: holds nothing
  steady: 'Leila Brandt (Admin)', // near miss: activated twice, weeks apart
};

async function tierPeople(): Promise<Map<string, string>> {
  const fixture = await demoFixture();
  const byName = new Map((fixture.resources.users ?? []).map((u) => [String(u.displayName), String(u.id)]));
  return new Map(
    Object.entries(PEOPLE).map(([part, displayName]) => {
      const id = byName.get(displayName);
      if (!id) throw new Error(`${displayName} is not in the demo tenant`);
      return [id, part];
    }),
  );
}

const roleName = (id: string | undefined) => (id === GA ? 'GA' : id === PRA ? 'PRA' : (id ?? '-'));

function describeTier(
  incidents: readonly { alert: string; assigneeId?: string; roleTemplateId?: string }[],
  people: Map<string, string>,
): string[] {
  // TooManyGlobalAdmins incidents name no role (design section 3: one per holder).
  return incidents
    .filter((i) => i.assigneeId && people.has(i.assigneeId))
    .map(
      (i) =>
        `${i.alert.replace(/Alert$/, '')} ${people.get(i.assigneeId!)} ${
          i.alert === 'TooManyGlobalAdminsAssignedToTenantAlert' ? '-' : roleName(i.roleTemplateId)
        }`,
    )
    .sort();
}

async function tierIncidents(activationHistory: 'scheduleRequests' | 'auditLog') {
  const now = await demoNow();
  const result = await scanFixture(await demoFixture(), { now, activationHistory });
  expect(result.report.complete).toBe(true);
  const ours = result.report.incidents.filter((i) => i.classification !== 'graphOnly');
  return { tier: describeTier(ours, await tierPeople()), all: result.report.incidents };
}

const EXPECTED = [
  'RedundantAssignment idle GA',
  'RedundantAssignment idle PRA',
  'RedundantAssignment stale GA',
  'RedundantAssignment stale PRA',
  'SequentialActivationRenewals runner GA',
  'SequentialActivationRenewals runner PRA',
  'StaleSignIn stale GA',
  'StaleSignIn stale PRA',
  'TooManyGlobalAdminsAssignedToTenant idle -',
  'TooManyGlobalAdminsAssignedToTenant recent -',
  'TooManyGlobalAdminsAssignedToTenant runner -',
  'TooManyGlobalAdminsAssignedToTenant stale -',
  'TooManyGlobalAdminsAssignedToTenant steady -',
];

describe("the demo tenant's PIM for Groups tier (emulator, real Graph client)", () => {
  it('is listed in the expectation files, and reconciled as both (PIM reports it too)', async () => {
    const people = await tierPeople();
    const expected = JSON.parse(readFileSync('fixtures/demo/expected-incidents.json', 'utf8')) as {
      alert: string;
      assigneeId?: string;
      roleTemplateId?: string;
    }[];
    expect(describeTier(expected, people)).toEqual(EXPECTED);
    const reconciliation = JSON.parse(readFileSync('fixtures/demo/expected-reconciliation.json', 'utf8')) as {
      alert: string;
      assigneeId?: string;
      roleTemplateId?: string;
      classification: string;
    }[];
    const tierRows = reconciliation.filter((r) => r.assigneeId && people.has(r.assigneeId));
    expect(describeTier(tierRows, people)).toEqual(EXPECTED);
    expect(new Set(tierRows.map((r) => r.classification))).toEqual(new Set(['both']));
  });

  it('reports its planted incidents, and none for the near misses or the owner', async () => {
    const { tier, all } = await tierIncidents('scheduleRequests');
    expect(tier).toEqual(EXPECTED);
    const people = await tierPeople();
    const ownerId = [...people].find(([, part]) => part === 'owner')![0];
    expect(all.filter((i) => i.assigneeId === ownerId)).toEqual([]);
    const expected = JSON.parse(readFileSync('fixtures/demo/expected-incidents.json', 'utf8')) as {
      alert: string;
      assigneeId?: string;
      roleTemplateId?: string;
    }[];
    expect(
      all
        .filter((i) => i.classification !== 'graphOnly')
        .map(incidentKey)
        .sort(),
    ).toEqual(expected.map(incidentKey).sort());
  }, 60_000);

  it('finds the same from PIM audit records as from the schedule requests', async () => {
    const { tier } = await tierIncidents('auditLog');
    expect(tier).toEqual(EXPECTED);
  }, 60_000);
});
