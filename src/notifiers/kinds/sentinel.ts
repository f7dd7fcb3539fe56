import type { LogsIngestionClient } from '@azure/monitor-ingestion';
import { z } from 'zod';
import { channelSchema } from '../channel-config.js';
import { defineChannelKind, errorReason, feedEvents } from '../channel-kind.js';
import { permanent } from '../delivery.js';
import { sendToSentinel, sentinelClient } from '../send-sentinel.js';
import { renderSentinelRecord } from '../sentinel-record.js';

/** Microsoft Sentinel (Log Analytics) through the Logs Ingestion API: a scan's records in one batch. */
export const sentinelKind = defineChannelKind({
  configKey: 'sentinel',
  description: 'Microsoft Sentinel (Log Analytics) through the Logs Ingestion API.',
  schema: channelSchema({
    tenantId: z.guid('must be the id (a GUID) of a configured tenant').meta({
      description:
        'The configured tenant whose credential gets the ingestion token (scope `{audience}/.default`); its app needs the "Monitoring Metrics Publisher" role on the data collection rule.',
    }),
    endpoint: z.url({ protocol: /^https$/, error: 'must be an https URL' }).meta({
      description: "The data collection endpoint's (or the rule's own) logs ingestion URL.",
    }),
    ruleId: z
      .string()
      .regex(/^dcr-[0-9a-f]{32}$/, 'must be a DCR immutable id: dcr- and 32 hex digits')
      .meta({ description: "The data collection rule's immutable id (`dcr-` and 32 hex digits)." }),
    stream: z
      .string()
      .regex(/^Custom-[A-Za-z0-9_]{1,100}$/, 'must be a custom stream name: Custom- and letters, digits, _')
      .meta({
        description: "The rule's input stream for pimwatch's records, e.g. `Custom-PimwatchIncidents`.",
      }),
    audience: z
      .url({ protocol: /^https$/ })
      .default('https://monitor.azure.com')
      .meta({ description: 'The Azure Monitor audience; another for a sovereign cloud.' }),
  }),
  mode: () => 'digest',
  build(config, context) {
    const { timeoutMs } = context;
    const accessFor = context.deps.azureAccessFor;
    if (!accessFor) {
      throw new Error(`Sentinel channel ${config.name} needs a tenant credential, but none was provided`);
    }
    let client: Promise<LogsIngestionClient> | undefined;
    const target = {
      channel: config.name,
      endpoint: config.endpoint,
      ruleId: config.ruleId,
      stream: config.stream,
      audience: config.audience,
    };
    return {
      render: (transitions, ctx) => ({
        records: feedEvents(transitions, ctx).map(renderSentinelRecord),
      }),
      async send(rendered) {
        // Asked for lazily, and again after a failure: the tenant's session may not open at first.
        client ??= Promise.resolve()
          .then(() => accessFor(config.tenantId))
          .then((access) => sentinelClient(target, access));
        let ready: LogsIngestionClient;
        try {
          ready = await client;
        } catch (error) {
          client = undefined;
          return permanent(`no credential for tenant ${config.tenantId}: ${errorReason(error)}`);
        }
        return sendToSentinel(ready, { ...target, records: rendered.records, timeoutMs });
      },
    };
  },
  configIssues(config, whole) {
    if (whole.tenantIds.has(config.tenantId.toLowerCase())) return [];
    return [
      {
        path: ['tenantId'],
        message: `Sentinel channel "${config.name}" authenticates as tenant ${config.tenantId}, which is not configured`,
      },
    ];
  },
  // Records carry the event id, which a Sentinel query deduplicates on.
  canDeduplicate: true,
});

export type SentinelChannelConfig = z.output<typeof sentinelKind.schema>;
