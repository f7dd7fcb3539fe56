import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDoctorCommand } from '../../src/cli/doctor-command.js';
import type { DoctorReport } from '../../src/doctor/run-doctor.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { requiredPermissions } from '../../src/graph/sources.js';
import { demoFixture } from '../support/demo-fixture.js';
import { runPimwatch } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pimwatch-doctor-'));
const APP = '3f6b1c2d-4e5f-4a6b-9c8d-7e6f5a4b3c2d';
const SECRET_ENV = 'PIMWATCH_TEST_DOCTOR_SECRET';
afterAll(() => {
  delete process.env[SECRET_ENV];
});

/** Runs doctor the way the command line does, with the fixture written to a file; returns exit code and output. */
async function doctor(args: { fixture?: TenantFixture; tenant?: string; config?: string }) {
  let path: string | undefined;
  if (args.fixture) {
    path = join(dir, `fixture-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(args.fixture));
  }
  let text = '';
  let json = '';
  const common = { ...(args.tenant ? { tenant: args.tenant } : {}), ...(path ? { fixture: path } : {}) };
  const code = await runDoctorCommand(
    { ...common, ...(args.config ? { config: args.config } : {}), format: 'table' },
    (t) => {
      text += t;
    },
  );
  await runDoctorCommand(
    { ...common, ...(args.config ? { config: args.config } : {}), format: 'json' },
    (t) => {
      json += t;
    },
  );
  return { code, text, report: JSON.parse(json) as DoctorReport };
}

/** A configuration with one tenant whose client secret comes from SECRET_ENV; returns its path. */
function writeTenantConfig(tenantId: string, graph: Record<string, string>): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  const credential = { type: 'clientSecret', clientId: APP, clientSecret: { env: SECRET_ENV } };
  writeFileSync(path, JSON.stringify({ tenants: [{ id: tenantId, name: 'Demo', credential }], graph }));
  return path;
}

/** The demo tenant with one application granted exactly `permissions`. */
async function demoWithApp(permissions: string[], extra: Partial<TenantFixture> = {}) {
  return demoFixture({
    applications: [{ clientId: APP, clientSecret: 'app-secret', permissions }],
    ...extra,
  });
}

describe('pimwatch doctor against the emulator (real @azure/identity credential)', () => {
  it('finds the demo ready when everything is granted: exit 0', async () => {
    const run = await doctor({ fixture: await demoFixture() });
    expect(run.code, run.text).toBe(0);
    expect(run.text).toMatch(/tenant .+: READY/);
    expect(run.report.alerts.map((a) => a.status)).toEqual(Array(7).fill('ready'));
    expect(run.report.adminConsentUrl).toBeUndefined();
  });

  it('calls a least-privileged app degraded: schedule requests are refused, activation history comes from the audit log (exit 3)', async () => {
    const run = await doctor({ fixture: await demoWithApp(requiredPermissions()) });
    expect(run.code, run.text).toBe(3);
    expect(run.report.roles).toEqual([...requiredPermissions()].sort());
    const degraded = run.report.alerts.filter((a) => a.status === 'degraded').map((a) => a.alert);
    expect(degraded.sort()).toEqual(['RedundantAssignmentAlert', 'SequentialActivationRenewalsAlert']);
    expect(run.text).toContain(
      'roleAssignmentScheduleRequests: GET v1.0/roleManagement/directory/roleAssignmentScheduleRequests: 403 Authorization_RequestDenied',
    );
    expect(run.text).toContain('using pimActivationAudits instead');
    expect(run.report.missingPermissions).toEqual([]);
    expect(run.report.alerts.filter((a) => a.status === 'blocked')).toEqual([]);
  });

  it('calls schedule requests answering 403 a degraded tenant and names the fallback (exit 3)', async () => {
    const fixture = await demoFixture({
      faults: {
        'roleManagement/directory/roleAssignmentScheduleRequests': {
          status: 403,
          code: 'Authorization_RequestDenied',
        },
      },
    });
    const run = await doctor({ fixture });
    expect(run.code, run.text).toBe(3);
    expect(run.report.reasons.join('\n')).toMatch(
      /roleAssignmentScheduleRequests: .*403.*using pimActivationAudits instead/,
    );
  });

  it('names a missing permission, the alerts it blocks and the admin-consent URL (exit 2)', async () => {
    const granted = requiredPermissions().filter((p) => p !== 'AuditLog.Read.All');
    const run = await doctor({ fixture: await demoWithApp(granted) });
    expect(run.code, run.text).toBe(2);
    expect(run.report.missingPermissions).toEqual(['AuditLog.Read.All']);
    const blocked = run.report.alerts.filter((a) => a.status === 'blocked').map((a) => a.alert);
    // Without the audit log there is neither the directory audit nor the activation-history fallback.
    expect(blocked.sort()).toEqual([
      'RedundantAssignmentAlert',
      'RolesAssignedOutsidePimAlert',
      'SequentialActivationRenewalsAlert',
      'StaleSignInAlert',
    ]);
    expect(run.text).toContain('Grant (application permissions): AuditLog.Read.All');
    expect(run.report.adminConsentUrl).toMatch(
      new RegExp(`^https://127\\.0\\.0\\.1:\\d+/${run.report.tenantId}/adminconsent\\?client_id=${APP}$`),
    );
  });

  it('without PIM for Groups, holdings alerts are degraded (not blocked) and the permission is asked for', async () => {
    const pimForGroups = 'PrivilegedEligibilitySchedule.Read.AzureADGroup';
    const granted = requiredPermissions().filter((p) => p !== pimForGroups);
    const run = await doctor({ fixture: await demoWithApp(granted) });
    expect(run.code, run.text).toBe(2);
    expect(run.report.missingPermissions).toEqual([pimForGroups]);
    const byStatus = (status: string) =>
      run.report.alerts
        .filter((a) => a.status === status)
        .map((a) => a.alert)
        .sort();
    expect(byStatus('blocked')).toEqual([]);
    expect(byStatus('degraded')).toEqual([
      'NoMfaOnRoleActivationAlert',
      'RedundantAssignmentAlert',
      'SequentialActivationRenewalsAlert',
      'StaleSignInAlert',
      'TooManyGlobalAdminsAssignedToTenantAlert',
    ]);
    expect(run.text).toContain('members through PIM for Groups are not counted');
  });

  it('tells which rule on directory audits the tenant enforces', async () => {
    const lenient = await doctor({ fixture: await demoWithApp(requiredPermissions()) });
    expect(lenient.report.directoryAuditsRule).toBe('auditLogAlone');
    const strict = await doctor({
      fixture: await demoWithApp(requiredPermissions(), {
        permissionRules: { directoryAuditsNeedDirectoryRead: true },
      }),
    });
    expect(strict.code).toBe(2);
    expect(strict.report.directoryAuditsRule).toBe('alsoDirectoryRead');
    expect(strict.report.missingPermissions).toContain('Directory.Read.All');
    expect(strict.text).toContain('this tenant also wants Directory.Read.All');
  });

  it('says so when the authority cannot be reached (exit 2, no AADSTS code)', async () => {
    const fixture = await demoWithApp(requiredPermissions());
    process.env[SECRET_ENV] = 'app-secret';
    // Nothing listens on port 1 of the loopback interface.
    const config = writeTenantConfig(fixture.tenantId, {
      baseUrl: 'https://127.0.0.1:1',
      authorityHost: 'https://127.0.0.1:1',
    });
    const run = await doctor({ tenant: fixture.tenantId, config });
    expect(run.code, run.text).toBe(2);
    expect(run.text).toContain('Credential: FAILED: the authority could not be reached');
    expect(run.report.credential).not.toHaveProperty('code');
  });

  it('stops at a wrong client secret, explaining the AADSTS code in words (exit 2)', async () => {
    const fixture = await demoWithApp(requiredPermissions());
    const emulator = await startEmulator({ fixture });
    try {
      process.env[SECRET_ENV] = 'not-the-secret';
      const config = writeTenantConfig(fixture.tenantId, {
        baseUrl: emulator.baseUrl,
        authorityHost: emulator.authorityHost,
        caFile: emulator.caCertPath,
      });
      const run = await doctor({ tenant: fixture.tenantId, config });
      expect(run.code, run.text).toBe(2);
      expect(run.text).toContain('Credential: FAILED: AADSTS7000215: the client secret is wrong');
      expect(run.report.credential).toMatchObject({ ok: false, code: 7000215 });
      expect(run.text).not.toContain('not-the-secret');
    } finally {
      await emulator.close();
    }
  });

  it('runs from the command line: `pimwatch doctor --fixture demo --format json` exits 0', async () => {
    const run = await runPimwatch(['doctor', '--fixture', 'demo', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'ready', credential: { ok: true } });
    const usage = await runPimwatch(['doctor']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('exactly one of --tenant ID or --fixture FILE|demo');
  }, 60_000);
});
