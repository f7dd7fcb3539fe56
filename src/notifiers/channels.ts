import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { resolveSecret, type SecretRef } from '../config/secret.js';
import { type Logger, silentLogger } from '../log.js';
import type { Transition } from '../model/lifecycle.js';
import type {
  EmailChannelConfig,
  NotifiersConfig,
  TeamsChannelConfig,
  WebhookChannelConfig,
} from './config-schema.js';
import { type DeliveryOutcome, permanent, sanitizeReason } from './delivery.js';
import { messageIdDomain, messageIdFor, type RenderedEmail, renderEmail, senderOf } from './email.js';
import { renderFeedEvent } from './feed-event.js';
import type { RenderContext } from './incident-text.js';
import { toOcsfDetectionFinding } from './ocsf.js';
import { type GraphMailClient, sendGraphMail } from './send-graph-mail.js';
import { sendSmtpMail, smtpDeadlineMs } from './send-smtp.js';
import { sendTeamsMessage } from './send-teams.js';
import { sendSignedWebhook } from './send-webhook.js';
import { renderTeamsCard, renderTeamsDigest, type TeamsMessage } from './teams-card.js';

/**
 * Named channels built from `notifiers`, each with a pure `render` and an I/O-only `send`, so the notify
 * job can run, per transition (or scan) and channel: `outcome = await channel.send(channel.render(ts, ctx))`.
 * Render is deterministic: a retried job renders the same payload again from the same transitions
 * instead of keeping it in job data. Secrets are read at send time, never at build time, so a rotated
 * secret is picked up and nothing secret lives in a channel object or a rendered payload.
 */

export type ChannelKind = 'teams' | 'email' | 'webhook';
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
export type RenderedNotification = RenderedTeams | RenderedMail | RenderedWebhook;

/** What the notify job's enqueuer needs to know about a channel: no secrets, no senders. */
export interface ChannelDescription {
  name: string;
  kind: ChannelKind;
  /** A webhook channel is always `perTransition`: one signed event per request. */
  mode: ChannelMode;
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
  /** For webhook and Teams posts, e.g. a dispatcher trusting an extra CA. @defaultValue undici's global one */
  dispatcher?: Dispatcher;
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
  allowLoopback: boolean;
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

/** A payload rendered by another channel: a bug in the caller, recorded rather than sent. */
function misdirected(name: string, kind: ChannelKind, rendered: RenderedNotification): DeliveryOutcome {
  return permanent(
    `a ${rendered.kind} payload for channel ${rendered.channel} was given to ${kind} channel ${name}`,
  );
}

function teamsChannel(config: TeamsChannelConfig, shared: Shared): NotificationChannel {
  const name = config.name;
  return {
    name,
    kind: 'teams',
    mode: config.mode,
    sendTimeoutMs: config.timeoutMs ?? shared.timeoutMs,
    render(transitions, ctx) {
      // One change gets the full card whatever the mode; several make a digest.
      const message =
        transitions.length === 1
          ? renderTeamsCard(transitions[0]!, ctx)
          : renderTeamsDigest(transitions, ctx);
      return { ...base(name, transitions), kind: 'teams', message };
    },
    send(rendered) {
      if (rendered.kind !== 'teams' || rendered.channel !== name) {
        return Promise.resolve(misdirected(name, 'teams', rendered));
      }
      return withSecret(shared, config.webhookUrl, `webhook URL for channel ${name}`, (webhookUrl) =>
        sendTeamsMessage({
          channel: name,
          webhookUrl,
          message: rendered.message,
          timeoutMs: config.timeoutMs ?? shared.timeoutMs,
          allowLoopback: shared.allowLoopback,
          ...(shared.deps.dispatcher ? { dispatcher: shared.deps.dispatcher } : {}),
          ...(shared.deps.now ? { now: shared.deps.now } : {}),
        }),
      );
    },
  };
}

function emailChannel(config: EmailChannelConfig, shared: Shared): NotificationChannel {
  const name = config.name;
  const timeoutMs = config.timeoutMs ?? shared.timeoutMs;
  const transport = config.transport;
  if (transport.type === 'graph' && !shared.deps.graphSessionFor) {
    throw new Error(`email channel ${name} sends through Graph, but no Graph session was provided`);
  }
  return {
    name,
    kind: 'email',
    mode: config.mode,
    sendTimeoutMs: transport.type === 'smtp' ? smtpDeadlineMs(timeoutMs) : timeoutMs,
    render(transitions, ctx) {
      const domain = messageIdDomain({ messageIdDomain: config.messageIdDomain, from: senderOf(config) });
      const rendered = base(name, transitions);
      const email = renderEmail(transitions, ctx, { subjectPrefix: config.subjectPrefix });
      return { ...rendered, kind: 'email', email, messageId: messageIdFor(rendered.deliveryKey, domain) };
    },
    async send(rendered) {
      if (rendered.kind !== 'email' || rendered.channel !== name) return misdirected(name, 'email', rendered);
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
    },
  };
}

function webhookChannel(config: WebhookChannelConfig, shared: Shared): NotificationChannel {
  const name = config.name;
  return {
    name,
    kind: 'webhook',
    mode: 'perTransition',
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
    send(rendered) {
      if (rendered.kind !== 'webhook' || rendered.channel !== name) {
        return Promise.resolve(misdirected(name, 'webhook', rendered));
      }
      return withSecret(shared, config.url, `webhook URL for channel ${name}`, (url) =>
        withSecret(shared, config.secret, `signing secret for channel ${name}`, (secret) =>
          sendSignedWebhook({
            channel: name,
            url,
            secret,
            body: rendered.body,
            eventId: rendered.eventId,
            timeoutMs: config.timeoutMs ?? shared.timeoutMs,
            allowLoopback: shared.allowLoopback,
            ...(shared.deps.dispatcher ? { dispatcher: shared.deps.dispatcher } : {}),
            ...(shared.deps.now ? { now: shared.deps.now } : {}),
          }),
        ),
      );
    },
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

/**
 * Every configured channel's name, kind and mode, without building senders: enough to decide how a
 * scan's transitions become notify jobs, and safe where no Graph session can be opened.
 */
export function describeChannels(config: NotifiersConfig): Map<string, ChannelDescription> {
  const described: ChannelDescription[] = [
    ...config.teams.map((c) => ({ name: c.name, kind: 'teams' as const, mode: c.mode })),
    ...config.email.map((c) => ({ name: c.name, kind: 'email' as const, mode: c.mode })),
    ...config.webhooks.map((c) => ({
      name: c.name,
      kind: 'webhook' as const,
      mode: 'perTransition' as const,
    })),
  ];
  return new Map(described.map((channel) => [channel.name, channel]));
}

/** Every configured channel by name. @throws Error when a Graph mail channel has no session provider. */
export function buildChannels(
  config: NotifiersConfig,
  deps: ChannelDependencies = {},
): Map<string, NotificationChannel> {
  const log = deps.logger ?? silentLogger;
  const shared: Shared = {
    deps,
    readSecret: deps.readSecret ?? ((ref, what) => resolveSecret(ref, what)),
    allowLoopback: config.allowLoopbackWebhooks,
    timeoutMs: config.delivery.timeoutMs,
  };
  const channels = [
    ...config.teams.map((c) => teamsChannel(c, shared)),
    ...config.email.map((c) => emailChannel(c, shared)),
    ...config.webhooks.map((c) => webhookChannel(c, shared)),
  ];
  return new Map(channels.map((channel) => [channel.name, logged(channel, log)]));
}
