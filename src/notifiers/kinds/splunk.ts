import { hostname } from 'node:os';
import { z } from 'zod';
import { secretRefSchema } from '../../config/secret.js';
import { channelSchema, endpointUrl } from '../channel-config.js';
import { defineChannelKind, feedEvents, httpOptions, withSecret } from '../channel-kind.js';
import { sendToSplunk } from '../send-splunk.js';
import { renderSplunkEnvelope, splunkBatchBody } from '../splunk-event.js';

const acknowledgementSchema = z
  .object({
    enabled: z.boolean().default(false).meta({ description: 'Wait for indexer acknowledgement.' }),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(60_000)
      .meta({ description: 'How long to wait for the indexers before trying the delivery again.' }),
    pollIntervalMs: z
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(1000)
      .meta({ description: 'How often `/services/collector/ack` is asked, in milliseconds.' }),
  })
  .strict();

/** Splunk through the HTTP Event Collector: a scan's events in one batch. */
export const splunkKind = defineChannelKind({
  configKey: 'splunk',
  description: 'Splunk through the HTTP Event Collector.',
  schema: channelSchema({
    url: endpointUrl.meta({
      description: "The HTTP Event Collector's base URL, e.g. `https://splunk.example.com:8088`.",
    }),
    token: secretRefSchema.meta({ description: 'The HEC token, sent as `Authorization: Splunk <token>`.' }),
    index: z
      .string()
      .min(1)
      .max(80)
      .optional()
      .meta({ description: "The index events go to. Defaults to the token's default index." }),
    source: z
      .string()
      .min(1)
      .max(200)
      .default('pimwatch')
      .meta({ description: 'The `source` field of the events.' }),
    sourcetype: z
      .string()
      .min(1)
      .max(200)
      .default('pimwatch:incident')
      .meta({ description: 'The `sourcetype` field of the events.' }),
    host: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: "The events' `host` field. Defaults to this machine's host name." }),
    acknowledgement: acknowledgementSchema.prefault({}).meta({
      description:
        'Indexer acknowledgement, for tokens that have it switched on: each request names a channel (`X-Splunk-Request-Channel`), and a delivery only counts once `/services/collector/ack` reports it indexed.',
    }),
  }),
  mode: () => 'digest',
  build(config, context) {
    const { timeoutMs } = context;
    const metadata = {
      host: config.host ?? hostname(),
      source: config.source,
      sourcetype: config.sourcetype,
      ...(config.index !== undefined ? { index: config.index } : {}),
    };
    const ack = config.acknowledgement;
    return {
      // The post, then polling for the acknowledgement (each poll bounded by the timeout too).
      sendTimeoutMs: timeoutMs + (ack.enabled ? ack.timeoutMs + timeoutMs : 0),
      // HEC envelopes, one per line: one request for the scan's batch.
      render: (transitions, ctx) => ({
        body: splunkBatchBody(
          feedEvents(transitions, ctx).map((event) => renderSplunkEnvelope(event, metadata)),
        ),
      }),
      send: (rendered) =>
        withSecret(context, config.token, `HEC token for channel ${config.name}`, (token) =>
          sendToSplunk({
            channel: config.name,
            url: config.url,
            token,
            body: rendered.body,
            timeoutMs,
            ...context.target,
            acknowledgement: ack,
            ...httpOptions(context),
          }),
        ),
    };
  },
  // Events carry the event id, which a Splunk search deduplicates on.
  canDeduplicate: true,
});

export type SplunkChannelConfig = z.output<typeof splunkKind.schema>;
