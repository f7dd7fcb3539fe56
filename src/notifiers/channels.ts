import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { LogsIngestionClient } from '@azure/monitor-ingestion';
import type { Dispatcher } from 'undici';
import { resolveSecret, type SecretRef } from '../config/secret.js';
import { type Logger, silentLogger } from '../log.js';
import type { Transition } from '../model/lifecycle.js';
import type {
  EmailChannelConfig,
  NotifiersConfig,
  SentinelChannelConfig,
  SplunkChannelConfig,
  TeamsChannelConfig,
  WebhookChannelConfig,
} from './config-schema.js';
import { type DeliveryOutcome, permanent, sanitizeReason } from './delivery.js';
import { messageIdDomain, messageIdFor, type RenderedEmail, renderEmail, senderOf } from './email.js';
import { type FeedEvent, renderFeedEvent } from './feed-event.js';
import type { RenderContext } from './incident-text.js';
import { toOcsfDetectionFinding } from './ocsf.js';
import { type RetryConfig, type RetryPolicy, retryPolicyFor } from './retry-policy.js';
import { type GraphMailClient, sendGraphMail } from './send-graph-mail.js';
import { type AzureAccess, sendToSentinel, sentinelClient } from './send-sentinel.js';
import { sendSmtpMail, smtpDeadlineMs } from './send-smtp.js';
import { sendToSplunk } from './send-splunk.js';
import { sendTeamsMessage } from './send-teams.js';
import { sendSignedWebhook } from './send-webhook.js';
import { renderSentinelRecord, type SentinelRecord } from './sentinel-record.js';
import { renderSplunkEnvelope, splunkBatchBody } from './splunk-event.js';
import { renderTeamsCard, renderTeamsDigest, type TeamsMessage } from './teams-card.js';
import type { AddressLookup, WebhookTargetPolicy } from './webhook-url.js';

/**
 * Named channels built from `notifiers`, each with a pure `render` and an I/O-only `send`, so the notify
 * job can run, per transition (or scan) and channel: `outcome = await channel.send(channel.render(ts, ctx))`.
 * Render is deterministic: a retried job renders the same payload again from the same transitions
 * instead of keeping it in job data. Secrets are read at send time, never at build time, so a rotated
 * secret is picked up and nothing secret lives in a channel object or a rendered payload.
 */

export type ChannelKind = 'teams' | 'email' | 'webhook' | 'sentinel' | 'splunk';
/** `perTransition`: the job renders each transition alone; `digest`: one render per scan. */
export type ChannelMode = 'perTransition' | 'digest';

interface RenderedBase {
  channel: string;
  /** Stable for these transitions on this channel: a job id, a "sent" marker, and the mail's Message-ID. */
  deliveryKey: string;
  eventIds: string[];
}
export interface RenderedTeams extends RenderedBase {
  kind: 'teams';
  message: TeamsMessage;
}
export interface RenderedMail extends RenderedBase {
  kind: 'email';
  email: RenderedEmail;
  messageId: string;
}
export interface RenderedWebhook extends RenderedBase {
  kind: 'webhook';
  eventId: string;
  /** The exact JSON that is signed and sent. */
  body: string;
}
export interface RenderedSentinel extends RenderedBase {
  kind: 'sentinel';
  records: SentinelRecord[];
}
export interface RenderedSplunk extends RenderedBase {
  kind: 'splunk';
  /** HEC envelopes, one per line. */
  body: string;
}
export type RenderedNotification =
  | RenderedTeams
  | RenderedMail
  | RenderedWebhook
  | RenderedSentinel
  | RenderedSplunk;

/** What the notify job needs to know about a channel to queue and retry it: no secrets, no senders. */
export interface ChannelDescription {
  name: string;
  kind: ChannelKind;
  /**
   * A webhook channel is always `perTransition`: one signed event per request. Sentinel and Splunk
   * are always `digest`: a scan's events go in one batch.
   */
  mode: ChannelMode;
  /** Attempts and the waits between them. */
  retry: RetryPolicy;
  /**
   * Whether a failure after which the receiver may have the message anyway (a timeout once sent) is
   * retried. Not for Teams, which cannot drop a duplicate post; the others carry the event id, which
   * a receiver (or a SIEM query) deduplicates on.
   */
  retryWhenMaybeDelivered: boolean;
}

export interface NotificationChannel extends ChannelDescription {
  /**
   * The longest one `send` can take (the channel's timeout, or the whole SMTP exchange's deadline): how
   * long the notify job must treat a delivery another run started as still under way.
   */
  sendTimeoutMs: number;
  /** Pure. @throws RangeError for no transitions, or for more than one on a webhook channel. */
  render(transitions: readonly Transition[], ctx: RenderContext): RenderedNotification;
  /** I/O only, bounded by the channel's timeout; never throws for an expected failure. */
  send(rendered: RenderedNotification): Promise<DeliveryOutcome>;
}

export interface ChannelDependencies {
  /** How secret references become values. @defaultValue `resolveSecret` (environment and files) */
  readSecret?: (ref: SecretRef, what: string) => string;
  /** The Graph client of a configured tenant, for email channels with a `graph` transport. */
  graphSessionFor?: (tenantId: string) => GraphMailClient | Promise<GraphMailClient>;
  /** A configured tenant's credential and TLS trust, for Sentinel channels. */
  azureAccessFor?: (tenantId: string) => AzureAccess | Promise<AzureAccess>;
  /** For webhook and Teams posts, e.g. a dispatcher trusting an extra CA. @defaultValue undici's global one */
  dispatcher?: Dispatcher;
  /** How webhook and Teams host names are resolved for the private-network check. @defaultValue the system resolver */
  lookup?: AddressLookup;
  /** Outcomes are logged here, with channel names only: never a URL or a secret. */
  logger?: Logger;
  /** @defaultValue the system clock */
  now?: () => Date;
}

/** `{channel}-{eventId}` for one transition, `{channel}-{hash of the sorted event ids}` for several. */
export function deliveryKey(channel: string, transitions: readonly Pick<Transition, 'eventId'>[]): string {
  const ids = transitions.map((t) => t.eventId).sort();
  const id =
    ids.length === 1 ? ids[0]! : createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 32);
  return `${channel}-${id}`;
}

function base(channel: string, transitions: readonly Transition[]): RenderedBase {
  if (transitions.length === 0) throw new RangeError(`nothing to render for channel ${channel}`);
  return {
    channel,
    deliveryKey: deliveryKey(channel, transitions),
    eventIds: transitions.map((t) => t.eventId),
  };
}

interface Shared {
  deps: ChannelDependencies;
  readSecret: (ref: SecretRef, what: string) => string;
  target: WebhookTargetPolicy;
  timeoutMs: number;
}

/**
 * Reads a secret for a send; a missing one is a settings problem, so a permanent outcome whose reason
 * names the reference (an environment variable or file), never a value.
 */
function withSecret(
  shared: Shared,
  ref: SecretRef,
  what: string,
  use: (value: string) => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  let value: string;
  try {
    value = shared.readSecret(ref, what);
  } catch (error) {
    return Promise.resolve(permanent(sanitizeReason(error instanceof Error ? error.message : String(error))));
  }
  return use(value);
}

type RenderedOf<K extends ChannelKind> = Extract<RenderedNotification, { kind: K }>;

/**
 * A channel's `send`, given only payloads this channel rendered. One rendered by another channel is a bug
 * in the caller, recorded as a permanent failure rather than sent.
 */
function sendOwn<K extends ChannelKind>(
  name: string,
  kind: K,
  send: (rendered: RenderedOf<K>) => Promise<DeliveryOutcome>,
): (rendered: RenderedNotification) => Promise<DeliveryOutcome> {
  return (rendered) =>
    rendered.kind === kind && rendered.channel === name
      ? send(rendered as RenderedOf<K>)
      : Promise.resolve(
          permanent(
            `a ${rendered.kind} payload for channel ${rendered.channel} was given to ${kind} channel ${name}`,
          ),
        );
}

/** The HTTP senders' optional dependencies, passed on only when set. */
function httpOptions(shared: Shared): { dispatcher?: Dispatcher; now?: () => Date } {
  return {
    ...(shared.deps.dispatcher ? { dispatcher: shared.deps.dispatcher } : {}),
    ...(shared.deps.now ? { now: shared.deps.now } : {}),
  };
}

function teamsChannel(
  config: TeamsChannelConfig,
  shared: Shared,
  description: ChannelDescription,
): NotificationChannel {
  const name = config.name;
  return {
    ...description,
    sendTimeoutMs: config.timeoutMs ?? shared.timeoutMs,
    render(transitions, ctx) {
      // One change gets the full card whatever the mode; several make a digest.
      const message =
        transitions.length === 1
          ? renderTeamsCard(transitions[0]!, ctx)
          : renderTeamsDigest(transitions, ctx);
      return { ...base(name, transitions), kind: 'teams', message };
    },
    send: sendOwn(name, 'teams', (rendered) =>
      withSecret(shared, config.webhookUrl, `webhook URL for channel ${name}`, (webhookUrl) =>
        sendTeamsMessage({
          channel: name,
          webhookUrl,
          message: rendered.message,
          timeoutMs: config.timeoutMs ?? shared.timeoutMs,
          ...shared.target,
          ...httpOptions(shared),
        }),
      ),
    ),
  };
}

function emailChannel(
  config: EmailChannelConfig,
  shared: Shared,
  description: ChannelDescription,
): NotificationChannel {
  const name = config.name;
  const timeoutMs = config.timeoutMs ?? shared.timeoutMs;
  const transport = config.transport;
  if (transport.type === 'graph' && !shared.deps.graphSessionFor) {
    throw new Error(`email channel ${name} sends through Graph, but no Graph session was provided`);
  }
  return {
    ...description,
    sendTimeoutMs: transport.type === 'smtp' ? smtpDeadlineMs(timeoutMs) : timeoutMs,
    render(transitions, ctx) {
      const domain = messageIdDomain({ messageIdDomain: config.messageIdDomain, from: senderOf(config) });
      const rendered = base(name, transitions);
      const email = renderEmail(transitions, ctx, { subjectPrefix: config.subjectPrefix });
      return { ...rendered, kind: 'email', email, messageId: messageIdFor(rendered.deliveryKey, domain) };
    },
    send: sendOwn(name, 'email', async (rendered) => {
      if (transport.type === 'graph') {
        let http: GraphMailClient;
        try {
          http = await shared.deps.graphSessionFor!(transport.tenantId);
        } catch (error) {
          return permanent(
            `no Graph session for tenant ${transport.tenantId}: ${sanitizeReason(error instanceof Error ? error.message : String(error))}`,
          );
        }
        return sendGraphMail({
          channel: name,
          http,
          mailbox: transport.mailbox,
          ...(config.from ? { from: config.from } : {}),
          to: config.to,
          email: rendered.email,
          timeoutMs,
        });
      }
      const send = (password?: string) =>
        sendSmtpMail({
          channel: name,
          server: {
            host: transport.host,
            port: transport.port,
            secure: transport.secure,
            requireTls: transport.requireTls,
            ...(transport.username && password !== undefined
              ? { username: transport.username, password }
              : {}),
          },
          from: config.from!,
          to: config.to,
          email: rendered.email,
          messageId: rendered.messageId,
          timeoutMs,
        });
      return transport.password
        ? withSecret(shared, transport.password, `SMTP password for channel ${name}`, send)
        : send();
    }),
  };
}

function webhookChannel(
  config: WebhookChannelConfig,
  shared: Shared,
  description: ChannelDescription,
): NotificationChannel {
  const name = config.name;
  return {
    ...description,
    sendTimeoutMs: config.timeoutMs ?? shared.timeoutMs,
    render(transitions, ctx) {
      if (transitions.length !== 1) {
        throw new RangeError(
          `webhook channel ${name} sends one event per request, not ${transitions.length}`,
        );
      }
      const event = renderFeedEvent(transitions[0]!, ctx);
      const payload = config.format === 'ocsf' ? toOcsfDetectionFinding(event) : event;
      return {
        ...base(name, transitions),
        kind: 'webhook',
        eventId: event.eventId,
        body: JSON.stringify(payload),
      };
    },
    send: sendOwn(name, 'webhook', (rendered) =>
      withSecret(shared, config.url, `webhook URL for channel ${name}`, (url) =>
        withSecrets(shared, config.secrets, `webhook channel ${name}`, (secrets) =>
          sendSignedWebhook({
            channel: name,
            url,
            secrets,
            body: rendered.body,
            eventId: rendered.eventId,
            timeoutMs: config.timeoutMs ?? shared.timeoutMs,
            ...shared.target,
            ...httpOptions(shared),
          }),
        ),
      ),
    ),
  };
}

/** Reads several secrets for a send, each named `secrets[i] of {owner}`; the first missing one fails it. */
function withSecrets(
  shared: Shared,
  refs: readonly SecretRef[],
  owner: string,
  use: (values: { value: string; key: string }[]) => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  const read = (index: number, values: { value: string; key: string }[]): Promise<DeliveryOutcome> => {
    if (index === refs.length) return use(values);
    const key = `secrets[${index}] of ${owner}`;
    return withSecret(shared, refs[index]!, key, (value) => read(index + 1, [...values, { value, key }]));
  };
  return read(0, []);
}

/** Feed events for a batch channel: every transition of the scan routed to it. */
function feedEvents(transitions: readonly Transition[], ctx: RenderContext): FeedEvent[] {
  return transitions.map((transition) => renderFeedEvent(transition, ctx));
}

function sentinelChannel(
  config: SentinelChannelConfig,
  shared: Shared,
  description: ChannelDescription,
): NotificationChannel {
  const name = config.name;
  const timeoutMs = config.timeoutMs ?? shared.timeoutMs;
  const accessFor = shared.deps.azureAccessFor;
  if (!accessFor) {
    throw new Error(`Sentinel channel ${name} needs a tenant credential, but none was provided`);
  }
  let client: Promise<LogsIngestionClient> | undefined;
  const target = {
    channel: name,
    endpoint: config.endpoint,
    ruleId: config.ruleId,
    stream: config.stream,
    audience: config.audience,
  };
  return {
    ...description,
    sendTimeoutMs: timeoutMs,
    render(transitions, ctx) {
      const records = feedEvents(transitions, ctx).map(renderSentinelRecord);
      return { ...base(name, transitions), kind: 'sentinel', records };
    },
    send: sendOwn(name, 'sentinel', async (rendered) => {
      // Asked for lazily, and again after a failure: the tenant's session may not open at first.
      client ??= Promise.resolve()
        .then(() => accessFor(config.tenantId))
        .then((access) => sentinelClient(target, access));
      let ready: LogsIngestionClient;
      try {
        ready = await client;
      } catch (error) {
        client = undefined;
        return permanent(
          `no credential for tenant ${config.tenantId}: ${sanitizeReason(error instanceof Error ? error.message : String(error))}`,
        );
      }
      return sendToSentinel(ready, { ...target, records: rendered.records, timeoutMs });
    }),
  };
}

function splunkChannel(
  config: SplunkChannelConfig,
  shared: Shared,
  description: ChannelDescription,
): NotificationChannel {
  const name = config.name;
  const timeoutMs = config.timeoutMs ?? shared.timeoutMs;
  const metadata = {
    host: config.host ?? hostname(),
    source: config.source,
    sourcetype: config.sourcetype,
    ...(config.index !== undefined ? { index: config.index } : {}),
  };
  const ack = config.acknowledgement;
  return {
    ...description,
    // The post, then polling for the acknowledgement (each poll bounded by the timeout too).
    sendTimeoutMs: timeoutMs + (ack.enabled ? ack.timeoutMs + timeoutMs : 0),
    render(transitions, ctx) {
      const envelopes = feedEvents(transitions, ctx).map((event) => renderSplunkEnvelope(event, metadata));
      return { ...base(name, transitions), kind: 'splunk', body: splunkBatchBody(envelopes) };
    },
    send: sendOwn(name, 'splunk', (rendered) =>
      withSecret(shared, config.token, `HEC token for channel ${name}`, (token) =>
        sendToSplunk({
          channel: name,
          url: config.url,
          token,
          body: rendered.body,
          timeoutMs,
          ...shared.target,
          acknowledgement: ack,
          ...httpOptions(shared),
        }),
      ),
    ),
  };
}

/** Logs every outcome with what identifies it, and nothing that could be a secret. */
function logged(channel: NotificationChannel, log: Logger): NotificationChannel {
  return {
    ...channel,
    async send(rendered) {
      const outcome = await channel.send(rendered);
      const fields = {
        channel: channel.name,
        kind: channel.kind,
        deliveryKey: rendered.deliveryKey,
        events: rendered.eventIds.length,
        outcome: outcome.status,
        ...(outcome.status !== 'delivered' ? { reason: outcome.reason } : {}),
        ...(outcome.status === 'delivered' && outcome.note ? { note: outcome.note } : {}),
        ...(outcome.status === 'retryable' && outcome.retryAfterMs !== undefined
          ? { retryAfterMs: outcome.retryAfterMs }
          : {}),
        ...(outcome.status === 'retryable' && outcome.maybeDelivered ? { maybeDelivered: true } : {}),
      };
      if (outcome.status === 'delivered') log.info(fields, 'notification delivered');
      else if (outcome.status === 'retryable') log.warn(fields, 'notification not delivered, will retry');
      else log.error(fields, 'notification failed permanently');
      return outcome;
    },
  };
}

type Builder<C> = (config: C, shared: Shared, description: ChannelDescription) => NotificationChannel;

/**
 * Every channel kind in one table: where its configurations live, how it groups transitions, whether a
 * maybe-delivered failure is retried, and how it is built. A new kind is a new row.
 */
function channelTable(config: NotifiersConfig) {
  const row = <C extends { name: string; retry?: RetryConfig | undefined }>(
    kind: ChannelKind,
    configs: readonly C[],
    mode: (c: C) => ChannelMode,
    retryWhenMaybeDelivered: boolean,
    build: Builder<C>,
  ) =>
    configs.map((c) => ({
      description: {
        name: c.name,
        kind,
        mode: mode(c),
        retry: retryPolicyFor(c.retry, config.delivery),
        retryWhenMaybeDelivered,
      } satisfies ChannelDescription,
      build: (shared: Shared, description: ChannelDescription) => build(c, shared, description),
    }));
  return [
    ...row('teams', config.teams, (c) => c.mode, false, teamsChannel),
    ...row('email', config.email, (c) => c.mode, true, emailChannel),
    ...row('webhook', config.webhooks, () => 'perTransition', true, webhookChannel),
    ...row('sentinel', config.sentinel, () => 'digest', true, sentinelChannel),
    ...row('splunk', config.splunk, () => 'digest', true, splunkChannel),
  ];
}

/**
 * Every configured channel's name, kind, mode and retry policy, without building senders: enough to
 * decide how a scan's transitions become notify jobs and when they are retried, and safe where no
 * Graph session can be opened.
 */
export function describeChannels(config: NotifiersConfig): Map<string, ChannelDescription> {
  return new Map(channelTable(config).map(({ description }) => [description.name, description]));
}

/** Every configured channel by name. @throws Error when a Graph mail or Sentinel channel has no session provider. */
export function buildChannels(
  config: NotifiersConfig,
  deps: ChannelDependencies = {},
): Map<string, NotificationChannel> {
  const log = deps.logger ?? silentLogger;
  const shared: Shared = {
    deps,
    readSecret: deps.readSecret ?? ((ref, what) => resolveSecret(ref, what)),
    target: {
      allowLoopback: config.allowLoopbackWebhooks,
      allowPrivateNetwork: config.allowPrivateNetworkTargets,
      ...(deps.lookup ? { lookup: deps.lookup } : {}),
    },
    timeoutMs: config.delivery.timeoutMs,
  };
  return new Map(
    channelTable(config).map(({ description, build }) => [
      description.name,
      logged(build(shared, description), log),
    ]),
  );
}
