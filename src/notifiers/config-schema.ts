import { z } from 'zod';
import { localeTag, timeZone } from '../config/time-zone.js';
import { ALERT_IDS, SEVERITIES } from '../model/alerts.js';
import { channelName, httpsUrl, timeoutMs } from './channel-config.js';
import type { ConfigIssue } from './channel-kind.js';
import { CHANNEL_KINDS, type ChannelKindTable } from './channel-kinds.js';

/**
 * The `notifiers` section: named channels (Teams, email, signed webhooks, Sentinel, Splunk), the rules that route incident
 * transitions to them, and delivery settings for the notify job. Defaults live here and only here.
 *
 * Webhook URLs and secrets are secret references (`{ env }` or `{ file }`): a Teams Workflows URL carries
 * its own credential in the query string, so it must never sit in the config file or in a log line.
 */

export const routingRuleSchema = z
  .object({
    name: z.string().min(1).max(100).optional().meta({ description: 'Shown in validation errors and logs.' }),
    channels: z
      .array(channelName)
      .min(1, 'name at least one channel')
      .meta({ description: 'Channels (by name) that receive what this rule matches.' }),
    minSeverity: z
      .enum(SEVERITIES)
      .optional()
      .meta({ description: 'Only incidents at least this severe. Defaults to every severity.' }),
    alerts: z
      .array(z.enum(ALERT_IDS))
      .min(1)
      .optional()
      .meta({ description: 'Only these alerts. Defaults to every alert.' }),
    transitions: z
      .array(z.enum(['opened', 'resolved', 'reopened']))
      .min(1)
      .optional()
      .meta({ description: 'Only these changes. Defaults to opened, resolved and reopened.' }),
  })
  .strict();
export type RoutingRule = z.output<typeof routingRuleSchema>;

const routingSchema = z.array(routingRuleSchema);

/** One list per channel kind, under the kind's `configKey`, empty by default. */
type ChannelListsShape<T extends ChannelKindTable> = {
  -readonly [K in keyof T as T[K]['configKey']]: z.ZodDefault<z.ZodArray<T[K]['schema']>>;
};

function channelListsShape<T extends ChannelKindTable>(kinds: T): ChannelListsShape<T> {
  return Object.fromEntries(
    Object.values(kinds).map((kind) => [
      kind.configKey,
      z.array(kind.schema).default([]).meta({ description: kind.description }),
    ]),
  ) as ChannelListsShape<T>;
}

const settingsShape = {
  routing: routingSchema.default([]).meta({
    description:
      'Which transitions go to which channels, for every tenant without its own `notifications.routing`. A transition goes to the channels of every rule it matches. No rules: nothing is sent (the pull feed still records everything).',
  }),
  allowLoopbackWebhooks: z.boolean().default(false).meta({
    description:
      'Lets webhook, Teams and Splunk URLs use plain `http://` to a loopback address (127.0.0.0/8, ::1, localhost). For tests and local sinks only: anywhere else a webhook URL must be https.',
  }),
  allowPrivateNetworkTargets: z.boolean().default(false).meta({
    description:
      'Lets https webhook and Teams targets resolve to private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10) or loopback addresses, e.g. a SIEM inside your own network. Off, such targets are refused at send time, whatever name they are reached by.',
  }),
  incidentsUrl: httpsUrl.optional().meta({
    description:
      "A page listing a tenant's incidents, linked from a digest's \"and N more\"; `{tenantId}` is replaced. Defaults to the Entra admin center's PIM alerts page of the tenant.",
  }),
  consoleUrl: httpsUrl.optional().meta({
    description:
      'The operator console\'s external base URL (`serve`). Digests link each alert to `{consoleUrl}/tenants/{tenantId}?alert={alertId}` and "See all" to the scan\'s page. Without it: no console links, and "See all" points to the scan\'s HTML report.',
  }),
  locale: localeTag
    .default('en-GB')
    .meta({ description: 'The locale times are written in, in cards and mails.' }),
  timeZone: timeZone.optional().meta({
    description:
      "The time zone times are written in. Defaults to the tenant's `schedule.timezone` (UTC unless set).",
  }),
  feed: z
    .object({
      maxLength: z.number().int().min(100).max(10_000_000).default(10_000).meta({
        description: 'Events the SOC feed (a Redis stream) keeps; older ones are trimmed.',
      }),
    })
    .strict()
    .prefault({})
    .meta({ description: 'The pull feed of every transition.' }),
  delivery: z
    .object({
      attempts: z.number().int().min(1).max(50).default(6).meta({
        description: 'Attempts per notification, the first included, on a channel without `retry`.',
      }),
      backoffMs: z.number().int().min(100).max(3_600_000).default(10_000).meta({
        description: 'First retry delay on a channel without `retry`; doubles with each attempt.',
      }),
      maxDelayMs: z.number().int().min(1000).max(86_400_000).default(900_000).meta({
        description: 'Longest wait between attempts, whatever the backoff or `Retry-After` say.',
      }),
      timeoutMs: timeoutMs.default(10_000).meta({
        description: "One delivery attempt's limit (connect, send, answer).",
      }),
    })
    .strict()
    .prefault({})
    .meta({ description: 'How the notify job delivers: attempts, backoff and timeouts.' }),
};

/** Channel names are shared by all kinds: one issue per name used twice. */
function duplicateNameIssues(
  config: Readonly<Record<string, unknown>>,
  kinds: ChannelKindTable,
): ConfigIssue[] {
  const seen = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  for (const { configKey } of Object.values(kinds)) {
    (config[configKey] as { name: string }[]).forEach((channel, index) => {
      const first = seen.get(channel.name);
      if (first === undefined) {
        seen.set(channel.name, `${configKey}[${index}]`);
        return;
      }
      issues.push({
        path: [configKey, index, 'name'],
        message: `duplicate channel name "${channel.name}" (also ${first}); names are shared by all kinds`,
      });
    });
  }
  return issues;
}

/**
 * The `notifiers` schema for a table of channel kinds: one list per kind, then routing and delivery
 * settings. Names must be unique across kinds, and routing rules must name configured channels.
 */
export function notifiersSchemaFor<T extends ChannelKindTable>(kinds: T) {
  return z
    .object({ ...channelListsShape(kinds), ...settingsShape })
    .strict()
    .superRefine((config, ctx) => {
      const section = config as Readonly<Record<string, unknown>>;
      const issues = [
        ...duplicateNameIssues(section, kinds),
        ...routingIssues(section.routing as RoutingRule[], channelNames(section, kinds)).map((issue) => ({
          ...issue,
          path: ['routing', ...issue.path],
        })),
      ];
      for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
    });
}

export const notifiersConfigSchema = notifiersSchemaFor(CHANNEL_KINDS);
export type NotifiersConfig = z.output<typeof notifiersConfigSchema>;
export type NotifiersConfigInput = z.input<typeof notifiersConfigSchema>;
export type { EmailChannelConfig } from './kinds/email.js';
export type { SentinelChannelConfig } from './kinds/sentinel.js';
export type { SplunkChannelConfig } from './kinds/splunk.js';
export type { TeamsChannelConfig } from './kinds/teams.js';
export { type WebhookChannelConfig, webhookSecretIssues } from './kinds/webhook.js';
export type { ConfigIssue };

/** A tenant's own `notifications`: its routing replaces the top-level `notifiers.routing`. */
export const tenantNotificationsSchema = z
  .object({
    routing: routingSchema.meta({ description: 'Rules for this tenant only; `[]` sends nothing for it.' }),
  })
  .strict();
export type TenantNotifications = z.output<typeof tenantNotificationsSchema>;

/** How a rule is named in an error: by its `name` when it has one, by position otherwise. */
function describeRule(rule: RoutingRule, index: number): string {
  return rule.name ? `rule "${rule.name}"` : `rule ${index + 1}`;
}

/** One issue per rule channel that names no configured channel. */
export function routingIssues(rules: readonly RoutingRule[], channelNames: Iterable<string>): ConfigIssue[] {
  const known = new Set(channelNames);
  const listing = known.size > 0 ? [...known].sort().join(', ') : 'none are configured';
  const issues: ConfigIssue[] = [];
  rules.forEach((rule, index) => {
    rule.channels.forEach((channel, channelIndex) => {
      if (!known.has(channel)) {
        issues.push({
          path: [index, 'channels', channelIndex],
          message: `${describeRule(rule, index)} names unknown channel "${channel}" (channels: ${listing})`,
        });
      }
    });
  });
  return issues;
}

/** Every channel name in the configuration, kind by kind. */
export function channelNames(
  config: Readonly<Record<string, unknown>>,
  kinds: ChannelKindTable = CHANNEL_KINDS,
): string[] {
  return Object.values(kinds).flatMap(({ configKey }) =>
    ((config[configKey] ?? []) as { name: string }[]).map((c) => c.name),
  );
}

/**
 * Checks that need the whole configuration, for the config loader to run after parsing: tenant routing
 * rules must name configured channels, and the tenants channels name (a Graph mail transport, a
 * Sentinel credential) must be configured.
 */
export function notificationConfigIssues(
  config: {
    notifiers: NotifiersConfig;
    tenants: readonly { id: string; notifications?: TenantNotifications | undefined }[];
  },
  kinds: ChannelKindTable = CHANNEL_KINDS,
): ConfigIssue[] {
  const notifiers = config.notifiers as Readonly<Record<string, unknown>>;
  const names = channelNames(notifiers, kinds);
  const issues: ConfigIssue[] = [];
  config.tenants.forEach((tenant, index) => {
    if (!tenant.notifications) return;
    for (const issue of routingIssues(tenant.notifications.routing, names)) {
      issues.push({
        path: ['tenants', index, 'notifications', 'routing', ...issue.path],
        message: issue.message,
      });
    }
  });
  const tenantIds = new Set(config.tenants.map((t) => t.id.toLowerCase()));
  for (const kind of Object.values(kinds)) {
    ((notifiers[kind.configKey] ?? []) as Parameters<typeof kind.mode>[0][]).forEach((channel, index) => {
      for (const issue of kind.configIssues?.(channel, { tenantIds }) ?? []) {
        issues.push({ path: ['notifiers', kind.configKey, index, ...issue.path], message: issue.message });
      }
    });
  }
  return issues;
}
