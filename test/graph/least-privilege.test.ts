import { afterAll, describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../src/graph/snapshot.js';
import { requiredPermissions, SOURCES } from '../../src/graph/sources.js';
import { SOURCE_NAMES, type SourceName } from '../../src/model/snapshot.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { demoFixture, demoNow, THIRTY_DAYS_MS } from '../support/demo-fixture.js';

const APP = '9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4';
const open: EmulatedTenant[] = [];
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
});

/** The sources a scan of the demo fails to read when its application holds exactly `permissions`. */
async function failedSources(permissions: string[]): Promise<SourceName[]> {
  const fixture = await demoFixture({
    applications: [{ clientId: APP, clientSecret: 'least', permissions }],
  });
  const tenant = await startEmulatedTenant(fixture);
  open.push(tenant);
  const session = tenant.openSession();
  try {
    const snapshot = await collectSnapshot(session.http, {
      tenantId: fixture.tenantId,
      now: await demoNow(),
      auditLookBackMs: THIRTY_DAYS_MS,
    });
    return SOURCE_NAMES.filter((s) => snapshot.sources[s].status === 'failed');
  } finally {
    await session.close();
  }
}

describe("a scan by an application holding exactly the README's required permissions", () => {
  it('reads every source except the schedule requests, which need a write permission', async () => {
    expect(await failedSources(requiredPermissions())).toEqual(['roleAssignmentScheduleRequests']);
  });

  it('with the optional write permission added, reads everything', async () => {
    expect(
      await failedSources([...requiredPermissions(), 'RoleAssignmentSchedule.ReadWrite.Directory']),
    ).toEqual([]);
  });

  it.each(requiredPermissions())(
    'without %s, the scan is partial, and only in sources the table says need it',
    async (missing) => {
      const granted = requiredPermissions().filter((p) => p !== missing);
      const failed = await failedSources(granted);
      // What the table predicts: required sources the remaining permissions do not cover (the schedule
      // requests fail regardless; sign-in activity and principal lookups are read only when needed).
      const predicted = SOURCE_NAMES.filter((name) =>
        SOURCES[name].permissions.some((choice) => !choice.some((p) => granted.includes(p))),
      );
      expect(failed.length).toBeGreaterThan(1);
      for (const source of failed) expect(predicted, `${source} failed`).toContain(source);
    },
  );
});
