import { GraphRequestError } from './graph-error.js';

/**
 * `$skiptoken` values: opaque to clients (Graph's docs say never to build or parse them), a position in
 * the emulator's candidate list underneath. The prefix lets a token from elsewhere be told apart.
 */
const PREFIX = 'pimwatch-emulator:';

export function encodeSkipToken(position: number): string {
  return Buffer.from(`${PREFIX}${position}`).toString('base64url');
}

export function decodeSkipToken(token: string): number {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const position = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : Number.NaN;
  if (!Number.isInteger(position) || position < 0) {
    throw new GraphRequestError(
      400,
      'Request_BadRequest',
      `The specified skip token '${token}' is not valid.`,
    );
  }
  return position;
}
