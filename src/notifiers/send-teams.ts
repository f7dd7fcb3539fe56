import { type DeliveryOutcome, permanent } from './delivery.js';
import { postJson } from './http-post.js';
import { TEAMS_MAX_BYTES, type TeamsMessage } from './teams-card.js';
import { checkWebhookTarget, type WebhookPost } from './webhook-url.js';

/** One card for a Workflows webhook; `webhookUrl` is the resolved Workflows URL. */
export interface TeamsDelivery extends WebhookPost {
  message: TeamsMessage;
}

/**
 * Posts one card to a Teams Workflows webhook, which answers 202 once it has queued the flow run. A card
 * over Teams' size limit is refused here, as Teams would refuse it: resending cannot help.
 */
export async function sendTeamsMessage(delivery: TeamsDelivery): Promise<DeliveryOutcome> {
  const checked = await checkWebhookTarget(delivery.webhookUrl, delivery);
  if (!checked.ok) return checked.outcome;
  const body = JSON.stringify(delivery.message);
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > TEAMS_MAX_BYTES) {
    return permanent(
      `card for channel ${delivery.channel} is ${bytes} bytes; Teams accepts at most ${TEAMS_MAX_BYTES}`,
    );
  }
  return postJson({
    url: checked.url,
    body,
    timeoutMs: delivery.timeoutMs,
    what: `Teams webhook for channel ${delivery.channel}`,
    ...(delivery.dispatcher ? { dispatcher: delivery.dispatcher } : {}),
    ...(delivery.now ? { now: delivery.now } : {}),
  });
}
