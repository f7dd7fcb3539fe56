import { createHmac } from 'node:crypto';

/**
 * Webhook signatures per the Standard Webhooks specification
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md), so a
 * receiver verifies with an existing library (`standardwebhooks` and its ports) instead of our code:
 *
 *   webhook-id:        the event id; the same on every redelivery, and signed, so deduplicating on it is safe
 *   webhook-timestamp: Unix seconds when this attempt was signed (a retry signs again)
 *   webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">, one per secret,
 *                      separated by spaces
 *
 * Each secret is `whsec_` followed by base64 of the key bytes; the HMAC is keyed with the decoded bytes.
 * While a key is rotated, both the old and the new secret sign every delivery, so a receiver holding
 * either accepts it and can switch at its own pace.
 */

export const ID_HEADER = 'webhook-id';
export const TIMESTAMP_HEADER = 'webhook-timestamp';
export const SIGNATURE_HEADER = 'webhook-signature';

const SECRET_PREFIX = 'whsec_';
/** The specification asks for keys of 24 to 64 random bytes. UNCONFIRMED (docs/unconfirmed-graph-facts.md) */
export const MIN_KEY_BYTES = 24;
export const MAX_KEY_BYTES = 64;

/**
 * The key bytes of a `whsec_` secret, or why it is not one. The reason never quotes the value.
 */
export function parseWebhookSecret(value: string): { ok: true; key: Buffer } | { ok: false; reason: string } {
  const text = value.trim();
  if (!text.startsWith(SECRET_PREFIX)) {
    return { ok: false, reason: `must start with "${SECRET_PREFIX}" (a Standard Webhooks secret)` };
  }
  const encoded = text.slice(SECRET_PREFIX.length);
  // Buffer.from(…, 'base64') skips what it cannot read; check the alphabet and padding first.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    return { ok: false, reason: `must be "${SECRET_PREFIX}" followed by standard base64` };
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    return {
      ok: false,
      reason: `must encode ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes (it encodes ${key.length})`,
    };
  }
  return { ok: true, key };
}

/** The Standard Webhooks headers for one attempt; `timestamp` is Unix seconds, `keys` the decoded secrets. */
export function signWebhook(input: {
  id: string;
  body: string;
  keys: readonly Buffer[];
  timestamp: number;
}): Record<string, string> {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw new RangeError('the timestamp must be whole Unix seconds');
  }
  if (input.keys.length === 0) throw new RangeError('at least one signing key is needed');
  // The id is signed and sits before the first dot: one with a dot could be confused with another split.
  if (!/^[^\s.]+$/.test(input.id)) throw new RangeError('the webhook id must have no dots or spaces');
  const signed = `${input.id}.${input.timestamp}.`;
  const signatures = input.keys.map(
    (key) => `v1,${createHmac('sha256', key).update(signed).update(input.body).digest('base64')}`,
  );
  return {
    [ID_HEADER]: input.id,
    [TIMESTAMP_HEADER]: String(input.timestamp),
    [SIGNATURE_HEADER]: signatures.join(' '),
  };
}
