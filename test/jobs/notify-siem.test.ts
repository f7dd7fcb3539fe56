import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PimwatchConfig } from '../../src/config/schema.js';
import type { Transition } from '../../src/model/lifecycle.js';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import { renderContextFor } from '../../src/notifiers/links.js';
import { renderSentinelRecord, SENTINEL_COLUMNS } from '../../src/notifiers/sentinel-record.js';
import type { StateStore } from '../../src/store/state-store.js';
import { demoFixture } from '../support/demo-fixture.js';
import { type ServiceEnv, startServiceEnv } from '../support/service-harness.js';
import {
  type SentinelReceiver,
  type SplunkReceiver,
  startSentinelReceiver,
  startSplunkReceiver,
} from '../support/siem-receivers.js';
import { waitFor } from '../support/wait-for.js';
import { startWorkerHarness, type WorkerHarness } from '../support/worker-harness.js';

/**
 * A scan of the demo tenant through the worker, with a Sentinel and two Splunk channels, against local
 * receivers that check authentication and payload as the services document them. Each transition
 * reaches each working receiver exactly once, a 429 is retried after its Retry-After, and a 401 fails
 * the delivery at once, as on the Teams and webhook channels.
 */

const TENANT_NAME = 'Harbourline Freight';
const RULE_ID = 'dcr-5e6f708192a3b4c5d6e7f8091a2b3c4d';
const STREAM = 'Custom-PimwatchIncidents';
const HEC_TOKEN = 'b7d8e9f0-1a2b-4c3d-8e9f-0a1b2c3d4e5f';

let env: ServiceEnv;
let tenantId: string;
let config: PimwatchConfig;
let sentinel: SentinelReceiver;
let splunk: SplunkReceiver;
let locked: SplunkReceiver;
let harness: WorkerHarness;
let _store: StateStore;

beforeAll(async () => {
  const fixture = await demoFixture();
  tenantId = fixture.tenantId;
  env = await startServiceEnv([fixture], { timeShiftTo: new Date() });
  [sentinel, splunk, locked] = await Promise.all([
    startSentinelReceiver({
      ruleId: RULE_ID,
      stream: STREAM,
      columns: Object.entries(SENTINEL_COLUMNS).map(([name, type]) => ({ name, type })),
      inspectToken: env.emulator.inspectToken,
    }),
    startSplunkReceiver({ token: HEC_TOKEN, ack: { ackAfterPolls: 2 } }),
    startSplunkReceiver({ token: HEC_TOKEN }),
  ]);
  // One CA file for the emulator (Graph and its token endpoint) and the ingestion endpoint.
  const caFile = join(mkdtempSync(join(tmpdir(), 'pimwatch-siem-')), 'ca-bundle.pem');
  writeFileSync(caFile, `${env.emulator.caCertPem}\n${sentinel.caPem}`);
  process.env.PIMWATCH_SIEM_HEC_TOKEN = HEC_TOKEN;
  ({ config } = env.writeConfig({
    tenants: [{ id: tenantId, name: TENANT_NAME }],
    graph: { caFile },
    notifiers: {
      allowLoopbackWebhooks: true,
      sentinel: [{ name: 'sentinel', tenantId, endpoint: sentinel.origin, ruleId: RULE_ID, stream: STREAM }],
      splunk: [
        {
          name: 'splunk',
          url: splunk.origin,
          token: { env: 'PIMWATCH_SIEM_HEC_TOKEN' },
          acknowledgement: { enabled: true, pollIntervalMs: 20 },
        },
        { name: 'splunk-locked', url: locked.origin, token: { env: 'PIMWATCH_SIEM_HEC_TOKEN' } },
      ],
      routing: [{ name: 'SIEMs', channels: ['sentinel', 'splunk', 'splunk-locked'] }],
      delivery: { backoffMs: 200, attempts: 3, maxDelayMs: 5000 },
    },
  }));
  harness = await startWorkerHarness(config);
  _store = harness.store;
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await Promise.all([sentinel?.close(), splunk?.close(), locked?.close()]);
  await env?.stop();
  delete process.env.PIMWATCH_SIEM_HEC_TOKEN;
});

const scan = (): Promise<Transition[]> => harness.scan(tenantId);
const settledNotifyJobs = (count: number): Promise<Job[]> => harness.settledNotifyJobs(count);

describe('a demo scan with Sentinel and Splunk channels', () => {
  it('delivers each transition once to each receiver; 429 is retried after Retry-After, 401 fails at once', async () => {
    sentinel.respondWith({ status: 429, headers: { 'retry-after': '1' } });
    locked.respondWith(
      ...Array.from({ length: 5 }, () => ({ status: 401, body: '{"text":"Token is required","code":2}' })),
    );

    const transitions = await scan();
    const sent = transitions.filter((t) => !t.suppressed);
    expect(sent.length).toBeGreaterThan(20);
    // Sentinel and Splunk take a scan's changes as one batch: one job per channel.
    const jobs = await settledNotifyJobs(3);
    const byChannel = Object.fromEntries(jobs.map((j) => [j.data.channel, j]));
    expect(Object.keys(byChannel).sort()).toEqual(['sentinel', 'splunk', 'splunk-locked']);

    // Sentinel: refused once with 429, then accepted after the second it asked for; every row once.
    expect(byChannel.sentinel!.attemptsMade).toBe(2);
    expect(byChannel.sentinel!.returnvalue).toEqual({ channel: 'sentinel', outcome: 'delivered' });
    const [throttled, accepted] = sentinel.calls;
    expect([throttled?.status, accepted?.status, sentinel.calls.length]).toEqual([429, 204, 2]);
    expect(accepted!.receivedAt - throttled!.receivedAt).toBeGreaterThanOrEqual(1000);
    const ctx = renderContextFor({ id: tenantId, name: TENANT_NAME }, config.notifiers);
    const rows = sent.map((t) => JSON.parse(JSON.stringify(renderSentinelRecord(renderFeedEvent(t, ctx)))));
    expect(sentinel.rows).toEqual(rows);

    // Splunk with acknowledgement: every event once, indexed.
    expect(byChannel.splunk!.returnvalue).toEqual({ channel: 'splunk', outcome: 'delivered' });
    expect(splunk.events.map((e) => e.event.eventId).sort()).toEqual(sent.map((t) => t.eventId).sort());
    expect(splunk.ackPolls).toBeGreaterThanOrEqual(2);

    // A 401: failed on the first attempt with the reason, never retried.
    expect(byChannel['splunk-locked']!.attemptsMade).toBe(1);
    expect(byChannel['splunk-locked']!.failedReason).toContain(
      'Splunk HEC for channel splunk-locked answered 401',
    );
    expect(locked.posts).toHaveLength(1);
    expect(locked.events).toHaveLength(0);

    // The same scan's jobs run again (a retried scan job): nothing is delivered twice.
    const before = { rows: sentinel.rows.length, events: splunk.events.length };
    for (const job of jobs.filter((j) => j.data.channel !== 'splunk-locked')) await job.retry('completed');
    const rerun = await waitFor('the re-run jobs to find their deliveries made', async () => {
      const again = await settledNotifyJobs(3);
      const outcomes = again
        .map((j) => (j.returnvalue as { outcome?: string } | null)?.outcome)
        .filter(Boolean);
      return outcomes.filter((o) => o === 'alreadyDelivered').length === 2 ? outcomes : undefined;
    });
    expect(rerun.sort()).toEqual(['alreadyDelivered', 'alreadyDelivered']);
    expect([sentinel.rows.length, splunk.events.length]).toEqual([before.rows, before.events]);
  }, 90_000);
});
