import { randomBytes } from 'node:crypto';
import { ALL_PERMISSIONS } from './graph-permissions.js';

/** Who a bearer token was issued to. `permissions` undefined: the app is not restricted. */
export interface TokenInfo {
  clientId: string;
  tenantId: string;
  permissions: readonly string[] | undefined;
  /**
   * The resource the token is for (the `aud` claim of a real one): the scope's resource, e.g.
   * `https://graph.microsoft.com`. Undefined for tokens handed out without the OAuth round trip.
   */
  audience?: string;
  expiresAt: number;
}

/** Graph accepts its app id URI and its app id as the audience. */
const GRAPH_AUDIENCES = new Set(['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000']);

/** The resource of a client-credentials scope (`{resource}/.default`), as Entra puts it in `aud`. */
export function audienceOfScope(scope: string): string | undefined {
  const resource = scope
    .split(' ')
    .find((s) => s.endsWith('/.default'))
    ?.slice(0, -'/.default'.length);
  return resource?.replace(/\/+$/, '');
}

/** Entra issues tokens valid for about an hour; clients refresh a few minutes before expiry. */
export const TOKEN_LIFETIME_SECONDS = 3599;

export type TokenCheck = { ok: true; info: TokenInfo } | { ok: false; reason: 'unknown' | 'expired' };

/**
 * Access tokens shaped like Entra's: a JWT whose payload carries the app's `roles` (its granted
 * application permissions), which clients such as `pimwatch doctor` read without verifying. The
 * signature is random: the emulator checks a token by looking it up, never by its signature.
 */
export class TokenRegistry {
  private readonly tokens = new Map<string, TokenInfo>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(info: Omit<TokenInfo, 'expiresAt'>, lifetimeSeconds = TOKEN_LIFETIME_SECONDS): string {
    const expiresAt = this.now() + lifetimeSeconds * 1000;
    const token = jwtShaped(info, expiresAt);
    this.tokens.set(token, { ...info, expiresAt });
    return token;
  }

  /** `expired` is told apart from `unknown` because Graph words the two 401s differently. */
  check(token: string): TokenCheck {
    const info = this.tokens.get(token);
    if (!info) return { ok: false, reason: 'unknown' };
    if (info.expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, info };
  }
}

/** The caller of a Graph request, or the words Graph uses to refuse it (401 InvalidAuthenticationToken). */
export function authenticateBearer(
  tokens: TokenRegistry,
  authorization: string | undefined,
): { ok: true; info: TokenInfo } | { ok: false; message: string } {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return { ok: false, message: 'Access token is empty.' };
  const checked = tokens.check(match[1]!);
  if (checked.ok) {
    const audience = checked.info.audience;
    if (audience === undefined || GRAPH_AUDIENCES.has(audience.toLowerCase())) return checked;
    return { ok: false, message: 'Access token validation failure. Invalid audience.' };
  }
  return {
    ok: false,
    message:
      checked.reason === 'expired'
        ? 'Lifetime validation failed, the token is expired.'
        : 'Access token validation failure. Invalid audience.',
  };
}

function jwtShaped(info: Omit<TokenInfo, 'expiresAt'>, expiresAt: number): string {
  const issuedAt = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = { typ: 'JWT', alg: 'RS256', kid: 'emulator' };
  const payload = {
    aud: 'https://graph.microsoft.com',
    iss: `https://sts.windows.net/${info.tenantId}/`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: Math.floor(expiresAt / 1000),
    appid: info.clientId,
    idtyp: 'app',
    tid: info.tenantId,
    // An unrestricted app (no `permissions` in the fixture) holds every permission the emulator knows.
    roles: info.permissions ?? ALL_PERMISSIONS,
    ver: '1.0',
  };
  return `${part(header)}.${part(payload)}.${randomBytes(32).toString('base64url')}`;
}
