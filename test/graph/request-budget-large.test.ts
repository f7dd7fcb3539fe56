import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { generateTenant } from '../../src/fixtures/generate-tenant.js';
import { collectSnapshot } from '../../src/graph/snapshot.js';
import { SOURCE_NAMES, type TenantSnapshot } from '../../src/model/snapshot.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { THIRTY_DAYS_MS } from '../support/demo-fixture.js';
import { requestBudget } from '../support/request-budget.js';

// A generated 100,000-user tenant with 10,000 holdings: the request count is computed from the
// collection sizes and Graph's page limits, and the scanner must hit it exactly (design section 6
// allows 1.1x the lower bound; we make the lower bound itself).
describe('Graph requests for a generated 100,000-user tenant', { timeout: 180_000 }, () => {
  let fixture: TenantFixture;
  let tenant: EmulatedTenant;
  let snapshot: TenantSnapshot;
  let now: Date;

  beforeAll(async () => {
    fixture = generateTenant({ users: 100_000, holdings: 10_000, seed: 7 });
    now = new Date(fixture.referenceTime!);
    // The client paces sign-in reads at Graph's 10 a minute; this test counts requests, not pacing
    // (the benchmark measures the paced time), so the pace is lifted here.
    tenant = await startEmulatedTenant(fixture, {
      graph: { rateLimits: { signInActivityPerMinute: 100_000, reportsPer10Seconds: 100_000 } },
    });
    const session = tenant.openSession();
    snapshot = await collectSnapshot(session.http, {
      tenantId: fixture.tenantId,
      now,
      auditLookBackMs: THIRTY_DAYS_MS,
    });
    await session.close();
  }, 180_000);

  afterAll(async () => {
    await tenant?.close();
  });

  it('reads everything and makes exactly the lower bound of requests per source', () => {
    const budget = requestBudget(fixture, { now, auditLookBackMs: THIRTY_DAYS_MS });
    expect(snapshot.complete).toBe(true);
    for (const name of SOURCE_NAMES) {
      expect(snapshot.sources[name].requests, name).toBe(budget.bySource[name] ?? 0);
    }
    expect(snapshot.graphRequests.logical).toBe(budget.total);
    expect(tenant.emulator.stats.logicalRequests).toBe(budget.total);
    // Sign-in activity only for privileged holders: far fewer requests than reading every user would take.
    const everyUser = Math.ceil(100_000 / 120);
    expect(snapshot.sources.signInActivity.requests).toBeLessThan(everyUser);
    expect(snapshot.signIns.size).toBe(budget.sizes['sign-in users']);
  });

  it('batches what can be batched: group members and sign-in reads share HTTP requests', () => {
    // Paging one collection is a chain (each page names the next), so only independent reads batch.
    const batchable = snapshot.sources.groupMembers.requests + snapshot.sources.signInActivity.requests;
    const unbatched = snapshot.graphRequests.logical - batchable;
    expect(snapshot.graphRequests.http).toBeLessThan(unbatched + batchable / 5);
  });
});
