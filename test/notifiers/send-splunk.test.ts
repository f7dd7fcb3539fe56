import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretRef } from '../../src/config/secret.js';
import { buildChannels, type NotificationChannel } from '../../src/notifiers/channels.js';
import { type NotifiersConfigInput, notifiersConfigSchema } from '../../src/notifiers/config-schema.js';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import {
  type SplunkReceiver,
  splitConcatenatedJson,
  startSplunkReceiver,
} from '../support/siem-receivers.js';
import { CTX, oneTransitionPerAlert, scanOfTransitions } from './sample-transitions.js';

const TOKEN = '9c1e7a52-3d4b-4f6e-8a0b-hec-token-never-logged';

function splunkChannel(url: string, extra: Record<string, unknown> = {}): NotificationChannel {
  const input: NotifiersConfigInput = {
    splunk: [
      {
        name: 'splunk',
        url,
        token: { env: 'HEC_TOKEN' },
        host: 'pimwatch-test',
        index: 'identity',
        ...extra,
      },
    ],
    allowLoopbackWebhooks: true,
    delivery: { timeoutMs: 2000 },
  };
  const readSecret = (ref: SecretRef) => {
    if ('env' in ref && ref.env === 'HEC_TOKEN') return TOKEN;
    throw new Error('unexpected secret');
  };
  return buildChannels(notifiersConfigSchema.parse(input), { readSecret }).get('splunk')!;
}

describe('Splunk HEC channel', () => {
  let plain: SplunkReceiver;
  let acked: SplunkReceiver;
  beforeAll(async () => {
    [plain, acked] = await Promise.all([
      startSplunkReceiver({ token: TOKEN }),
      startSplunkReceiver({ token: TOKEN, ack: { ackAfterPolls: 3 } }),
    ]);
  });
  afterAll(() => Promise.all([plain.close(), acked.close()]));

  it('sends a scan as one batch of HEC envelopes, authorised with the Splunk token', async () => {
    const channel = splunkChannel(plain.origin);
    const transitions = scanOfTransitions();
    const rendered = channel.render(transitions, CTX);
    expect(channel.mode).toBe('digest');
    expect(await channel.send(rendered)).toEqual({ status: 'delivered' });
    expect(plain.posts.at(-1)).toMatchObject({ status: 200, channel: undefined });
    const received = plain.events.slice(-transitions.length);
    expect(received).toEqual(
      transitions.map((t) => ({
        time: Date.parse(t.at) / 1000,
        host: 'pimwatch-test',
        source: 'pimwatch',
        sourcetype: 'pimwatch:incident',
        index: 'identity',
        event: JSON.parse(JSON.stringify(renderFeedEvent(t, CTX))),
      })),
    );
    // Concatenated envelopes, as HEC's batch format has them.
    if (rendered.kind !== 'splunk') throw new Error('expected a Splunk payload');
    expect(splitConcatenatedJson(rendered.body)).toHaveLength(transitions.length);
  });

  it('leaves index out when none is configured, so the token default applies', async () => {
    const channel = splunkChannel(plain.origin, { index: undefined });
    await channel.send(channel.render(oneTransitionPerAlert('resolved').slice(0, 1), CTX));
    expect(Object.keys(plain.events.at(-1)!)).toEqual(['time', 'host', 'source', 'sourcetype', 'event']);
  });

  it('with indexer acknowledgement, names a channel and counts the batch only once it is indexed', async () => {
    const channel = splunkChannel(acked.origin, { acknowledgement: { enabled: true, pollIntervalMs: 20 } });
    const transitions = oneTransitionPerAlert('opened');
    const outcome = await channel.send(channel.render(transitions, CTX));
    expect(outcome).toEqual({ status: 'delivered' });
    expect(acked.posts.at(-1)!.channel).toMatch(/^[0-9a-f-]{36}$/);
    expect(acked.ackPolls).toBe(3);
    expect(acked.events.map((e) => e.event.eventId)).toEqual(transitions.map((t) => t.eventId));
  });

  it('retries a batch never reported indexed, as possibly delivered', async () => {
    const slow = await startSplunkReceiver({ token: TOKEN, ack: { ackAfterPolls: 1000 } });
    try {
      const channel = splunkChannel(slow.origin, {
        acknowledgement: { enabled: true, pollIntervalMs: 20, timeoutMs: 150 },
      });
      const outcome = await channel.send(channel.render(oneTransitionPerAlert('opened'), CTX));
      expect(outcome).toMatchObject({ status: 'retryable', maybeDelivered: true });
      expect(slow.events).toHaveLength(0);
    } finally {
      await slow.close();
    }
  });

  it('refuses acknowledgement against a token that has it off: HEC then returns no ackId', async () => {
    const channel = splunkChannel(plain.origin, { acknowledgement: { enabled: true } });
    const outcome = await channel.send(channel.render(oneTransitionPerAlert('opened').slice(0, 1), CTX));
    expect(outcome).toMatchObject({
      status: 'permanent',
      reason: expect.stringContaining('did not return an ackId'),
    });
  });

  it('retries a 429 after its Retry-After and fails a 401 or 403 for good, as the other channels do', async () => {
    const channel = splunkChannel(plain.origin);
    const one = oneTransitionPerAlert('opened').slice(0, 1);
    plain.respondWith({
      status: 429,
      headers: { 'retry-after': '7' },
      body: '{"text":"Server is busy","code":9}',
    });
    expect(await channel.send(channel.render(one, CTX))).toMatchObject({
      status: 'retryable',
      retryAfterMs: 7000,
    });
    plain.respondWith({ status: 401, body: '{"text":"Token is required","code":2}' });
    expect(await channel.send(channel.render(one, CTX))).toMatchObject({
      status: 'permanent',
      reason: expect.stringContaining('answered 401'),
    });
    const wrongToken = await startSplunkReceiver({ token: 'another-token' });
    try {
      const refused = await splunkChannel(wrongToken.origin).send(channel.render(one, CTX));
      expect(refused).toMatchObject({ status: 'permanent', reason: expect.stringContaining('answered 403') });
    } finally {
      await wrongToken.close();
    }
  });

  // The notify job logs the outcome's reason as it is, so the token must stay out of it.
  it('never puts the token in the outcome, even when the collector quotes it back', async () => {
    const channel = splunkChannel(plain.origin, {});
    plain.respondWith({ status: 400, body: `{"text":"bad request from Splunk ${TOKEN}","code":6}` });
    const outcome = await channel.send(channel.render(oneTransitionPerAlert('opened').slice(0, 1), CTX));
    expect(outcome.status).toBe('permanent');
    const text = JSON.stringify(outcome);
    expect(text).toContain('Splunk HEC for channel splunk answered 400');
    expect(text).not.toContain(TOKEN);
  });
});
