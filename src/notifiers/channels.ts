import { resolveSecret } from '../config/secret.js';
import type { Transition } from '../model/lifecycle.js';
import type { ChannelConfigBase } from './channel-config.js';
import {
  type ChannelContext,
  type ChannelDependencies,
  type ChannelKindDefinition,
  type ChannelMode,
  deliveryKey,
  type RenderedBase,
} from './channel-kind.js';
import { CHANNEL_KINDS, type ChannelKindTable, type RenderedNotification } from './channel-kinds.js';
import type { NotifiersConfig } from './config-schema.js';
import { type DeliveryOutcome, permanent } from './delivery.js';
import type { RenderContext } from './incident-text.js';
import { type RetryPolicy, retryPolicyFor } from './retry-policy.js';

/**
 * Named channels built from `notifiers`, each with a pure `render` and an I/O-only `send`, so the notify
 * job can run, per transition (or scan) and channel: `outcome = await channel.send(channel.render(ts, ctx))`.
 * Render is deterministic: a retried job renders the same payload again from the same transitions
 * instead of keeping it in job data. Secrets are read at send time, never at build time, so a rotated
 * secret is picked up and nothing secret lives in a channel object or a rendered payload.
 *
 * Nothing here names a kind: each comes from the table of kinds (`CHANNEL_KINDS` unless a caller
 * passes its own).
 */

export type { ChannelKind, RenderedBy, RenderedNotification } from './channel-kinds.js';
export { type ChannelDependencies, type ChannelMode, deliveryKey };

/** What the notify job needs to know about a channel to queue and retry it: no secrets, no senders. */
export interface ChannelDescription {
  name: string;
  /** The kind's key in the table, e.g. `webhook`: what metrics and logs count by. */
  kind: string;
  /**
   * A webhook channel is always `perTransition`: one signed event per request. Sentinel and Splunk
   * are always `digest`: a scan's events go in one batch.
   */
  mode: ChannelMode;
  /** Attempts and the waits between them. */
  retry: RetryPolicy;
  /**
   * Whether a failure after which the receiver may have the message anyway (a timeout once sent) is
   * retried: only where the receiver drops duplicates (the kind's `canDeduplicate`).
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

/** The `notifiers` section as far as channels go: each kind's list, under its `configKey`. */
type ChannelSection = Readonly<Record<string, unknown>> & Pick<NotifiersConfig, 'delivery'>;

interface ConfiguredChannel {
  description: ChannelDescription;
  definition: ChannelKindDefinition;
  config: ChannelConfigBase;
}

/** Every configured channel with its kind's row, in table order. */
function configuredChannels(config: ChannelSection, kinds: ChannelKindTable): ConfiguredChannel[] {
  return Object.entries(kinds).flatMap(([kind, definition]) => {
    // The section was parsed with this table's schemas, so each list holds its kind's configurations.
    const list = (config[definition.configKey] ?? []) as ChannelConfigBase[];
    return list.map((channel) => ({
      definition,
      config: channel,
      description: {
        name: channel.name,
        kind,
        mode: definition.mode(channel),
        retry: retryPolicyFor(channel.retry, config.delivery),
        retryWhenMaybeDelivered: definition.canDeduplicate,
      },
    }));
  });
}

/**
 * Every configured channel's name, kind, mode and retry policy, without building senders: enough to
 * decide how a scan's transitions become notify jobs and when they are retried, and safe where no
 * Graph session can be opened.
 */
export function describeChannels(
  config: ChannelSection,
  kinds: ChannelKindTable = CHANNEL_KINDS,
): Map<string, ChannelDescription> {
  return new Map(configuredChannels(config, kinds).map(({ description }) => [description.name, description]));
}

function renderedBase(channel: string, transitions: readonly Transition[]): RenderedBase {
  if (transitions.length === 0) throw new RangeError(`nothing to render for channel ${channel}`);
  return {
    channel,
    deliveryKey: deliveryKey(channel, transitions),
    eventIds: transitions.map((t) => t.eventId),
  };
}

/**
 * A channel from its kind's implementation. Its `send` takes only payloads this channel rendered: one
 * rendered by another channel is a bug in the caller, recorded as a permanent failure rather than sent.
 */
function buildChannel(configured: ConfiguredChannel, shared: ChannelContext): NotificationChannel {
  const { description, definition, config } = configured;
  const { name, kind } = description;
  const context = { ...shared, timeoutMs: config.timeoutMs ?? shared.timeoutMs };
  const built = definition.build(config, context);
  return {
    ...description,
    sendTimeoutMs: built.sendTimeoutMs ?? context.timeoutMs,
    render(transitions, ctx) {
      const base = renderedBase(name, transitions);
      const payload = built.render(transitions, ctx, base) as object;
      return { ...base, kind, ...payload } as RenderedNotification;
    },
    send(rendered) {
      if (rendered.kind !== kind || rendered.channel !== name) {
        return Promise.resolve(
          permanent(
            `a ${rendered.kind} payload for channel ${rendered.channel} was given to ${kind} channel ${name}`,
          ),
        );
      }
      return built.send(rendered);
    },
  };
}

/** Every configured channel by name. @throws Error when a Graph mail or Sentinel channel has no session provider. */
export function buildChannels(
  config: ChannelSection & Pick<NotifiersConfig, 'allowLoopbackWebhooks' | 'allowPrivateNetworkTargets'>,
  deps: ChannelDependencies = {},
  kinds: ChannelKindTable = CHANNEL_KINDS,
): Map<string, NotificationChannel> {
  const context: ChannelContext = {
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
    configuredChannels(config, kinds).map((configured) => [
      configured.description.name,
      buildChannel(configured, context),
    ]),
  );
}
