import { z } from 'zod';
import { describeSecretRef, type SecretRef, secretRefSchema } from '../config/secret.js';
import { localeTag, timeZone } from '../config/time-zone.js';
import { ALERT_IDS, SEVERITIES } from '../model/alerts.js';
import { retrySchema, STANDARD_WEBHOOKS_SCHEDULE } from './retry-policy.js';
import { parseWebhookSecret } from './webhook-signature.js';

/**
 * The `notifiers` section: named channels (Teams, email, signed webhooks, Sentinel, Splunk), the rules that route incident
 * transitions to them, and delivery settings for the notify job. Defaults live here and only here.
 *
 * Webhook URLs and secrets are secret references (`{ env }` or `{ file }`): a Teams Workflows URL carries
 * its own credential in the query string, so it must never sit in the config file or in a log line.
 */

/** Channel names appear in rules, job ids and logs: keep them short and free of separators. */
const channelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, dash and underscore only (at most 64)');

/** Per-channel override of `delivery.timeoutMs`. */
const timeoutMs = z.number().int().min(100).max(120_000);

const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' });

export const teamsChannelSchema = z
  .object({
    name: channelName,
    /** The Teams Workflows webhook ("When a Teams webhook request is received"). A secret: it authorises posting. */
    webhookUrl: secretRefSchema,
    /**
     * `perTransition`: one card per opened, resolved or reopened incident. `digest`: one card per scan
     * listing every change, trimmed to Teams' size limit with "and N more".
     * @defaultValue perTransition
     */
    mode: z.enum(['perTransition', 'digest']).default('perTransition'),
    /** @defaultValue `delivery.timeoutMs` */
    timeoutMs: timeoutMs.optional(),
    /** @defaultValue `delivery.attempts` with doubling delays from `delivery.backoffMs` */
    retry: retrySchema.optional(),
  })
  .strict();

const smtpTransportSchema = z
  .object({
    type: z.literal('smtp'),
    host: z.string().min(1, 'required'),
    /** @defaultValue 587 */
    port: z.number().int().min(1).max(65_535).default(587),
    /** TLS from the first byte (port 465). With `false`, STARTTLS is used when offered. @defaultValue false */
    secure: z.boolean().default(false),
    /** Refuse to send when the server does not offer STARTTLS (ignored with `secure`). @defaultValue true */
    requireTls: z.boolean().default(true),
    username: z.string().min(1).optional(),
    password: secretRefSchema.optional(),
  })
  .strict()
  .refine((t) => (t.username === undefined) === (t.password === undefined), {
    message: 'username and password go together',
    path: ['password'],
  });

const graphTransportSchema = z
  .object({
    type: z.literal('graph'),
    /** The configured tenant whose app registration sends the mail; it needs the `Mail.Send` application permission. */
    tenantId: z.guid('must be the id (a GUID) of a configured tenant'),
    /** The mailbox mail is sent from: a user id or user principal name. */
    mailbox: z.string().min(1, 'required'),
  })
  .strict();

export const emailChannelSchema = z
  .object({
    name: channelName,
    /** The sender address. Required for SMTP; with Graph the mailbox sends and this, when set, must be it. */
    from: z.email('must be an email address').optional(),
    to: z.array(z.email('must be an email address')).min(1, 'name at least one recipient'),
    /** Put in front of every subject. @defaultValue `[pimwatch]` */
    subjectPrefix: z.string().max(40).default('[pimwatch]'),
    /**
     * `digest`: one mail per scan with every change; `perTransition`: one mail per change.
     * @defaultValue digest
     */
    mode: z.enum(['perTransition', 'digest']).default('digest'),
    transport: z.discriminatedUnion('type', [smtpTransportSchema, graphTransportSchema]),
    /**
     * The domain in each mail's Message-ID (`<key@domain>`).
     * @defaultValue the sender's domain (`from`, or the Graph mailbox)
     */
    messageIdDomain: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name')
      .optional(),
    /** @defaultValue `delivery.timeoutMs` */
    timeoutMs: timeoutMs.optional(),
    /** @defaultValue `delivery.attempts` with doubling delays from `delivery.backoffMs` */
    retry: retrySchema.optional(),
  })
  .strict()
  .refine((c) => c.transport.type !== 'smtp' || c.from !== undefined, {
    message: 'required for an SMTP transport',
    path: ['from'],
  });

export const webhookChannelSchema = z
  .object({
    name: channelName,
    /** Where each event is POSTed. A secret reference, like the signing secrets. */
    url: secretRefSchema,
    /**
     * Standard Webhooks signing secrets (`whsec_` + base64 of 24 to 64 random bytes), each a secret
     * reference. Every one signs every delivery (`webhook-signature` lists one signature per secret), so
     * during a key rotation list the old and the new secret, and drop the old one once the receiver has
     * switched.
     */
    secrets: z.array(secretRefSchema).min(1, 'name at least one signing secret').max(4),
    /** `pimwatch`: our event schema; `ocsf`: an OCSF Detection Finding. @defaultValue pimwatch */
    format: z.enum(['pimwatch', 'ocsf']).default('pimwatch'),
    /** @defaultValue `delivery.timeoutMs` */
    timeoutMs: timeoutMs.optional(),
    /** @defaultValue the Standard Webhooks schedule: PT5S, PT5M, PT30M, PT2H, PT5H, PT10H, PT10H */
    retry: retrySchema.default({ schedule: STANDARD_WEBHOOKS_SCHEDULE }),
  })
  .strict();

/** An http(s) endpoint that is not a secret; plain http only to loopback with `allowLoopbackWebhooks`. */
const endpointUrl = z.url({ protocol: /^https?$/, error: 'must be an https URL' });

export const sentinelChannelSchema = z
  .object({
    name: channelName,
    /**
     * The configured tenant whose credential gets the ingestion token (scope `{audience}/.default`); its
     * app needs the "Monitoring Metrics Publisher" role on the data collection rule.
     */
    tenantId: z.guid('must be the id (a GUID) of a configured tenant'),
    /** The data collection endpoint's (or the rule's own) logs ingestion URL. */
    endpoint: z.url({ protocol: /^https$/, error: 'must be an https URL' }),
    /** The data collection rule's immutable id (`dcr-` and 32 hex digits). */
    ruleId: z.string().regex(/^dcr-[0-9a-f]{32}$/, 'must be a DCR immutable id: dcr- and 32 hex digits'),
    /** The rule's input stream for pimwatch's records, e.g. `Custom-PimwatchIncidents`. */
    stream: z
      .string()
      .regex(/^Custom-[A-Za-z0-9_]{1,100}$/, 'must be a custom stream name: Custom- and letters, digits, _'),
    /** The Azure Monitor audience; another for a sovereign cloud. @defaultValue https://monitor.azure.com */
    audience: z.url({ protocol: /^https$/ }).default('https://monitor.azure.com'),
    /** @defaultValue `delivery.timeoutMs` */
    timeoutMs: timeoutMs.optional(),
    /** @defaultValue `delivery.attempts` with doubling delays from `delivery.backoffMs` */
    retry: retrySchema.optional(),
  })
  .strict();

export const splunkChannelSchema = z
  .object({
    name: channelName,
    /** The HTTP Event Collector's base URL, e.g. `https://splunk.example.com:8088`. */
    url: endpointUrl,
    /** The HEC token, sent as `Authorization: Splunk <token>`. */
    token: secretRefSchema,
    /** The index events go to. @defaultValue the token's default index */
    index: z.string().min(1).max(80).optional(),
    /** @defaultValue pimwatch */
    source: z.string().min(1).max(200).default('pimwatch'),
    /** @defaultValue pimwatch:incident */
    sourcetype: z.string().min(1).max(200).default('pimwatch:incident'),
    /** The events' `host` field. @defaultValue this machine's host name */
    host: z.string().min(1).max(200).optional(),
    /**
     * Indexer acknowledgement, for tokens that have it switched on: each request names a channel
     * (`X-Splunk-Request-Channel`), and a delivery only counts once `/services/collector/ack` reports
     * it indexed.
     */
    acknowledgement: z
      .object({
        /** @defaultValue false */
        enabled: z.boolean().default(false),
        /** How long to wait for the indexers before trying the delivery again. @defaultValue 60000 */
        timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
        /** @defaultValue 1000 */
        pollIntervalMs: z.number().int().min(10).max(60_000).default(1000),
      })
      .strict()
      .prefault({}),
    /** @defaultValue `delivery.timeoutMs` */
    timeoutMs: timeoutMs.optional(),
    /** @defaultValue `delivery.attempts` with doubling delays from `delivery.backoffMs` */
    retry: retrySchema.optional(),
  })
  .strict();

export const routingRuleSchema = z
  .object({
    /** Shown in validation errors and logs. */
    name: z.string().min(1).max(100).optional(),
    /** Channels (by name) that receive what this rule matches. */
    channels: z.array(channelName).min(1, 'name at least one channel'),
    /** Only incidents at least this severe. @defaultValue every severity */
    minSeverity: z.enum(SEVERITIES).optional(),
    /** Only these alerts. @defaultValue every alert */
    alerts: z.array(z.enum(ALERT_IDS)).min(1).optional(),
    /** Only these changes. @defaultValue opened, resolved and reopened */
    transitions: z
      .array(z.enum(['opened', 'resolved', 'reopened']))
      .min(1)
      .optional(),
  })
  .strict();
export type RoutingRule = z.output<typeof routingRuleSchema>;

const routingSchema = z.array(routingRuleSchema);

export const notifiersConfigSchema = z
  .object({
    /** @defaultValue [] */
    teams: z.array(teamsChannelSchema).default([]),
    /** @defaultValue [] */
    email: z.array(emailChannelSchema).default([]),
    /** Signed webhooks carrying SOC feed events (push). @defaultValue [] */
    webhooks: z.array(webhookChannelSchema).default([]),
    /** Microsoft Sentinel (Log Analytics) through the Logs Ingestion API. @defaultValue [] */
    sentinel: z.array(sentinelChannelSchema).default([]),
    /** Splunk through the HTTP Event Collector. @defaultValue [] */
    splunk: z.array(splunkChannelSchema).default([]),
    /**
     * Which transitions go to which channels, for every tenant without its own `notifications.routing`.
     * A transition goes to the channels of every rule it matches. No rules: nothing is sent (the pull
     * feed still records everything). @defaultValue []
     */
    routing: routingSchema.default([]),
    /**
     * Lets webhook, Teams and Splunk URLs use plain `http://` to a loopback address (127.0.0.0/8, ::1, localhost).
     * For tests and local sinks only: anywhere else a webhook URL must be https. @defaultValue false
     */
    allowLoopbackWebhooks: z.boolean().default(false),
    /**
     * Lets https webhook and Teams targets resolve to private (10/8, 172.16/12, 192.168/16, fc00::/7),
     * link-local (169.254/16, fe80::/10) or loopback addresses, e.g. a SIEM inside your own network.
     * Off, such targets are refused at send time, whatever name they are reached by. @defaultValue false
     */
    allowPrivateNetworkTargets: z.boolean().default(false),
    /**
     * A page listing a tenant's incidents, linked from a digest's "and N more"; `{tenantId}` is replaced.
     * @defaultValue the Entra admin center's PIM alerts page of the tenant
     */
    incidentsUrl: httpsUrl.optional(),
    /**
     * The operator console's external base URL (`serve`). Digests link each alert to
     * `{consoleUrl}/tenants/{tenantId}?alert={alertId}` and "See all" to the scan's page.
     * @defaultValue no console links; "See all" points to the scan's HTML report
     */
    consoleUrl: httpsUrl.optional(),
    /** The locale times are written in, in cards and mails. @defaultValue en-GB */
    locale: localeTag.default('en-GB'),
    /** The time zone times are written in. @defaultValue the tenant's `schedule.timezone` (UTC unless set) */
    timeZone: timeZone.optional(),
    feed: z
      .object({
        /** Events the SOC feed (a Redis stream) keeps; older ones are trimmed. @defaultValue 10000 */
        maxLength: z.number().int().min(100).max(10_000_000).default(10_000),
      })
      .strict()
      .prefault({}),
    delivery: z
      .object({
        /** Attempts per notification, the first included, on a channel without `retry`. @defaultValue 6 */
        attempts: z.number().int().min(1).max(50).default(6),
        /** First retry delay on a channel without `retry`; doubles with each attempt. @defaultValue 10000 */
        backoffMs: z.number().int().min(100).max(3_600_000).default(10_000),
        /** Longest wait between attempts, whatever the backoff or `Retry-After` say. @defaultValue 900000 */
        maxDelayMs: z.number().int().min(1000).max(86_400_000).default(900_000),
        /** One delivery attempt's limit (connect, send, answer). @defaultValue 10000 */
        timeoutMs: timeoutMs.default(10_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Map<string, string>();
    const kinds = [
      ['teams', config.teams],
      ['email', config.email],
      ['webhooks', config.webhooks],
      ['sentinel', config.sentinel],
      ['splunk', config.splunk],
    ] as const;
    for (const [kind, channels] of kinds) {
      channels.forEach((channel, index) => {
        const first = seen.get(channel.name);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [kind, index, 'name'],
            message: `duplicate channel name "${channel.name}" (also ${first}); names are shared by all kinds`,
          });
        } else {
          seen.set(channel.name, `${kind}[${index}]`);
        }
      });
    }
    for (const issue of routingIssues(config.routing, seen.keys())) {
      ctx.addIssue({ code: 'custom', path: ['routing', ...issue.path], message: issue.message });
    }
  });
export type NotifiersConfig = z.output<typeof notifiersConfigSchema>;
export type NotifiersConfigInput = z.input<typeof notifiersConfigSchema>;
export type TeamsChannelConfig = NotifiersConfig['teams'][number];
export type EmailChannelConfig = NotifiersConfig['email'][number];
export type WebhookChannelConfig = NotifiersConfig['webhooks'][number];
export type SentinelChannelConfig = NotifiersConfig['sentinel'][number];
export type SplunkChannelConfig = NotifiersConfig['splunk'][number];

/** A tenant's own `notifications`: its routing replaces the top-level `notifiers.routing`. */
export const tenantNotificationsSchema = z
  .object({
    /** Rules for this tenant only; `[]` sends nothing for it. */
    routing: routingSchema,
  })
  .strict();
export type TenantNotifications = z.output<typeof tenantNotificationsSchema>;

export interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

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

/** Every channel name in the configuration. */
export function channelNames(config: NotifiersConfig): string[] {
  return [...config.teams, ...config.email, ...config.webhooks, ...config.sentinel, ...config.splunk].map(
    (c) => c.name,
  );
}

/**
 * Checks that need the whole configuration, for the config loader to run after parsing: tenant routing
 * rules must name configured channels, and a Graph mail transport must send through a configured tenant.
 */
export function notificationConfigIssues(config: {
  notifiers: NotifiersConfig;
  tenants: readonly { id: string; notifications?: TenantNotifications | undefined }[];
}): ConfigIssue[] {
  const names = channelNames(config.notifiers);
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
  config.notifiers.email.forEach((channel, index) => {
    const transport = channel.transport;
    if (transport.type === 'graph' && !tenantIds.has(transport.tenantId.toLowerCase())) {
      issues.push({
        path: ['notifiers', 'email', index, 'transport', 'tenantId'],
        message: `email channel "${channel.name}" sends through tenant ${transport.tenantId}, which is not configured`,
      });
    }
  });
  config.notifiers.sentinel.forEach((channel, index) => {
    if (!tenantIds.has(channel.tenantId.toLowerCase())) {
      issues.push({
        path: ['notifiers', 'sentinel', index, 'tenantId'],
        message: `Sentinel channel "${channel.name}" authenticates as tenant ${channel.tenantId}, which is not configured`,
      });
    }
  });
  return issues;
}

/**
 * Webhook signing secrets that can be read now and are not Standard Webhooks secrets. A secret that
 * cannot be read yet (its variable or file appears later, e.g. a mounted secret) is checked again at
 * every send. Issues name the config key, never the value.
 */
export function webhookSecretIssues(
  notifiers: Pick<NotifiersConfig, 'webhooks'>,
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
