import { type DeliveryOutcome, permanent } from './delivery.js';
import { postJson } from './http-post.js';
import { parseWebhookSecret, signWebhook } from './webhook-signature.js';
import { checkWebhookTarget, type WebhookPost } from './webhook-url.js';

/** One signed event; `now` is also the clock the signature's timestamp is read from. */
export interface WebhookDelivery extends WebhookPost {
  /** The resolved `whsec_` signing secrets, each with the config key it came from (for reasons). */
  secrets: readonly { value: string; key: string }[];
  /** The exact JSON text that is signed and sent. */
  body: string;
  /** Sent, and signed, as `webhook-id` so a receiver can drop a redelivery. */
  eventId: string;
}

/**
 * POSTs one event signed per Standard Webhooks. A retry signs again with a fresh timestamp; the body and
 * the `webhook-id` stay the same. A secret that is not a `whsec_` secret (it changed since the config
 * was loaded) is a permanent failure naming its config key, never its value.
 */
export async function sendSignedWebhook(delivery: WebhookDelivery): Promise<DeliveryOutcome> {
  const checked = await checkWebhookTarget(delivery.webhookUrl, delivery);
  if (!checked.ok) return checked.outcome;
  const keys: Buffer[] = [];
  for (const secret of delivery.secrets) {
    const parsed = parseWebhookSecret(secret.value);
    if (!parsed.ok) return permanent(`${secret.key}: ${parsed.reason}`);
    keys.push(parsed.key);
  }
  const now = delivery.now ?? (() => new Date());
  const headers = {
    ...signWebhook({
      id: delivery.eventId,
      body: delivery.body,
      keys,
      timestamp: Math.floor(now().getTime() / 1000),
    }),
    'user-agent': 'pimwatch',
  };
  return postJson({
    url: checked.url,
    body: delivery.body,
    headers,
    timeoutMs: delivery.timeoutMs,
    what: `webhook for channel ${delivery.channel}`,
    redact: delivery.secrets.map((s) => s.value),
    now,
    ...(delivery.dispatcher ? { dispatcher: delivery.dispatcher } : {}),
  });
}
