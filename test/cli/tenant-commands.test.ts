import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFixture } from '../support/demo-fixture.js';
import { runPimwatch } from '../support/run-cli.js';
import { type ServiceEnv, startServiceEnv } from '../support/service-harness.js';

const HANNAH = '6ff87454-8389-481f-8a32-49d9ed78b20d';
let env: ServiceEnv;
let tenantId: string;
let configPath: string;
let readOnlyConfigPath: string;

beforeAll(async () => {
  const fixture = await demoFixture();
  tenantId = fixture.tenantId;
  env = await startServiceEnv([fixture], { timeShiftTo: new Date() });
  configPath = env.writeConfig({
    tenants: [{ id: tenantId, name: 'Demo' }],
    graph: { allowWriteActions: true },
  }).path;
  readOnlyConfigPath = env.writeConfig({ tenants: [{ id: tenantId, name: 'Demo' }] }).path;
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

interface Record {
  fingerprint: string;
  alert: string;
  state: string;
  incident: { assigneeId?: string; classification: string };
}

async function incidents(state: string): Promise<Record[]> {
  const run = await runPimwatch(
    ['incidents', '--tenant', tenantId, '--config', configPath, '--state', state, '--format', 'json'],
    {
      env: env.env,
    },
  );
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record[];
}

describe('tenant commands against the emulator and a shared Redis', () => {
  it('scan, list, remediate (dry run, then --apply), PIM rescan, and the rescan shows the incident resolved', async () => {
    const scan = await runPimwatch(['scan', '--tenant', tenantId, '--config', configPath], { env: env.env });
    expect(scan.code, scan.stderr).toBe(0);
    const active = await incidents('active');
    const outside = active.find(
      (r) => r.alert === 'RolesAssignedOutsidePimAlert' && r.incident.assigneeId === HANNAH,
    );
    expect(outside?.state).toBe('new');
    expect(outside?.incident.classification).toBe('both');

    const dryRun = await runPimwatch(
      ['remediate', '--tenant', tenantId, '--config', configPath, '--fingerprint', outside!.fingerprint],
      { env: env.env },
    );
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(/^plan: PIM will remove Hannah Lindqvist/);
    expect(dryRun.stdout).toContain('nothing changed: run again with --apply');

    const rescanDry = await runPimwatch(
      ['scan', '--tenant', tenantId, '--config', configPath, '--format', 'json'],
      {
        env: env.env,
      },
    );
    const stillThere = JSON.parse(rescanDry.stdout).incidents.find(
      (i: { fingerprint: string }) => i.fingerprint === outside!.fingerprint,
    );
    expect(stillThere?.state).toBe('open');

    const apply = await runPimwatch(
      [
        'remediate',
        '--tenant',
        tenantId,
        '--config',
        configPath,
        '--fingerprint',
        outside!.fingerprint,
        '--apply',
      ],
      { env: env.env },
    );
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('done: PIM accepted the remediation');

    const refresh = await runPimwatch(['graph-refresh', '--tenant', tenantId, '--config', configPath], {
      env: env.env,
    });
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(refresh.stdout).toMatch(/PIM rescan of Demo: succeeded/);

    const rescan = await runPimwatch(['scan', '--tenant', tenantId, '--config', configPath], {
      env: env.env,
    });
    expect(rescan.code, rescan.stderr).toBe(0);
    expect(rescan.stdout).toContain('1 resolved');
    const resolved = await incidents('resolved');
    expect(resolved.map((r) => r.fingerprint)).toContain(outside!.fingerprint);
  }, 120_000);

  it('refuses Graph write actions unless the configuration allows them', async () => {
    const refresh = await runPimwatch(
      ['graph-refresh', '--tenant', tenantId, '--config', readOnlyConfigPath],
      {
        env: env.env,
      },
    );
    expect(refresh.code).toBe(2);
    expect(refresh.stderr).toContain('graph.allowWriteActions');
    expect(refresh.stderr).toContain('RoleManagementAlert.ReadWrite.Directory');
  }, 60_000);
});

describe('suppress against a shared Redis', () => {
  it('suppresses an incident with a reason and an expiry, and refuses one beyond 90 days', async () => {
    const active = await incidents('active');
    const target = active.find((r) => r.alert === 'StaleSignInAlert')!;
    const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const ok = await runPimwatch(
      [
        'suppress',
        '--tenant',
        tenantId,
        '--config',
        configPath,
        '--fingerprint',
        target.fingerprint,
        '--reason',
        'Shared reporting account, owner on leave',
        '--until',
        inTenDays,
        '--author',
        'alice',
      ],
      { env: env.env },
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^suppression \S+ added for Demo until /);

    const tooLong = await runPimwatch(
      [
        'suppress',
        '--tenant',
        tenantId,
        '--config',
        configPath,
        '--fingerprint',
        target.fingerprint,
        '--reason',
        'forever please',
        '--until',
        new Date(Date.now() + 120 * 86_400_000).toISOString(),
      ],
      { env: env.env },
    );
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('expiresAt');
    expect(tooLong.stderr).toContain('90 days');
  }, 60_000);
});
