import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.js';
import { createCredential } from '../../src/graph/credential.js';
import { createTrust, type Trust } from '../../src/graph/trust.js';
import { buildChannels, type NotificationChannel } from '../../src/notifiers/channels.js';
import { notifiersConfigSchema } from '../../src/notifiers/config-schema.js';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import type { AzureAccess } from '../../src/notifiers/send-sentinel.js';
import { renderSentinelRecord, SENTINEL_COLUMNS } from '../../src/notifiers/sentinel-record.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { demoFixture } from '../support/demo-fixture.js';
import { type SentinelReceiver, startSentinelReceiver } from '../support/siem-receivers.js';
import { CTX, manyTransitions, oneTransitionPerAlert, scanOfTransitions } from './sample-transitions.js';

const RULE_ID = 'dcr-0123456789abcdef0123456789abcdef';
const STREAM = 'Custom-PimwatchIncidents';

interface ArmResource {
  type: string;
  properties: {
    schema?: { columns: { name: string; type: string }[] };
    streamDeclarations?: Record<string, { columns: { name: string; type: string }[] }>;
  };
}
const template = JSON.parse(readFileSync('deploy/sentinel/pimwatch-dcr.json', 'utf8')) as {
  resources: ArmResource[];
};
const resource = (type: string) => template.resources.find((r) => r.type === type)!;
const streamColumns = resource('Microsoft.Insights/dataCollectionRules').properties.streamDeclarations![
  STREAM
]!.columns;

describe('deploy/sentinel/pimwatch-dcr.json', () => {
  it('declares, in the stream and in the table, exactly the columns and types pimwatch sends', () => {
    const sent = Object.entries(SENTINEL_COLUMNS).map(([name, type]) => ({ name, type }));
    expect(streamColumns).toEqual(sent);
    const table = resource('Microsoft.OperationalInsights/workspaces/tables').properties.schema!.columns;
    expect(table).toEqual(sent);
  });
});

describe('Sentinel channel (Logs Ingestion API)', () => {
  let emulated: EmulatedTenant;
  let emulator: RunningEmulator;
  let receiver: SentinelReceiver;
  let trust: Trust;
  let access: AzureAccess;
  let accessRequests = 0;

  const channelFor = (endpoint: string, extra: Record<string, unknown> = {}): NotificationChannel =>
    buildChannels(
      notifiersConfigSchema.parse({
        sentinel: [
          {
            name: 'sentinel',
            tenantId: emulated.tenant.id,
            endpoint,
            ruleId: RULE_ID,
            stream: STREAM,
            ...extra,
          },
        ],
        delivery: { timeoutMs: 5000 },
      }),
      {
        azureAccessFor: () => {
          accessRequests++;
          return access;
        },
      },
    ).get('sentinel')!;

  beforeAll(async () => {
    emulated = await startEmulatedTenant(await demoFixture());
    emulator = emulated.emulator;
    receiver = await startSentinelReceiver({
      ruleId: RULE_ID,
      stream: STREAM,
      columns: streamColumns,
      inspectToken: emulator.inspectToken,
    });
    // A CA bundle, as an operator behind a TLS-inspecting proxy has one: the emulator's and the receiver's.
    trust = createTrust(`${emulator.caCertPem}\n${receiver.caPem}`);
    const app = (await demoFixture()).applications?.find((a) => a.clientSecret);
    access = {
      // The tenant's own client-secret credential, as a scan uses it, against the emulator's authority.
      credential: createCredential(emulated.tenant.id, emulated.tenant.credential, {
        authorityHost: emulator.authorityHost,
        trust,
        readSecret: () => app?.clientSecret ?? 'emulator-client-secret',
      }),
      ...(trust.httpsAgent ? { agent: trust.httpsAgent } : {}),
    };
  });
  afterAll(async () => {
    await receiver.close();
    await trust.close();
    await emulated.close();
  });

  it("uploads a scan's rows in one call, with a token the emulator issued for Azure Monitor", async () => {
    const channel = channelFor(receiver.origin);
    const transitions = scanOfTransitions();
    const tokenRequests = emulator.stats.tokenRequests;
    expect(await channel.send(channel.render(transitions, CTX))).toEqual({ status: 'delivered' });
    expect(receiver.calls.at(-1)).toMatchObject({ status: 204 });
    const expected = transitions.map((t) => renderSentinelRecord(renderFeedEvent(t, CTX)));
    expect(receiver.rows.slice(-transitions.length)).toEqual(JSON.parse(JSON.stringify(expected)));
    const afterFirst = emulator.stats.tokenRequests;
    expect(afterFirst).toBeGreaterThan(tokenRequests);
    // The same client (and its cached token) serves the next delivery.
    await channel.send(channel.render(oneTransitionPerAlert('resolved'), CTX));
    expect(emulator.stats.tokenRequests).toBe(afterFirst);
    expect(accessRequests).toBe(1);
  });

  it('splits a large batch into calls under the 1 MB limit, each accepted', async () => {
    const channel = channelFor(receiver.origin);
    const transitions = manyTransitions(1500);
    const before = receiver.calls.length;
    expect(await channel.send(channel.render(transitions, CTX))).toEqual({ status: 'delivered' });
    const calls = receiver.calls.slice(before);
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.every((c) => c.status === 204 && c.bytes <= 1024 * 1024)).toBe(true);
    expect(receiver.rows.slice(-transitions.length).map((r) => r.EventId)).toEqual(
      transitions.map((t) => t.eventId),
    );
  });

  it('is refused by the receiver when the token is for another audience', async () => {
    const channel = channelFor(receiver.origin, { audience: 'https://monitor.azure.us' });
    const outcome = await channel.send(channel.render(oneTransitionPerAlert('opened'), CTX));
    expect(outcome).toMatchObject({ status: 'permanent', reason: expect.stringContaining('answered 401') });
  });

  it('retries a 429 after its Retry-After; a 401 is permanent, as on the other channels', async () => {
    const channel = channelFor(receiver.origin);
    const one = oneTransitionPerAlert('opened').slice(0, 1);
    receiver.respondWith({ status: 429, headers: { 'retry-after': '12' } });
    expect(await channel.send(channel.render(one, CTX))).toMatchObject({
      status: 'retryable',
      retryAfterMs: 12_000,
    });
    receiver.respondWith({ status: 401 });
    expect(await channel.send(channel.render(one, CTX))).toMatchObject({
      status: 'permanent',
      reason: expect.stringContaining('Sentinel logs ingestion for channel sentinel answered 401'),
    });
  });

  it('records a tenant whose credential cannot be had as a permanent failure, and asks again next time', async () => {
    let calls = 0;
    const channel = buildChannels(
      notifiersConfigSchema.parse({
        sentinel: [
          {
            name: 'sentinel',
            tenantId: emulated.tenant.id,
            endpoint: receiver.origin,
            ruleId: RULE_ID,
            stream: STREAM,
          },
        ],
      }),
      {
        azureAccessFor: (tenantId) => {
          calls++;
          throw new Error(`Sentinel credential tenant ${tenantId} is not configured`);
        },
      },
    ).get('sentinel')!;
    const rendered = channel.render(oneTransitionPerAlert('opened'), CTX);
    expect(await channel.send(rendered)).toEqual({
      status: 'permanent',
      reason: `no credential for tenant ${emulated.tenant.id}: Sentinel credential tenant ${emulated.tenant.id} is not configured`,
    });
    await channel.send(rendered);
    expect(calls).toBe(2);
  });

  it('does not trust a receiver whose CA is not configured, and says so as retryable', async () => {
    const untrusted = await startSentinelReceiver({
      ruleId: RULE_ID,
      stream: STREAM,
      columns: streamColumns,
      inspectToken: emulator.inspectToken,
    });
    try {
      const outcome = await channelFor(untrusted.origin).send(
        channelFor(untrusted.origin).render(oneTransitionPerAlert('opened'), CTX),
      );
      expect(outcome.status).toBe('retryable');
      expect(untrusted.calls).toHaveLength(0);
    } finally {
      await untrusted.close();
    }
  });
});
