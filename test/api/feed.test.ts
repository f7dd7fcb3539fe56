import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApiServer } from '../../src/api/server.js';
import type { PimwatchConfig } from '../../src/config/schema.js';
import { mergeDetectorsConfig } from '../../src/detectors/config-schema.js';
import { openGraphSession } from '../../src/graph/session.js';
import { silentLogger } from '../../src/log.js';
import { ALERT_IDS } from '../../src/model/alerts.js';
import type { ClassifiedIncident, Transition } from '../../src/model/lifecycle.js';
import { OCSF_VERSION } from '../../src/notifiers/ocsf.js';
import { runScan } from '../../src/scan/run-scan.js';
import { createStateStore } from '../../src/store/create-state-store.js';
import type { StateStore } from '../../src/store/state-store.js';
import { classify, sampleIncidents } from '../notifiers/sample-transitions.js';
import { demoFixture } from '../support/demo-fixture.js';
import { validateOcsfEvent } from '../support/ocsf-validator.js';
import { expectConformsTo, FEED_EVENT_SCHEMA } from '../support/published-schemas.js';
import { API_KEY, type ServiceEnv, startServiceEnv } from '../support/service-harness.js';
import { TENANT_ID as CONTOSO_ID } from '../support/snapshot-factory.js';

/**
 * The SOC feed's pull API over a feed several scans of two tenants wrote: a scan of the demo tenant
 * through the emulator, and scans of a second tenant whose incidents open, partly resolve and reopen.
 */

interface FeedItem {
  cursor: string;
  eventId: string;
  type: string;
  tenantId: string;
  tenantName: string;
  scanId: string;
  schemaVersion: string;
}
interface FeedPage {
  events: FeedItem[];
  nextCursor: string;
  trimmed: number;
}
interface OcsfFinding {
  class_uid: number;
  category_uid: number;
  type_uid: number;
  activity_id: number;
  metadata: { uid: string; correlation_uid: string; version: string };
  finding_info: { uid: string; types: string[] };
  cloud: { account: { uid: string; name: string } };
}
interface OcsfItem {
  cursor: string;
  event: OcsfFinding;
}

const AUTH = { authorization: `Bearer ${API_KEY}` };

let env: ServiceEnv;
let config: PimwatchConfig;
let store: StateStore;
let api: RunningApi;
let demoId: string;
/** Every transition in the order the scans committed them. */
const committed: Transition[] = [];
let contosoIncidents: ClassifiedIncident[];

async function applyContosoScan(scanId: string, incidents: ClassifiedIncident[]) {
  const result = await store.applyScan({
    tenantId: CONTOSO_ID,
    scanId,
    scannedAt: new Date().toISOString(),
    incidents,
    resolvableAlerts: new Set(ALERT_IDS),
  });
  committed.push(...result.transitions);
  return result.transitions;
}

beforeAll(async () => {
  const fixture = await demoFixture();
  demoId = fixture.tenantId;
  env = await startServiceEnv([fixture], { timeShiftTo: new Date() });
  ({ config } = env.writeConfig({
    tenants: [
      { id: demoId, name: 'Harbourline Freight' },
      { id: CONTOSO_ID, name: 'Contoso' },
    ],
  }));
  store = createStateStore({
    redisUrl: config.redis.url,
    keyPrefix: config.redis.keyPrefix,
    feedMaxLength: 1000,
  });
  contosoIncidents = Object.values(sampleIncidents()).flat().map(classify);

  // Contoso opens everything; the demo tenant is scanned; Contoso resolves half and reopens it.
  await applyContosoScan('contoso-1', contosoIncidents);
  const tenant = config.tenants[0]!;
  const session = openGraphSession(tenant, config.graph);
  try {
    const { transitions } = await runScan({
      tenant,
      session,
      detectors: mergeDetectorsConfig(config.detectors, tenant.detectors),
      reconcile: config.reconcile,
      store,
      now: new Date(),
      trigger: 'cli',
    });
    committed.push(...transitions);
  } finally {
    await session.close();
  }
  const kept = contosoIncidents.filter((_, i) => i % 2 === 0);
  await applyContosoScan('contoso-2', kept);
  await applyContosoScan('contoso-3', contosoIncidents);
  api = await startApiServer(config, silentLogger, 0);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await store?.close();
  await env?.stop();
});

function feedUrl(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return `${api.url}/api/v1/feed?${params}`;
}

async function page(query: Record<string, string | number | undefined>): Promise<FeedPage> {
  const res = await fetch(feedUrl(query), { headers: AUTH });
  expect(res.status).toBe(200);
  return (await res.json()) as FeedPage;
}

const sequence = (cursor: string) => Number(cursor.split('-')[0]);

/**
 * Follows `nextCursor` from `query.cursor` until a page comes back empty with the cursor unchanged.
 * Without a tenant filter a page ends at its last event; with one, the feed may have looked further.
 */
async function readAll(query: { limit: number; cursor?: string; tenantId?: string }) {
  const events: FeedItem[] = [];
  let cursor = query.cursor;
  for (let pages = 0; pages < 500; pages++) {
    const result = await page({ ...query, cursor });
    if (result.events.length === 0) {
      // With a tenant filter an empty page may still have looked further (past other tenants' events).
      if (query.tenantId && result.nextCursor !== (cursor ?? '0-0')) {
        expect(sequence(result.nextCursor)).toBeGreaterThan(sequence(cursor ?? '0-0'));
        cursor = result.nextCursor;
        continue;
      }
      expect(result.nextCursor).toBe(cursor ?? '0-0');
      return { events, cursor: result.nextCursor };
    }
    expect(result.events.length).toBeLessThanOrEqual(query.limit);
    const last = sequence(result.events.at(-1)!.cursor);
    if (query.tenantId) expect(sequence(result.nextCursor)).toBeGreaterThanOrEqual(last);
    else expect(sequence(result.nextCursor)).toBe(last);
    events.push(...result.events);
    cursor = result.nextCursor;
  }
  throw new Error('the feed never ended');
}

describe('GET /api/v1/feed', () => {
  it('pages with cursors through every event exactly once and in commit order; a re-read is identical', async () => {
    expect(committed.length).toBeGreaterThan(40);
    expect(new Set(committed.map((t) => t.tenantId.toLowerCase())).size).toBe(2);
    const { events } = await readAll({ limit: 7 });
    expect(events.map((e) => e.eventId)).toEqual(committed.map((t) => t.eventId));
    // Each pulled item is a published feed event with its cursor beside the event's fields.
    expectConformsTo(
      FEED_EVENT_SCHEMA,
      events.map(({ cursor: _cursor, ...event }) => event),
    );
    expect(new Set(events.map((e) => e.cursor)).size).toBe(events.length);
    const cursors = events.map((e) => sequence(e.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    expect(events.map((e) => `${e.type} ${e.scanId}`)).toEqual(
      committed.map((t) => `incident.${t.type} ${t.scanId}`),
    );
    for (const e of events) {
      expect(e.schemaVersion).toBe('1.0');
      expect(e.tenantName).toBe(e.tenantId === demoId ? 'Harbourline Freight' : 'Contoso');
    }
    // A reader that asks again from the same cursor (a crashed consumer) gets the same events again.
    const again = await page({ limit: 7, cursor: events[6]!.cursor });
    expect(again.events).toEqual(events.slice(7, 14));
  });

  it('continues from a kept cursor with only the events committed since', async () => {
    const { cursor } = await readAll({ limit: 50 });
    const resolvedAll = await applyContosoScan('contoso-4', []);
    expect(resolvedAll.length).toBe(contosoIncidents.length);
    const next = await readAll({ limit: 4, cursor });
    expect(next.events.map((e) => e.eventId)).toEqual(resolvedAll.map((t) => t.eventId));
    expect(new Set(next.events.map((e) => e.type))).toEqual(new Set(['incident.resolved']));
  });

  it('filters by tenant, keeping order, with the tenant id in any case', async () => {
    const demo = await readAll({ limit: 5, tenantId: demoId.toUpperCase() });
    expect(demo.events.map((e) => e.eventId)).toEqual(
      committed.filter((t) => t.tenantId === demoId).map((t) => t.eventId),
    );
    const contoso = await readAll({ limit: 9, tenantId: CONTOSO_ID });
    expect(contoso.events.map((e) => e.eventId)).toEqual(
      committed.filter((t) => t.tenantId === CONTOSO_ID).map((t) => t.eventId),
    );
    expect(demo.events.length + contoso.events.length).toBe(committed.length);
  });
});

describe('GET /api/v1/feed formats', () => {
  it('answers NDJSON with x-next-cursor, page after page, and an empty page at the end', async () => {
    const lines: FeedItem[] = [];
    let cursor: string | undefined;
    for (;;) {
      const res = await fetch(feedUrl({ format: 'ndjson', limit: 11, cursor }), { headers: AUTH });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      expect(res.headers.get('x-feed-trimmed')).toBe('0');
      const body = await res.text();
      const next = res.headers.get('x-next-cursor')!;
      if (body === '') {
        expect(next).toBe(cursor);
        break;
      }
      expect(body.endsWith('\n')).toBe(true);
      const parsed = body
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as FeedItem);
      expect(parsed.length).toBeLessThanOrEqual(11);
      expect(next).toBe(parsed.at(-1)!.cursor);
      lines.push(...parsed);
      cursor = next;
    }
    expect(lines.map((e) => e.eventId)).toEqual(committed.map((t) => t.eventId));
  });

  it('maps events to OCSF Detection Findings (class 2004), cursors beside the events, as JSON and NDJSON', async () => {
    const ids = committed.map((t) => t.eventId);
    const res = await fetch(feedUrl({ format: 'ocsf', limit: 1000 }), { headers: AUTH });
    const { events } = (await res.json()) as { events: OcsfItem[] };
    expect(events.map((e) => e.event.metadata.uid)).toEqual(ids);
    const activity = { opened: 1, reopened: 2, resolved: 3 } as const;
    events.forEach(({ event: finding }, i) => {
      const t = committed[i]!;
      expect(finding).toMatchObject({
        class_uid: 2004,
        category_uid: 2,
        activity_id: activity[t.type],
        type_uid: 200400 + activity[t.type],
        metadata: { uid: t.eventId, correlation_uid: t.fingerprint, version: OCSF_VERSION },
        finding_info: { uid: t.fingerprint, types: [t.alert] },
        cloud: { account: { uid: t.tenantId } },
      });
      // regression guard: the pulled finding carried a top-level `cursor`, outside the OCSF class.
      expect(validateOcsfEvent(finding).errors).toEqual([]);
    });
    const nd = await fetch(feedUrl({ format: 'ocsf-ndjson', limit: 1000 }), { headers: AUTH });
    expect(nd.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await nd.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as OcsfFinding);
    expect(lines).toEqual(events.map((e) => e.event));
    expect(nd.headers.get('x-next-cursor')).toBe(events.at(-1)!.cursor);
  });
});

describe('GET /api/v1/feed refusals', () => {
  // regression guard: a malformed cursor got a 400 without `problems`, unlike every other field.
  it.each([
    ['limit', { limit: 0 }],
    ['limit', { limit: 1001 }],
    ['limit', { limit: 'ten' }],
    ['limit', { limit: 2.5 }],
    ['cursor', { cursor: 'x'.repeat(65) }],
    ['tenantId', { tenantId: 'contoso' }],
    ['format', { format: 'xml' }],
    ['since', { since: '2026-01-01' }],
  ])('answers 400 naming %s for %j', async (field, query) => {
    const res = await fetch(feedUrl(query), { headers: AUTH });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; problems: string[] };
    expect(body.error).toBe('invalid query');
    expect(body.problems).toEqual([expect.stringContaining(field)]);
  });

  it.each([
    ['beyond the newest event (kept from before Redis lost its data, or invented)', '999999-0'],
    ['not a stream id', 'abc'],
    ['not a stream id', '12'],
    ['not a stream id', ''],
  ])('answers 409 with the feed bounds for a cursor %s: %j', async (_why, cursor) => {
    const res = await fetch(feedUrl({ cursor }), { headers: AUTH });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; firstCursor: string; lastCursor: string };
    const all = await page({ limit: 1000 });
    expect(body).toMatchObject({ firstCursor: all.events[0]!.cursor, lastCursor: all.events.at(-1)!.cursor });
    expect(body.error).toContain(all.events.at(-1)!.cursor);
    // The last event's own cursor is still fine: an empty page, not a conflict.
    expect((await page({ cursor: body.lastCursor })).events).toEqual([]);
  });

  it('needs an API key', async () => {
    const res = await fetch(feedUrl({ limit: 1 }));
    expect(res.status).toBe(401);
  });
});
