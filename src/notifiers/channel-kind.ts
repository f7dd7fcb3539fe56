import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { SecretRef } from '../config/secret.js';
import type { Transition } from '../model/lifecycle.js';
import type { ChannelConfigBase } from './channel-config.js';
import { type DeliveryOutcome, permanent, sanitizeReason } from './delivery.js';
import { type FeedEvent, renderFeedEvent } from './feed-event.js';
import type { RenderContext } from './incident-text.js';
import type { GraphMailClient } from './send-graph-mail.js';
import type { AzureAccess } from './send-sentinel.js';
import type { AddressLookup, WebhookTargetPolicy } from './webhook-url.js';

/**
 * What one channel kind (Teams, email, a SIEM...) is, as a single value: its configuration schema, how
 * it groups transitions, whether a receiver drops duplicates, and how a configured channel renders and
 * sends. The table of kinds (`CHANNEL_KINDS`) is the only place a kind is named; the config schema,
 * the notify job and the logs all iterate it.
 */

/** `perTransition`: the job renders each transition alone; `digest`: one render per scan. */
export type ChannelMode = 'perTransition' | 'digest';

/** What every rendered payload carries, whatever its kind. */
export interface RenderedBase {
  channel: string;
  /** Stable for these transitions on this channel: a job id, a "sent" marker, and the mail's Message-ID. */
  deliveryKey: string;
  eventIds: string[];
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
  /** @defaultValue the system clock */
  now?: () => Date;
}

/** What building one channel may use besides its own configuration. Secrets are read at send time only. */
export interface ChannelContext {
  deps: ChannelDependencies;
  readSecret: (ref: SecretRef, what: string) => string;
  /** `allowLoopbackWebhooks`, `allowPrivateNetworkTargets` and the resolver, for HTTP targets. */
  target: WebhookTargetPolicy;
  /** The channel's own `timeoutMs`, or `delivery.timeoutMs` when it has none. */
  timeoutMs: number;
}

/** One configured channel as its kind builds it: `P` is what its render adds to {@link RenderedBase}. */
export interface ChannelImplementation<P> {
  /**
   * The longest one `send` can take (the channel's timeout, or the whole SMTP exchange's deadline): how
   * long the notify job must treat a delivery another run started as still under way.
   * @defaultValue the channel's timeout
   */
  sendTimeoutMs?: number;
  /** Pure. `base` is already computed for these transitions. @throws RangeError when the kind cannot render them */
  render(transitions: readonly Transition[], ctx: RenderContext, base: RenderedBase): P;
  /** I/O only, bounded by the channel's timeout; never throws for an expected failure. */
  send(rendered: RenderedBase & P): Promise<DeliveryOutcome>;
}

/** A problem in the configuration that needs more than the channel's own section to see. */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

/** One row of the table of channel kinds. */
export interface ChannelKindDefinition<
  Key extends string = string,
  Schema extends z.ZodType<ChannelConfigBase> = z.ZodType<ChannelConfigBase>,
  Payload = unknown,
> {
  /** The list under `notifiers` that holds this kind's channels, e.g. `webhooks`. */
  configKey: Key;
  /** The description of that list in the config reference. */
  description: string;
  /** One channel's configuration; `.strict()`, with every default. */
  schema: Schema;
  /**
   * Whether the receiver drops a second copy (by event id or Message-ID), so a failure after which it
   * may have the message anyway (a timeout once sent) can be retried. Teams cannot: "never twice" wins.
   */
  canDeduplicate: boolean;
  /** How a channel of this kind groups a scan's transitions. */
  mode(config: z.output<Schema>): ChannelMode;
  /** @throws Error when a dependency the channel needs (a Graph session, a credential) was not provided */
  build(config: z.output<Schema>, context: ChannelContext): ChannelImplementation<Payload>;
  /**
   * Checks that need the whole configuration, with paths relative to this channel, e.g. a tenant it
   * names must be configured.
   */
  configIssues?(config: z.output<Schema>, whole: { tenantIds: ReadonlySet<string> }): ConfigIssue[];
}

/** Types a channel kind's row; the identity at run time. */
export function defineChannelKind<Key extends string, Schema extends z.ZodType<ChannelConfigBase>, Payload>(
  definition: ChannelKindDefinition<Key, Schema, Payload>,
): ChannelKindDefinition<Key, Schema, Payload> {
  return definition;
}

/** `{channel}-{eventId}` for one transition, `{channel}-{hash of the sorted event ids}` for several. */
export function deliveryKey(channel: string, transitions: readonly Pick<Transition, 'eventId'>[]): string {
  const ids = transitions.map((t) => t.eventId).sort();
  const id =
    ids.length === 1 ? ids[0]! : createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 32);
  return `${channel}-${id}`;
}

/** An error's message, cut down to what may go in a reason (no URLs, no signatures). */
export function errorReason(error: unknown): string {
  return sanitizeReason(error instanceof Error ? error.message : String(error));
}

/**
 * Reads a secret for a send; a missing one is a settings problem, so a permanent outcome whose reason
 * names the reference (an environment variable or file), never a value.
 */
export function withSecret(
  context: ChannelContext,
  ref: SecretRef,
  what: string,
  use: (value: string) => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  let value: string;
  try {
    value = context.readSecret(ref, what);
  } catch (error) {
    return Promise.resolve(permanent(errorReason(error)));
  }
  return use(value);
}

/** Reads several secrets for a send, each named `secrets[i] of {owner}`; the first missing one fails it. */
export function withSecrets(
  context: ChannelContext,
  refs: readonly SecretRef[],
  owner: string,
  use: (values: { value: string; key: string }[]) => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  const read = (index: number, values: { value: string; key: string }[]): Promise<DeliveryOutcome> => {
    if (index === refs.length) return use(values);
    const key = `secrets[${index}] of ${owner}`;
    return withSecret(context, refs[index]!, key, (value) => read(index + 1, [...values, { value, key }]));
  };
  return read(0, []);
}

/** The HTTP senders' optional dependencies, passed on only when set. */
export function httpOptions(context: ChannelContext): { dispatcher?: Dispatcher; now?: () => Date } {
  return {
    ...(context.deps.dispatcher ? { dispatcher: context.deps.dispatcher } : {}),
    ...(context.deps.now ? { now: context.deps.now } : {}),
  };
}

/** Feed events for a batch channel: every transition of the scan routed to it. */
export function feedEvents(transitions: readonly Transition[], ctx: RenderContext): FeedEvent[] {
  return transitions.map((transition) => renderFeedEvent(transition, ctx));
}
