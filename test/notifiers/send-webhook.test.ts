import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import { toOcsfDetectionFinding } from '../../src/notifiers/ocsf.js';
import { sendSignedWebhook, type WebhookDelivery } from '../../src/notifiers/send-webhook.js';
import { type HttpSink, type RecordedRequest, startHttpSink } from '../support/http-sink.js';
import { CTX, oneTransitionPerAlert } from './sample-transitions.js';

const SECRET = 'whsec_0b7e5f3a61d24c98';

/** A SIEM-side receiver, from the documented scheme only: verify, then deduplicate on the event id. */
function createReceiver(secret: string, clock: () => number) {
  const seen = new Set<string>();
  return (request: RecordedRequest): 'accepted' | 'duplicate' | 'rejected' => {
    const timestamp = String(request.headers['x-pimwatch-timestamp'] ?? '');
    const signature = String(request.headers['x-pimwatch-signature'] ?? '');
    if (!/^\d+$/.test(timestamp) || Math.abs(clock() - Number(timestamp)) > 300) return 'rejected';
    const expected = createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest();
    const given = Buffer.from(signature.replace(/^sha256=/, ''), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'rejected';
    const eventId = String(request.headers['x-pimwatch-event-id']);
    const body = JSON.parse(request.body) as { eventId?: string; metadata?: { uid?: string } };
    if ((body.eventId ?? body.metadata?.uid) !== eventId) return 'rejected';
    if (seen.has(eventId)) return 'duplicate';
    seen.add(eventId);
    return 'accepted';
  };
}

describe('sendSignedWebhook', () => {
  let sink: HttpSink;
  const transition = oneTransitionPerAlert('opened')[4]!;
  const event = renderFeedEvent(transition, CTX);
  let delivery: WebhookDelivery;
  beforeAll(async () => {
    sink = await startHttpSink({ defaultResponse: { status: 204 } });
    delivery = {
      channel: 'siem',
      url: `${sink.origin}/ingest/pimwatch?token=URL-TOKEN`,
      secret: SECRET,
      body: JSON.stringify(event),
      eventId: event.eventId,
      timeoutMs: 2000,
      allowLoopback: true,
    };
  });
  afterAll(() => sink.close());

  it('sends a signed event the receiver verifies; a redelivery has the same event id and is dropped', async () => {
    const clock = () => Math.floor(Date.now() / 1000);
    const receive = createReceiver(SECRET, clock);
    const before = sink.requests.length;
    sink.respondWith({ status: 503 });
    expect((await sendSignedWebhook(delivery)).status).toBe('retryable');
    expect(await sendSignedWebhook(delivery)).toEqual({ status: 'delivered' });
    expect(await sendSignedWebhook(delivery)).toEqual({ status: 'delivered' });
    const got = sink.requests.slice(before);
    expect(got.map(receive)).toEqual(['accepted', 'duplicate', 'duplicate']);
    expect(new Set(got.map((r) => r.headers['x-pimwatch-event-id']))).toEqual(new Set([transition.eventId]));
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(got[0]!.body)).toEqual(event);
  });

  it('is rejected by the receiver when the body was changed on the way, or the secret differs', async () => {
    const receive = createReceiver(SECRET, () => Math.floor(Date.now() / 1000));
    await sendSignedWebhook(delivery);
    const request = sink.requests.at(-1)!;
    expect(receive({ ...request, body: request.body.replace('"high"', '"low"') })).toBe('rejected');
    expect(createReceiver('another-secret', () => Math.floor(Date.now() / 1000))(request)).toBe('rejected');
  });

  it('is rejected by the receiver when replayed later than the tolerance', async () => {
    const sentAt = new Date('2026-06-15T12:00:00Z');
    await sendSignedWebhook({ ...delivery, now: () => sentAt });
    const request = sink.requests.at(-1)!;
    expect(request.headers['x-pimwatch-timestamp']).toBe(String(sentAt.getTime() / 1000));
    expect(createReceiver(SECRET, () => sentAt.getTime() / 1000 + 30)(request)).toBe('accepted');
    expect(createReceiver(SECRET, () => sentAt.getTime() / 1000 + 600)(request)).toBe('rejected');
  });

  it('sends an OCSF Detection Finding the same way', async () => {
    const finding = toOcsfDetectionFinding(event);
    const outcome = await sendSignedWebhook({ ...delivery, body: JSON.stringify(finding) });
    expect(outcome).toEqual({ status: 'delivered' });
    const request = sink.requests.at(-1)!;
    expect(createReceiver(SECRET, () => Math.floor(Date.now() / 1000))(request)).toBe('accepted');
    expect(JSON.parse(request.body)).toMatchObject({ class_uid: 2004, metadata: { uid: event.eventId } });
  });

  // regression guard: a receiver quoting the request line put a token in the URL's path into the reason.
  it('keeps the URL (path included) and the secret out of the reason when the receiver quotes them', async () => {
    sink.respondWith({
      status: 404,
      body: (r) => `no route for POST ${r.path} on ${r.headers.host}; key ${SECRET}`,
    });
    const outcome = await sendSignedWebhook({ ...delivery, url: `${sink.origin}/hooks/PATH-TOKEN-91c2/in` });
    expect(outcome.status).toBe('permanent');
    const reason = (outcome as { reason: string }).reason;
    expect(reason).toMatch(/^webhook for channel siem answered 404: no route for POST/);
    for (const secret of ['PATH-TOKEN-91c2', '/hooks/', new URL(sink.origin).host, SECRET]) {
      expect(reason).not.toContain(secret);
    }
  });

  it('refuses http to a non-loopback host, naming the channel and not the URL', async () => {
    const outcome = await sendSignedWebhook({
      ...delivery,
      url: 'http://siem.contoso.example/ingest?token=URL-TOKEN',
    });
    expect(outcome).toEqual({ status: 'permanent', reason: 'webhook URL for channel siem must use https' });
  });
});
