import { randomBytes } from 'node:crypto';

/** A `whsec_` secret as a receiver would generate one: base64 of random bytes. */
export function newWebhookSecret(bytes = 32): string {
  return `whsec_${randomBytes(bytes).toString('base64')}`;
}
