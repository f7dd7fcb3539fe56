import { z } from 'zod';
import { describeSecretRef, type SecretRef, secretRefSchema } from '../../config/secret.js';
import { channelSchema } from '../channel-config.js';
import {
  type ConfigIssue,
  defineChannelKind,
  httpOptions,
  withSecret,
  withSecrets,
} from '../channel-kind.js';
import { renderFeedEvent } from '../feed-event.js';
import { toOcsfDetectionFinding } from '../ocsf.js';
import { retrySchema, STANDARD_WEBHOOKS_SCHEDULE } from '../retry-policy.js';
import { sendSignedWebhook } from '../send-webhook.js';
import { parseWebhookSecret } from '../webhook-signature.js';

/** Signed webhooks (Standard Webhooks) carrying one SOC feed event per request. */
export const webhookKind = defineChannelKind({
  configKey: 'webhooks',
  description: 'Signed webhooks carrying SOC feed events (push).',
  schema: channelSchema(
    {
      url: secretRefSchema.meta({
        description: 'Where each event is POSTed. A secret reference, like the signing secrets.',
      }),
      secrets: z.array(secretRefSchema).min(1, 'name at least one signing secret').max(4).meta({
        description:
          'Standard Webhooks signing secrets (`whsec_` + base64 of 24 to 64 random bytes), each a secret reference. Every one signs every delivery (`webhook-signature` lists one signature per secret), so during a key rotation list the old and the new secret, and drop the old one once the receiver has switched.',
      }),
      format: z
        .enum(['pimwatch', 'ocsf'])
        .default('pimwatch')
        .meta({ description: '`pimwatch`: our event schema; `ocsf`: an OCSF Detection Finding.' }),
    },
    retrySchema.default({ schedule: STANDARD_WEBHOOKS_SCHEDULE }).meta({
      description:
        'When failed deliveries are tried again. Defaults to the Standard Webhooks schedule: PT5S, PT5M, PT30M, PT2H, PT5H, PT10H, PT10H.',
    }),
  ),
  mode: () => 'perTransition',
  build(config, context) {
    const { timeoutMs } = context;
    return {
      // The event id goes out as `webhook-id`; the body is the exact JSON that is signed and sent.
      render(transitions, ctx) {
        if (transitions.length !== 1) {
          throw new RangeError(
            `webhook channel ${config.name} sends one event per request, not ${transitions.length}`,
          );
        }
        const event = renderFeedEvent(transitions[0]!, ctx);
        const payload = config.format === 'ocsf' ? toOcsfDetectionFinding(event) : event;
        return { eventId: event.eventId, body: JSON.stringify(payload) };
      },
      send: (rendered) =>
        withSecret(context, config.url, `webhook URL for channel ${config.name}`, (webhookUrl) =>
          withSecrets(context, config.secrets, `webhook channel ${config.name}`, (secrets) =>
            sendSignedWebhook({
              channel: config.name,
              webhookUrl,
              secrets,
              body: rendered.body,
              eventId: rendered.eventId,
              timeoutMs,
              ...context.target,
              ...httpOptions(context),
            }),
          ),
        ),
    };
  },
  // Every request carries the event id as `webhook-id`, which a receiver drops a redelivery by.
  canDeduplicate: true,
});

/**
 * Webhook signing secrets that can be read now and are not Standard Webhooks secrets. A secret that
 * cannot be read yet (its variable or file appears later, e.g. a mounted secret) is checked again at
 * every send. Issues name the config key, never the value.
 */
export function webhookSecretIssues(
  notifiers: { webhooks: readonly WebhookChannelConfig[] },
  readSecret: (ref: SecretRef) => string | undefined,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  notifiers.webhooks.forEach((channel, index) => {
    channel.secrets.forEach((ref, secretIndex) => {
      const value = readSecret(ref);
      if (value === undefined) return;
      const parsed = parseWebhookSecret(value);
      if (!parsed.ok) {
        issues.push({
          path: ['notifiers', 'webhooks', index, 'secrets', secretIndex],
          message: `the signing secret of webhook channel "${channel.name}" (${describeSecretRef(ref)}) ${parsed.reason}`,
        });
      }
    });
  });
  return issues;
}

export type WebhookChannelConfig = z.output<typeof webhookKind.schema>;
