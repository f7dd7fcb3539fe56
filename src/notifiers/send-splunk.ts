import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { type DeliveryOutcome, delivered, permanent, retryable } from './delivery.js';
import { postJsonForAnswer } from './http-post.js';
import { checkWebhookTarget, type WebhookTargetPolicy } from './webhook-url.js';

/**
 * Sends a batch of events to a Splunk HTTP Event Collector
 * (https://docs.splunk.com/Documentation/Splunk/latest/RESTREF/RESTinput#services.2Fcollector.2Fevent).
 * The token goes in `Authorization: Splunk <token>`. With indexer acknowledgement the request names a
 * channel (a GUID, `X-Splunk-Request-Channel`), HEC answers with an `ackId`, and the batch counts as
 * delivered only once `POST /services/collector/ack` reports that id as indexed
 * (https://docs.splunk.com/Documentation/Splunk/latest/Data/AboutHECIDXAck). HEC's status codes follow
 * HTTP's: 401/403 for a missing or refused token (permanent), 503 when busy (retried).
 */

export interface SplunkDelivery extends WebhookTargetPolicy {
  channel: string;
  /** The collector's base URL (`https://host:8088`). */
  url: string;
  /** The resolved HEC token: a secret. */
  token: string;
  body: string;
  timeoutMs: number;
  acknowledgement: { enabled: boolean; timeoutMs: number; pollIntervalMs: number };
  dispatcher?: Dispatcher;
  now?: () => Date;
}

function endpoint(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

export async function sendToSplunk(delivery: SplunkDelivery): Promise<DeliveryOutcome> {
  const checked = await checkWebhookTarget(delivery.url, delivery);
  if (!checked.ok) return checked.outcome;
  const what = `Splunk HEC for channel ${delivery.channel}`;
  // A fresh channel per attempt: HEC keeps ack ids per channel, and a retry's old ids are of no use.
  const requestChannel = delivery.acknowledgement.enabled ? randomUUID() : undefined;
  const common = {
    timeoutMs: delivery.timeoutMs,
    redact: [delivery.token],
    ...(delivery.dispatcher ? { dispatcher: delivery.dispatcher } : {}),
    ...(delivery.now ? { now: delivery.now } : {}),
  };
  const headers = {
    authorization: `Splunk ${delivery.token}`,
    'user-agent': 'pimwatch',
    ...(requestChannel ? { 'x-splunk-request-channel': requestChannel } : {}),
  };
  const sent = await postJsonForAnswer({
    ...common,
    url: endpoint(checked.url, '/services/collector/event'),
    body: delivery.body,
    headers,
    what,
  });
  if (sent.outcome.status !== 'delivered' || !requestChannel) return sent.outcome;
  const ackId = readAckId(sent.answer);
  if (ackId === undefined) {
    return permanent(`${what} did not return an ackId: is indexer acknowledgement on for this token?`);
  }
  return awaitAcknowledgement(delivery, {
    url: endpoint(checked.url, '/services/collector/ack'),
    headers,
    ackId,
    what,
    common,
  });
}

function readAckId(answer: string | undefined): number | undefined {
  try {
    const parsed = JSON.parse(answer ?? '') as { ackId?: unknown };
    return typeof parsed.ackId === 'number' && Number.isInteger(parsed.ackId) ? parsed.ackId : undefined;
  } catch {
    return undefined;
  }
}

/** Polls until HEC reports the batch indexed, or gives up (retryable: the batch may be indexed later). */
async function awaitAcknowledgement(
  delivery: SplunkDelivery,
  poll: {
    url: URL;
    headers: Record<string, string>;
    ackId: number;
    what: string;
    common: { timeoutMs: number; redact: string[]; dispatcher?: Dispatcher; now?: () => Date };
  },
): Promise<DeliveryOutcome> {
  const deadline = Date.now() + delivery.acknowledgement.timeoutMs;
  const body = JSON.stringify({ acks: [poll.ackId] });
  for (;;) {
    const answered = await postJsonForAnswer({
      ...poll.common,
      url: poll.url,
      body,
      headers: poll.headers,
      what: `${poll.what} (acknowledgement)`,
    });
    if (answered.outcome.status === 'permanent') return answered.outcome;
    if (answered.outcome.status === 'delivered' && isAcknowledged(answered.answer, poll.ackId)) {
      return delivered;
    }
    if (Date.now() + delivery.acknowledgement.pollIntervalMs > deadline) {
      return retryable(
        `${poll.what}: batch not reported indexed within ${delivery.acknowledgement.timeoutMs} ms`,
        { maybeDelivered: true },
      );
    }
    await sleep(delivery.acknowledgement.pollIntervalMs);
  }
}

function isAcknowledged(answer: string | undefined, ackId: number): boolean {
  try {
    const parsed = JSON.parse(answer ?? '') as { acks?: Record<string, unknown> };
    return parsed.acks?.[String(ackId)] === true;
  } catch {
    return false;
  }
}
