import { z } from 'zod';
import { retrySchema } from './retry-policy.js';

/**
 * Schema pieces every channel kind's configuration shares, so each kind's module writes only what is
 * its own and the common fields read (and are documented) the same everywhere.
 */

/** Channel names appear in rules, job ids and logs: keep them short and free of separators. */
export const channelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, dash and underscore only (at most 64)');

/** One delivery attempt's limit (connect, send, answer), in milliseconds. */
export const timeoutMs = z.number().int().min(100).max(120_000);

export const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' });

/** An http(s) endpoint that is not a secret; plain http only to loopback with `allowLoopbackWebhooks`. */
export const endpointUrl = z.url({ protocol: /^https?$/, error: 'must be an https URL' });

/** The fields every channel has, with their descriptions; `retry` is left to kinds with another default. */
export const commonChannelFields = {
  name: channelName.meta({
    description: "The channel's name, used by routing rules, job ids and logs; unique across all kinds.",
  }),
  timeoutMs: timeoutMs.optional().meta({
    description: "One delivery attempt's limit in milliseconds. Defaults to `delivery.timeoutMs`.",
  }),
};

/** `retry` for kinds that default to `notifiers.delivery`'s attempts and doubling delays. */
export const defaultRetryField = retrySchema.optional().meta({
  description:
    'When failed deliveries are tried again. Defaults to `delivery.attempts` with doubling delays from `delivery.backoffMs`.',
});

/**
 * One kind's channel schema: `name` first, the kind's own fields, then `timeoutMs` and `retry` (by
 * default `notifiers.delivery`'s attempts and backoff). Strict, so a typo is an error.
 */
export function channelSchema<
  Fields extends z.ZodRawShape,
  Retry extends z.ZodType = typeof defaultRetryField,
>(fields: Fields, retry: Retry = defaultRetryField as unknown as Retry) {
  return z
    .object({ name: commonChannelFields.name, ...fields, timeoutMs: commonChannelFields.timeoutMs, retry })
    .strict();
}

/** What every channel configuration has, whatever its kind. */
export interface ChannelConfigBase {
  name: string;
  timeoutMs?: number | undefined;
  retry?: z.output<typeof retrySchema> | undefined;
}
