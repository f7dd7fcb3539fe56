import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import { toOcsfDetectionFinding } from '../../src/notifiers/ocsf.js';
import { sendSignedWebhook, type WebhookDelivery } from '../../src/notifiers/send-webhook.js';
import { type HttpSink, type RecordedRequest, startHttpSink } from '../support/http-sink.js';
import { newWebhookSecret } from '../support/webhook-secret.js';
import { CTX, oneTransitionPerAlert } from './sample-transitions.js';

const SECRET = newWebhookSecret();

/**
 * A SIEM-side receiver built on the `standardwebhooks` library: verify (which also refuses a timestamp
 * more than five minutes from its clock), then deduplicate on the signed `webhook-id`.
 */
function createReceiver(secret: string) {
  const seen = new Set<string>();
  const webhook = new Webhook(secret);
  return (request: RecordedRequest): 'accepted' | 'duplicate' | 'rejected' => {
    try {
      webhook.verify(request.body, request.headers as Record<string, string>);
    } catch {
      return 'rejected';
    }
    const eventId = String(request.headers['webhook-id']);
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
      webhookUrl: `${sink.origin}/ingest/pimwatch?token=URL-TOKEN`,
      secrets: [{ value: SECRET, key: 'notifiers.webhooks[0].secrets[0]' }],
      body: JSON.stringify(event),
      eventId: event.eventId,
      timeoutMs: 2000,
      allowLoopback: true,
    };
  });
  afterAll(() => sink.close());

  it('sends a signed event the receiver verifies; a redelivery has the same event id and is dropped', async () => {
    const receive = createReceiver(SECRET);
    const before = sink.requests.length;
    sink.respondWith({ status: 503 });
    expect((await sendSignedWebhook(delivery)).status).toBe('retryable');
    expect(await sendSignedWebhook(delivery)).toEqual({ status: 'delivered' });
    expect(await sendSignedWebhook(delivery)).toEqual({ status: 'delivered' });
    const got = sink.requests.slice(before);
    expect(got.map(receive)).toEqual(['accepted', 'duplicate', 'duplicate']);
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set([transition.eventId]));
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(got[0]!.body)).toEqual(event);
  });

  it('is rejected by the receiver when the body was changed on the way, or the secret differs', async () => {
    const receive = createReceiver(SECRET);
    await sendSignedWebhook(delivery);
    const request = sink.requests.at(-1)!;
    expect(receive({ ...request, body: request.body.replace('"high"', '"low"') })).toBe('rejected');
    expect(createReceiver(newWebhookSecret())(request)).toBe('rejected');
  });

  it('is rejected by the receiver when replayed later than the tolerance', async () => {
    const sentAt = new Date(Date.now() - 600_000);
    await sendSignedWebhook({ ...delivery, now: () => sentAt });
    const request = sink.requests.at(-1)!;
    expect(request.headers['webhook-timestamp']).toBe(String(Math.floor(sentAt.getTime() / 1000)));
    expect(createReceiver(SECRET)(request)).toBe('rejected');
  });

  it('signs with every secret of a rotation: receivers holding the old or the new one both accept', async () => {
    const next = newWebhookSecret(24);
    await sendSignedWebhook({
      ...delivery,
      secrets: [...delivery.secrets, { value: next, key: 'notifiers.webhooks[0].secrets[1]' }],
    });
    const request = sink.requests.at(-1)!;
    expect(createReceiver(SECRET)(request)).toBe('accepted');
    expect(createReceiver(next)(request)).toBe('accepted');
    expect(createReceiver(newWebhookSecret())(request)).toBe('rejected');
  });

  it('refuses to send with a secret that is not a whsec_ secret, naming its key and not its value', async () => {
    const before = sink.requests.length;
    const outcome = await sendSignedWebhook({
      ...delivery,
      secrets: [{ value: 'plain-old-shared-secret', key: 'notifiers.webhooks[0].secrets[0]' }],
    });
    expect(outcome).toEqual({
      status: 'permanent',
      reason: 'notifiers.webhooks[0].secrets[0]: must start with "whsec_" (a Standard Webhooks secret)',
    });
    expect(sink.requests.length).toBe(before);
  });

  it('sends an OCSF Detection Finding the same way', async () => {
    const finding = toOcsfDetectionFinding(event);
    const outcome = await sendSignedWebhook({ ...delivery, body: JSON.stringify(finding) });
    expect(outcome).toEqual({ status: 'delivered' });
    const request = sink.requests.at(-1)!;
    expect(createReceiver(SECRET)(request)).toBe('accepted');
    expect(JSON.parse(request.body)).toMatchObject({ class_uid: 2004, metadata: { uid: event.eventId } });
  });

  // regression guard: a receiver quoting the request line put a token in the URL's path into the reason.
  it('keeps the URL (path included) and the secret out of the reason when the receiver quotes them', async () => {
    sink.respondWith({
      status: 404,
      body: (r) => `no route for POST ${r.path} on ${r.headers.host}; key ${SECRET}`,
    });
    const outcome = await sendSignedWebhook({
      ...delivery,
      webhookUrl: `${sink.origin}/hooks/PATH-TOKEN-91c2/in`,
    });
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
      webhookUrl: 'http://siem.contoso.example/ingest?token=URL-TOKEN',
    });
    expect(outcome).toEqual({ status: 'permanent', reason: 'webhook URL for channel siem must use https' });
  });
});
