import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Capture, captureTenant } from '../../src/capture/capture-tenant.js';
import type { PseudonymMapping } from '../../src/capture/pseudonymize.js';
import { fixtureViolations } from '../../src/emulator/fixture-rules.js';
import { loadFixture } from '../../src/emulator/load-fixture.js';
import { fixtureSchema, type TenantFixture } from '../../src/fixture-format/schema.js';
import { generateTenant } from '../../src/fixtures/generate-tenant.js';
import { startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import type { ScanResult } from '../../src/scan/run-scan.js';
import { demoFixture, SCHEDULE_REQUESTS_REFUSED } from '../support/demo-fixture.js';
import { runPimwatch } from '../support/run-cli.js';
import { demoDetectorsConfig, incidentKey, scanFixture } from '../support/scan-harness.js';

const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const NOW = new Date('2026-11-01T09:00:00Z');

async function capture(fixture: TenantFixture, pseudonymize = true): Promise<Capture> {
  const emulated = await startEmulatedTenant(fixture);
  try {
    return await captureTenant({
      tenant: emulated.tenant,
      openSession: (options) => emulated.openSession(options),
      detectors: demoDetectorsConfig(),
      now: NOW,
      pseudonymize,
    });
  } finally {
    await emulated.close();
  }
}

/** Incident keys (alert, principal, role) with their classification, principals seen through `mapping`. */
function incidentKeys(result: ScanResult, mapping?: PseudonymMapping): string[] {
  return result.report.incidents
    .map((i) => {
      const id = i.assigneeId ? (mapping?.ids.get(i.assigneeId.toLowerCase()) ?? i.assigneeId) : null;
      return `${incidentKey({ ...i, assigneeId: id })}|${i.classification}`;
    })
    .sort();
}

/** Every display name, UPN, mail address and object id of the tenant's users, groups and service principals. */
function identifyingValues(fixture: TenantFixture): string[] {
  const values = new Set<string>();
  for (const path of ['users', 'groups', 'servicePrincipals']) {
    for (const item of fixture.resources[path] ?? []) {
      // Microsoft's own applications (MS-PIM) keep their names by design; their object ids do not.
      const keys =
        item.appOwnerOrganizationId === MICROSOFT_TENANT_ID
          ? ['id']
          : ['id', 'displayName', 'userPrincipalName', 'mail'];
      for (const key of keys) {
        const value = item[key];
        if (typeof value === 'string' && value !== '') values.add(value.toLowerCase());
      }
    }
  }
  return [...values];
}

/**
 * The demo's exclusions name principals by id; the replay of a pseudonymised capture is scanned with
 * them named by pseudonym, as a maintainer would after asking the reporter for the mapped ids.
 */
function replayDetectors(mapping: PseudonymMapping | undefined) {
  const detectors = demoDetectorsConfig();
  return {
    ...detectors,
    exclusions: detectors.exclusions.map((e) => ({
      ...e,
      ...('principalId' in e && e.principalId
        ? { principalId: mapping?.ids.get(e.principalId.toLowerCase()) ?? e.principalId }
        : {}),
    })),
  };
}

/** The GUIDs inside Graph's base64url role-and-principal ids (`lAPpYvVp...-1`) found in a text. */
function encodedGuids(text: string): string[] {
  const out: string[] = [];
  for (const token of text.match(/[A-Za-z0-9_-]{43}/g) ?? []) {
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== 32) continue;
    for (const half of [bytes.subarray(0, 16), bytes.subarray(16)]) {
      const h = half.toString('hex');
      const le = (s: string) => s.match(/../g)!.reverse().join('');
      out.push(
        `${le(h.slice(0, 8))}-${le(h.slice(8, 12))}-${le(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20)}`,
      );
    }
  }
  return out;
}

const tenants: { name: string; load: () => Promise<TenantFixture> }[] = [
  { name: 'the demo', load: () => demoFixture() },
  { name: 'the near-miss tenant', load: () => loadFixture('fixtures/near-miss/tenant.json') },
  {
    name: 'a small generated tenant',
    load: async () => generateTenant({ users: 120, holdings: 40, seed: 'capture' }),
  },
];

describe.each(tenants)('capture of $name, then replay', ({ load }) => {
  let original: TenantFixture;
  let captured: Capture;
  let originalScan: ScanResult;
  let replayScan: ScanResult;

  beforeAll(async () => {
    original = await load();
    captured = await capture(original);
    originalScan = await scanFixture(original, { now: NOW });
    replayScan = await scanFixture(fixtureSchema.parse(captured.fixture), {
      now: new Date(captured.fixture.referenceTime!),
      detectors: replayDetectors(captured.mapping),
    });
  }, 60_000);

  it('is a valid, tenant-true fixture whose referenceTime is the capture time', () => {
    expect(fixtureSchema.safeParse(captured.fixture).success).toBe(true);
    expect(fixtureViolations(captured.fixture)).toEqual([]);
    expect(captured.fixture.referenceTime).toBe(NOW.toISOString());
  });

  it('replays the same incidents, by alert, role, classification and pseudonymised principal', () => {
    expect(originalScan.report.incidents.length).toBe(replayScan.report.incidents.length);
    expect(incidentKeys(replayScan)).toEqual(incidentKeys(originalScan, captured.mapping));
    expect(replayScan.report.complete).toBe(originalScan.report.complete);
  });

  it('names no user, group or service principal of the original anywhere', () => {
    const text = JSON.stringify(captured.fixture).toLowerCase();
    const leaked = identifyingValues(original).filter((value) => text.includes(value));
    expect(leaked).toEqual([]);
    // Role assignment ids encode the principal's GUID: none decodes to an original one.
    const originalIds = new Set(identifyingValues(original));
    expect(encodedGuids(JSON.stringify(captured.fixture)).filter((id) => originalIds.has(id))).toEqual([]);
    // The captured collections are not empty: there was something to hide.
    expect(captured.fixture.resources.users?.length ?? 0).toBeGreaterThan(0);
  });
});

describe('capture', () => {
  it('--no-pseudonymize keeps real names and ids', async () => {
    const original = await demoFixture();
    const { fixture, mapping } = await capture(original, false);
    expect(mapping).toBeUndefined();
    const text = JSON.stringify(fixture).toLowerCase();
    const user = fixture.resources.users![0]!;
    expect(text).toContain(String(user.id).toLowerCase());
    expect(text).toContain(String(user.userPrincipalName).toLowerCase());
    expect(original.resources.users!.some((u) => u.id === user.id)).toBe(true);
    // The leak check of the pseudonymised captures would catch these.
    expect(identifyingValues(original).filter((value) => text.includes(value)).length).toBeGreaterThan(40);
    const originalIds = new Set(identifyingValues(original));
    expect(encodedGuids(JSON.stringify(fixture)).filter((id) => originalIds.has(id)).length).toBeGreaterThan(
      0,
    );
  }, 60_000);

  it('keeps role template, SKU and alert definition ids and timestamps', async () => {
    const { fixture } = await capture(await demoFixture());
    const original = await demoFixture();
    const ids = (f: TenantFixture, path: string, key: string) =>
      (f.resources[path] ?? []).map((item) => item[key]).sort();
    expect(ids(fixture, 'subscribedSkus', 'skuId')).toEqual(ids(original, 'subscribedSkus', 'skuId'));
    const defs = 'identityGovernance/roleManagementAlerts/alertDefinitions';
    expect(ids(fixture, defs, 'id')).toEqual(ids(original, defs, 'id'));
    const grants = 'roleManagement/directory/roleEligibilityScheduleInstances';
    expect(ids(fixture, grants, 'roleDefinitionId')).toEqual(ids(original, grants, 'roleDefinitionId'));
    expect(ids(fixture, grants, 'startDateTime')).toEqual(ids(original, grants, 'startDateTime'));
  }, 60_000);

  it('records a source that failed as a fault, so the replay is partial in the same way', async () => {
    const original = await demoFixture({
      faults: {
        ...SCHEDULE_REQUESTS_REFUSED,
        'identityGovernance/roleManagementAlerts/alertConfigurations': { status: 403, code: 'Forbidden' },
      },
    });
    const captured = await capture(original);
    expect(Object.keys(captured.fixture.faults ?? {}).sort()).toEqual([
      'identityGovernance/roleManagementAlerts/alertConfigurations',
      'roleManagement/directory/roleAssignmentScheduleRequests',
    ]);
    const originalScan = await scanFixture(original, { now: NOW });
    const replayScan = await scanFixture(captured.fixture, {
      now: NOW,
      detectors: replayDetectors(captured.mapping),
    });
    expect(replayScan.report.complete).toBe(false);
    const statuses = (r: ScanResult) =>
      Object.fromEntries(Object.entries(r.report.sources).map(([name, s]) => [name, s.status]));
    expect(statuses(replayScan)).toEqual(statuses(originalScan));
    expect(incidentKeys(replayScan)).toEqual(incidentKeys(originalScan, captured.mapping));
  }, 60_000);
});

describe('pimwatch capture (CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pimwatch-capture-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a pseudonymised fixture that scan --fixture replays', async () => {
    const out = join(dir, 'demo-capture.json');
    const run = await runPimwatch(['capture', '--fixture', 'demo', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('pseudonymised');
    const fixture = fixtureSchema.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(run.stdout).toContain(`--now ${fixture.referenceTime}`);
    const original = await demoFixture();
    const text = JSON.stringify(fixture).toLowerCase();
    expect(identifyingValues(original).filter((value) => text.includes(value))).toEqual([]);
    const replay = await runPimwatch([
      'scan',
      '--fixture',
      out,
      '--now',
      fixture.referenceTime!,
      '--format',
      'json',
      '--state',
      'memory',
    ]);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout).incidents.length).toBeGreaterThan(0);
  }, 90_000);

  it('exits 3 for a partial scan and records the refused read as a fault; usage errors exit 2', async () => {
    const fixturePath = join(dir, 'refused.json');
    await writeFile(
      fixturePath,
      JSON.stringify({
        tenantId: '5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
        resources: {},
        faults: { organization: { status: 403, code: 'Authorization_RequestDenied' } },
      }),
    );
    const out = join(dir, 'refused-capture.json');
    const [partial, usage] = await Promise.all([
      runPimwatch(['capture', '--fixture', fixturePath, '--out', out, '--quiet']),
      runPimwatch(['capture', '--out', out]),
    ]);
    expect(partial.code).toBe(3);
    expect(JSON.parse(await readFile(out, 'utf8')).faults).toEqual({
      organization: expect.objectContaining({ status: 403, code: 'Authorization_RequestDenied' }),
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('exactly one of --tenant ID or --fixture FILE|demo');
  }, 90_000);
});
