import { afterAll, describe, expect, it } from 'vitest';
import type { GraphResult } from '../../src/graph/errors.js';
import { GraphHttp, type GraphRequestSpec, type GraphResponse } from '../../src/graph/http.js';
import { collectSnapshot } from '../../src/graph/snapshot.js';
import { createTrust } from '../../src/graph/trust.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { demoFixture, demoNow, THIRTY_DAYS_MS } from '../support/demo-fixture.js';

/** Records every request the scanner makes and what came back, to check what it asked for. */
class RecordingHttp extends GraphHttp {
  readonly seen: { spec: GraphRequestSpec; result: GraphResult<GraphResponse> }[] = [];

  override async send(spec: GraphRequestSpec) {
    const result = await super.send(spec);
    this.seen.push({ spec, result });
    return result;
  }

  override async batch(version: 'v1.0' | 'beta', specs: GraphRequestSpec[]) {
    const results = await super.batch(version, specs);
    results.forEach((result, i) => {
      this.seen.push({ spec: specs[i]!, result });
    });
    return results;
  }
}

let tenant: EmulatedTenant;
afterAll(async () => {
  await tenant?.close();
});

function queryOf(spec: GraphRequestSpec): URLSearchParams {
  if (spec.path.startsWith('https://')) return new URL(spec.path).searchParams;
  return new URLSearchParams(spec.query ?? {});
}

describe('what the scanner asks Graph for', () => {
  it('every collection read names its fields with $select, and gets only those back', async () => {
    tenant = await startEmulatedTenant(await demoFixture());
    const trust = createTrust(tenant.emulator.caCertPem);
    const http = new RecordingHttp({
      tenantId: tenant.tenant.id,
      baseUrl: tenant.graph.baseUrl,
      credential: {
        getToken: async () => ({
          token: tenant.emulator.issueToken(),
          expiresOnTimestamp: Date.now() + 3_600_000,
        }),
      },
      maxConcurrency: 4,
      requestTimeoutMs: 10_000,
      maxRetries: 0,
      maxRetryDelayMs: 1000,
      rateLimits: tenant.graph.rateLimits,
      trust,
    });
    const snapshot = await collectSnapshot(http, {
      tenantId: tenant.tenant.id,
      now: await demoNow(),
      auditLookBackMs: THIRTY_DAYS_MS,
    });
    expect(snapshot.complete).toBe(true);

    const reads = http.seen.filter((r) => (r.spec.method ?? 'GET') === 'GET');
    expect(reads.length).toBeGreaterThan(10);
    let checkedItems = 0;
    for (const { spec, result } of reads) {
      const query = queryOf(spec);
      const select = query.get('$select');
      const path = spec.path.split('?')[0]!;
      // directoryAudits documents no $select; alert configurations and incidents are polymorphic (their
      // fields depend on the alert type), so they are read whole. Every other read names its fields.
      if (/auditLogs\/directoryAudits|alertConfigurations|alertIncidents/.test(path)) continue;
      expect(select, path).toBeTruthy();
      expect(result.ok, path).toBe(true);
      if (!result.ok) continue;
      const allowed = new Set([
        ...select!.split(','),
        'id',
        '@odata.type',
        ...(query.get('$expand') ?? '').split(',').map((e) => e.split('(')[0]!),
      ]);
      for (const item of (result.value.body as { value?: Record<string, unknown>[] }).value ?? []) {
        for (const key of Object.keys(item)) expect(allowed.has(key), `${path}: ${key}`).toBe(true);
        checkedItems += 1;
      }
    }
    expect(checkedItems).toBeGreaterThan(100);
    await trust.close();
  });
});
