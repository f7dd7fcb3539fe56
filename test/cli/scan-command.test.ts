import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoFixture, SCHEDULE_REQUESTS_REFUSED } from '../support/demo-fixture.js';
import { expectConformsTo, SCAN_REPORT_SCHEMA } from '../support/published-schemas.js';
import { runPimwatch } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pimwatch-cli-'));
const NOW = '2026-11-01T09:00:00Z';

function noStackTrace(text: string) {
  expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
}

describe('pimwatch scan', () => {
  it('scans a fixture with a 403 on directory audits: one alert unknown, six computed, exit 3', async () => {
    const fixture = await demoFixture({
      faults: { 'auditLogs/directoryAudits': { status: 403, code: 'Authorization_RequestDenied' } },
    });
    const path = join(dir, 'no-audits.json');
    writeFileSync(path, JSON.stringify(fixture));
    const out = join(dir, 'no-audits-report.json');
    const run = await runPimwatch([
      'scan',
      '--fixture',
      path,
      '--now',
      NOW,
      '--config',
      'fixtures/demo/config.yaml',
      '--format',
      'json',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(3);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.complete).toBe(false);
    // A partial scan's report conforms to the published schema too.
    expectConformsTo(SCAN_REPORT_SCHEMA, [report]);
    expect(report.sources.directoryAudits).toMatchObject({ status: 'failed' });
    expect(report.sources.directoryAudits.cause).toContain('403 Authorization_RequestDenied');
    expect(report.detectors.RolesAssignedOutsidePimAlert.status).toBe('unknown');
    expect(report.detectors.RolesAssignedOutsidePimAlert.cause).toContain('directoryAudits');
    const others = Object.entries(report.detectors).filter(
      ([alert]) => alert !== 'RolesAssignedOutsidePimAlert',
    );
    expect(others).toHaveLength(6);
    for (const [alert, detector] of others) expect((detector as { status: string }).status, alert).toBe('ok');
    expect(
      report.incidents.filter(
        (i: { alert: string; classification: string }) =>
          i.alert === 'RolesAssignedOutsidePimAlert' && i.classification !== 'graphOnly',
      ),
    ).toEqual([]);
  });

  it('scans a fixture whose schedule requests answer 403: complete but degraded, exit 0, each alert says why', async () => {
    const fixture = await demoFixture({
      faults: SCHEDULE_REQUESTS_REFUSED,
    });
    const path = join(dir, 'no-requests.json');
    writeFileSync(path, JSON.stringify(fixture));
    const run = await runPimwatch([
      'scan',
      '--fixture',
      path,
      '--now',
      NOW,
      '--config',
      'fixtures/demo/config.yaml',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const why = 'scheduleRequests: 403 Authorization_RequestDenied, using the audit log';
    expect(run.stdout).toContain(`complete, degraded (activation history from the audit log: ${why})`);
    // Once under each of the two alerts that read activation history.
    expect(run.stdout.split(`  activation history: auditLog (${why})`)).toHaveLength(3);
    expect(run.stdout).toContain(
      '  note: lastActivationDateTime is null where the last activation is older than 30 days',
    );
    expect(run.stdout).not.toContain('PARTIAL');
    noStackTrace(run.stderr);
  });
});

describe('pimwatch scan output', () => {
  it('prints the demo as a table by default and exits 0', async () => {
    const run = await runPimwatch(['scan', '--demo', '--no-outbox']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^pimwatch scan of Harbourline Freight/);
    for (const alert of [
      'TooManyGlobalAdminsAssignedToTenantAlert',
      'StaleSignInAlert',
      'InvalidLicenseAlert',
    ]) {
      expect(run.stdout).toContain(alert);
    }
    expect(run.stdout).toContain('Thresholds');
  });

  it('exits 4 with --fail-on when an incident at that severity exists, markdown on request', async () => {
    const run = await runPimwatch([
      'scan',
      '--demo',
      '--no-outbox',
      '--fail-on',
      'high',
      '--format',
      'markdown',
    ]);
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/^# pimwatch scan: Harbourline Freight/);
    expect(run.stdout).toContain('| State | PIM | Principal | Role | Details |');
  });
});

describe('pimwatch scan refusals', () => {
  it('refuses a missing fixture naming the file, exit 2, no stack trace', async () => {
    const run = await runPimwatch(['scan', '--fixture', join(dir, 'nope.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(join(dir, 'nope.json'));
    expect(run.stderr.toLowerCase()).toContain('not found');
    noStackTrace(run.stderr);
  });

  it('refuses a fixture that is not valid, naming the file and the problem', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"tenantId": "not-a-guid", "resources": {"users": {}}}');
    const run = await runPimwatch(['scan', '--fixture', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(bad);
    expect(run.stderr).toContain('tenantId');
    expect(run.stderr).toContain('resources.users');
    noStackTrace(run.stderr);
  });

  it.each([
    ['scan', '--fixture'],
    ['emulator', '--fixture'],
  ])(
    '%s %s refuses a tenant Entra cannot hold: a group inside a role-assignable group, exit 2, group named',
    async (command, flag) => {
      const fixture = await demoFixture();
      const groups = fixture.resources.groups ?? [];
      const tier0 = groups.find((g) => g.displayName === 'RG-Tier0-GlobalAdmins')!;
      const leads = groups.find((g) => g.displayName === 'RG-Tier0-CloudLeads')!;
      const members = fixture.resources[`groups/${String(tier0.id)}/members`]!;
      members.push({ '@odata.type': '#microsoft.graph.group', id: leads.id, displayName: leads.displayName });
      const bad = join(dir, `nested-${command}.json`);
      writeFileSync(bad, JSON.stringify(fixture));
      const run = await runPimwatch([command!, flag!, bad]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(bad);
      expect(run.stderr).toContain(
        `resources.groups/${String(tier0.id)}/members[${members.length - 1}]: group 'RG-Tier0-CloudLeads' (${String(leads.id)}) is a member of role-assignable group 'RG-Tier0-GlobalAdmins'`,
      );
      expect(run.stdout).not.toContain('Graph emulator serving');
      noStackTrace(run.stderr);
    },
  );

  it('lists every configuration problem and exits 2', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(
      config,
      'tenants:\n  - id: 123\n    name: ""\n    credential: { type: clientSecret, clientId: app }\nredis: { url: http://x }\n',
    );
    const run = await runPimwatch(['scan', '--demo', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(config);
    expect(run.stderr).toContain('tenants[0].id');
    expect(run.stderr).toContain('tenants[0].name');
    expect(run.stderr).toContain('tenants[0].credential.clientSecret: required');
    expect(run.stderr).toContain('redis.url');
    noStackTrace(run.stderr);
  });

  it('explains usage mistakes with exit 2', async () => {
    const none = await runPimwatch(['scan']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('exactly one of --demo, --fixture FILE or --tenant ID');
    const badNow = await runPimwatch(['scan', '--demo', '--now', 'yesterday']);
    expect(badNow.code).toBe(2);
    expect(badNow.stderr).toContain('--now must be an ISO-8601 time');
    const unknownTenant = await runPimwatch(['scan', '--tenant', '8f6a1d2e-4b7c-4e3a-9d1f-2c5b7a9e0f13']);
    expect(unknownTenant.code).toBe(2);
    expect(unknownTenant.stderr).toContain('is not in the configuration');
  });
});
