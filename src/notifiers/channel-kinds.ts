import type { ChannelImplementation, ChannelKindDefinition, RenderedBase } from './channel-kind.js';
import { emailKind } from './kinds/email.js';
import { sentinelKind } from './kinds/sentinel.js';
import { splunkKind } from './kinds/splunk.js';
import { teamsKind } from './kinds/teams.js';
import { webhookKind } from './kinds/webhook.js';

/**
 * Every channel kind pimwatch can send to, by the name its metrics and logs use. Adding a kind is a
 * module under `kinds/` and one line here: the `notifiers` config schema, the notify job and the
 * types below all follow from this table. Order is the order of the lists under `notifiers`.
 */
export const CHANNEL_KINDS = {
  teams: teamsKind,
  email: emailKind,
  webhook: webhookKind,
  sentinel: sentinelKind,
  splunk: splunkKind,
} as const;

/** A table of channel kinds: {@link CHANNEL_KINDS}, or a test's own with an extra kind. */
export type ChannelKindTable = Readonly<Record<string, ChannelKindDefinition>>;

export type BuiltInKinds = typeof CHANNEL_KINDS;
export type ChannelKind = keyof BuiltInKinds;

type PayloadOf<D> = D extends { build(...args: never[]): ChannelImplementation<infer P> } ? P : never;

/** A payload rendered by a channel of kind `K`, ready for its `send`. */
export type RenderedBy<K extends ChannelKind> = RenderedBase & { kind: K } & PayloadOf<BuiltInKinds[K]>;

/** Any payload a built-in channel renders; `kind` says which. */
export type RenderedNotification = { [K in ChannelKind]: RenderedBy<K> }[ChannelKind];
