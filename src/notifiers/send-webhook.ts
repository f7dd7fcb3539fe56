import type { Dispatcher } from 'undici';
import type { DeliveryOutcome } from './delivery.js';
import { postJson } from './http-post.js';
import { EVENT_ID_HEADER, signWebhook } from './webhook-signature.js';
import { checkWebhookTarget, type WebhookTargetPolicy } from './webhook-url.js';

export interface WebhookDelivery extends WebhookTargetPolicy {
  channel: string;
  /** The resolved URL: a secret. */
  url: string;
  /** The resolved signing secret. */
  secret: string;
  /** The exact JSON text that is signed and sent. */
  body: string;
  /** Sent as `X-Pimwatch-Event-Id` so a receiver can drop a redelivery before parsing. */
  eventId: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
  /** The clock the signature's timestamp is read from. @defaultValue the system clock */
  now?: () => Date;
}

/** POSTs one signed event. A retry signs again with a fresh timestamp; the body and event id stay the same. */
export async function sendSignedWebhook(delivery: WebhookDelivery): Promise<DeliveryOutcome> {
  const checked = await checkWebhookTarget(delivery.url, delivery);
  if (!checked.ok) return checked.outcome;
  const now = delivery.now ?? (() => new Date());
  const headers = {
    ...signWebhook({
      body: delivery.body,
      secret: delivery.secret,
      timestamp: Math.floor(now().getTime() / 1000),
    }),
    [EVENT_ID_HEADER]: delivery.eventId,
    'user-agent': 'pimwatch',
  };
  return postJson({
    url: checked.url,
    body: delivery.body,
    headers,
    timeoutMs: delivery.timeoutMs,
    what: `webhook for channel ${delivery.channel}`,
    redact: [delivery.secret],
    now,
    ...(delivery.dispatcher ? { dispatcher: delivery.dispatcher } : {}),
  });
}
