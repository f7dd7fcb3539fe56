import { randomBytes } from 'node:crypto';

/** Who a bearer token was issued to. `permissions` undefined: the app is not restricted. */
export interface TokenInfo {
  clientId: string;
  tenantId: string;
  permissions: readonly string[] | undefined;
  expiresAt: number;
}

/** Entra issues tokens valid for about an hour; clients refresh a few minutes before expiry. */
export const TOKEN_LIFETIME_SECONDS = 3599;

/** Opaque access tokens: random strings remembered by the emulator, which is the only party reading them. */
export class TokenRegistry {
  private readonly tokens = new Map<string, TokenInfo>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(info: Omit<TokenInfo, 'expiresAt'>, lifetimeSeconds = TOKEN_LIFETIME_SECONDS): string {
    const token = `emu.${randomBytes(32).toString('base64url')}`;
    this.tokens.set(token, { ...info, expiresAt: this.now() + lifetimeSeconds * 1000 });
    return token;
  }

  /** `expired` is told apart from `unknown` because Graph words the two 401s differently. */
  check(token: string): { ok: true; info: TokenInfo } | { ok: false; reason: 'unknown' | 'expired' } {
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
  if (checked.ok) return checked;
  return {
    ok: false,
    message:
      checked.reason === 'expired'
        ? 'Lifetime validation failed, the token is expired.'
        : 'Access token validation failure. Invalid audience.',
  };
}
