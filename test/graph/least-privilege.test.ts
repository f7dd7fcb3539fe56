import { afterAll, describe, expect, it } from 'vitest';
import { detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { DETECTORS } from '../../src/detectors/registry.js';
import { runDetectors } from '../../src/detectors/run.js';
import { collectSnapshot } from '../../src/graph/snapshot.js';
import { requiredPermissions, SOURCES } from '../../src/graph/sources.js';
import { ALERT_IDS, type AlertId } from '../../src/model/alerts.js';
import { SOURCE_NAMES, type SourceName } from '../../src/model/snapshot.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { demoFixture, demoNow, THIRTY_DAYS_MS } from '../support/demo-fixture.js';

const APP = '9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4';
const open: EmulatedTenant[] = [];
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
});

interface LeastPrivilegeScan {
  failed: SourceName[];
  complete: boolean;
  historySource: string | null;
  /** Alerts that could not be judged. */
  unknown: AlertId[];
  /** Alerts whose declared sources include one that failed: what "partial in exactly these" means. */
  needingFailed: AlertId[];
}

/** Scans the demo as an application holding exactly `permissions`. */
async function scanWith(permissions: string[]): Promise<LeastPrivilegeScan> {
  const fixture = await demoFixture({
    applications: [{ clientId: APP, clientSecret: 'least', permissions }],
  });
  const tenant = await startEmulatedTenant(fixture);
  open.push(tenant);
  const session = tenant.openSession();
  try {
    const now = await demoNow();
    const snapshot = await collectSnapshot(session.http, {
      tenantId: fixture.tenantId,
      now,
      auditLookBackMs: THIRTY_DAYS_MS,
    });
    const failed = SOURCE_NAMES.filter((s) => snapshot.sources[s].status === 'failed');
    const outcomes = runDetectors({ snapshot, config: detectorsConfigSchema.parse({}), now });
    return {
      failed,
      complete: snapshot.complete,
      historySource: snapshot.activationHistory.source,
      unknown: ALERT_IDS.filter((alert) => outcomes[alert].status === 'unknown'),
      needingFailed: DETECTORS.filter((d) => d.meta.sources.some((s) => failed.includes(s))).map(
        (d) => d.meta.alert,
      ),
    };
  } finally {
    await session.close();
  }
}

describe("a scan by an application holding exactly the README's required permissions", () => {
  it('is complete: the schedule requests are refused and activation history comes from the audit log', async () => {
    const scan = await scanWith(requiredPermissions());
    expect(scan).toMatchObject({ failed: [], complete: true, historySource: 'auditLog', unknown: [] });
  });

  it('with the optional write permission added, reads activation history from the schedule requests', async () => {
    const scan = await scanWith([...requiredPermissions(), 'RoleAssignmentSchedule.ReadWrite.Directory']);
    expect(scan).toMatchObject({ failed: [], complete: true, historySource: 'scheduleRequests' });
  });

  it.each(requiredPermissions())(
    'without %s, the scan is partial, and only in the sources and alerts that need it',
    async (missing) => {
      const granted = requiredPermissions().filter((p) => p !== missing);
      const scan = await scanWith(granted);
      // What the table predicts: sources the remaining permissions do not cover (sign-in activity and
      // principal lookups are read only when a tenant needs them, so the prediction may be wider).
      const predicted = SOURCE_NAMES.filter((name) =>
        SOURCES[name].permissions.some((choice) => !choice.some((p) => granted.includes(p))),
      );
      expect(scan.complete).toBe(false);
      expect(scan.failed.length).toBeGreaterThan(0);
      for (const source of scan.failed) expect(predicted, `${source} failed`).toContain(source);
      expect(scan.unknown).toEqual(scan.needingFailed);
    },
  );
});
