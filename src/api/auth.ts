import { createHash, timingSafeEqual } from 'node:crypto';

export interface ApiKey {
  name: string;
  key: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The name of the API key a request presents as `Authorization: Bearer <key>`, or undefined. Keys are
 * compared as SHA-256 digests with `timingSafeEqual`, and every configured key is compared every time,
 * so neither the length nor the position of a match leaks through timing.
 */
export function authenticate(header: string | undefined, keys: readonly ApiKey[]): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const presented = digest(match?.[1] ?? '');
  let found: string | undefined;
  for (const { name, key } of keys) {
    if (timingSafeEqual(presented, digest(key)) && match) found ??= name;
  }
  return found;
}
