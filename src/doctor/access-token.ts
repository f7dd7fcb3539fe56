/** What `doctor` reads from a Graph access token: who it was issued to and the permissions it carries. */
export interface AccessTokenClaims {
  /** The application (client) id: `appid` in v1 tokens, `azp` in v2 ones. */
  appId: string | null;
  tenantId: string | null;
  /** Application permissions granted with admin consent (`roles`); null when the claim is absent. */
  roles: string[] | null;
}

/**
 * Decodes a JWT's payload without verifying it: the token came straight from the authority over TLS,
 * and only Graph has to trust it. A token that is not a JWT (some clouds issue opaque ones) has no claims.
 */
export function readAccessTokenClaims(token: string): AccessTokenClaims {
  const payload = token.split('.')[1];
  let claims: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object') claims = parsed as Record<string, unknown>;
  } catch {
    // Not a JWT: no claims to read.
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const roles = Array.isArray(claims.roles)
    ? claims.roles.filter((r): r is string => typeof r === 'string')
    : null;
  return { appId: text(claims.appid) ?? text(claims.azp), tenantId: text(claims.tid), roles };
}
