import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed webhooks. Each POST carries
 *
 *   X-Pimwatch-Timestamp: <Unix seconds when it was sent>
 *   X-Pimwatch-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the shared secret>
 *   X-Pimwatch-Event-Id:  <the event's eventId; the same on every redelivery>
 *
 * A receiver verifies before parsing: recompute the HMAC over the timestamp header, a dot and the raw
 * body bytes exactly as received; compare in constant time; refuse timestamps further than five minutes
 * from its own clock (a captured request cannot be replayed later); then deduplicate on the event id.
 * Signing the timestamp with the body is what makes the replay window enforceable.
 */

export const TIMESTAMP_HEADER = 'X-Pimwatch-Timestamp';
export const SIGNATURE_HEADER = 'X-Pimwatch-Signature';
export const EVENT_ID_HEADER = 'X-Pimwatch-Event-Id';

/** How far a timestamp may be from the receiver's clock, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return mac.digest('hex');
}

/** The signature headers for one delivery; `timestamp` is Unix seconds. */
export function signWebhook(input: {
  body: string;
  secret: string;
  timestamp: number;
}): Record<string, string> {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw new RangeError('the timestamp must be whole Unix seconds');
  }
  const timestamp = String(input.timestamp);
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: `sha256=${hmacHex(input.secret, timestamp, input.body)}`,
  };
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'outsideTolerance' | 'mismatch' };

/**
 * Checks a received webhook. `body` must be the raw bytes as received (re-serialised JSON would not
 * match). `now` is the receiver's clock.
 */
export function verifyWebhookSignature(input: {
  body: string | Uint8Array;
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  now?: Date;
  toleranceSeconds?: number;
}): SignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  const match = /^sha256=([0-9a-f]{64})$/.exec(signature.trim());
  if (!/^\d{1,12}$/.test(timestamp) || !match) return { ok: false, reason: 'malformed' };
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) return { ok: false, reason: 'outsideTolerance' };
  const expected = Buffer.from(hmacHex(input.secret, timestamp, input.body), 'hex');
  const given = Buffer.from(match[1]!, 'hex');
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
