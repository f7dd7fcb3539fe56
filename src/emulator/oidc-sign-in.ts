import { createHash, generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import type { TenantFixture } from '../fixture-format/schema.js';
import { escapeHtml } from '../util/html.js';

/**
 * The browser half of Entra's sign-in, enough for an OpenID Connect client (the console, through MSAL)
 * to sign a person in against the emulator: an authorize page listing the fixture's users, one-time
 * authorization codes bound to a PKCE challenge, and RS256 ID tokens whose key the JWKS endpoint
 * publishes. No passwords: the emulator is a test double, choosing a user is the sign-in.
 */

/** Who may sign in to a directory, and what their ID token says about them. */
export interface SignInDirectory {
  users: readonly SignInUser[];
  /** Values of the user's app role assignments on this client (the `roles` claim). */
  rolesOf(clientId: string, userId: string): string[];
  /** Ids of the groups the user is a direct member of (the `groups` claim). */
  groupsOf(userId: string): string[];
}

export interface SignInUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
}

export function signInDirectoryOf(fixture: TenantFixture): SignInDirectory {
  const users = (fixture.resources.users ?? [])
    .filter((u) => u.accountEnabled !== false && typeof u.id === 'string')
    .map((u) => ({
      id: u.id as string,
      displayName: String(u.displayName ?? u.userPrincipalName ?? u.id),
      userPrincipalName: String(u.userPrincipalName ?? u.id),
    }));
  const groupsByUser = new Map<string, string[]>();
  for (const [path, members] of Object.entries(fixture.resources)) {
    const match = /^groups\/([^/]+)\/members$/.exec(path);
    if (!match) continue;
    for (const member of members) {
      const id = String(member.id ?? '').toLowerCase();
      groupsByUser.set(id, [...(groupsByUser.get(id) ?? []), match[1]!]);
    }
  }
  const assignments = fixture.appRoleAssignments ?? [];
  return {
    users,
    rolesOf: (clientId, userId) =>
      assignments
        .filter((a) => a.clientId === clientId && a.principalId.toLowerCase() === userId.toLowerCase())
        .map((a) => a.value),
    groupsOf: (userId) => groupsByUser.get(userId.toLowerCase()) ?? [],
  };
}

/** What an authorization code was issued for; it is redeemed once, within a few minutes. */
interface PendingCode {
  tenantId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | undefined;
  scope: string;
  userId: string;
  expiresAt: number;
}

const CODE_LIFETIME_MS = 5 * 60_000;
const ID_TOKEN_LIFETIME_SECONDS = 3600;

/** One emulator's signing key and outstanding authorization codes. */
export class OidcIssuer {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly kid = randomUUID();
  private readonly codes = new Map<string, PendingCode>();

  constructor() {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** The JWKS endpoint's body. */
  jwks(): { keys: Record<string, unknown>[] } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', use: 'sig', alg: 'RS256', kid: this.kid, n: jwk.n, e: jwk.e }] };
  }

  issueCode(pending: Omit<PendingCode, 'expiresAt'>): string {
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, { ...pending, expiresAt: Date.now() + CODE_LIFETIME_MS });
    return code;
  }

  /** The code's grant, removed so it cannot be used twice; undefined when unknown or expired. */
  takeCode(code: string): PendingCode | undefined {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    return pending && pending.expiresAt > Date.now() ? pending : undefined;
  }

  signJwt(claims: Record<string, unknown>): string {
    const header = { typ: 'JWT', alg: 'RS256', kid: this.kid };
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const data = `${part(header)}.${part(claims)}`;
    return `${data}.${sign('sha256', Buffer.from(data), this.privateKey).toString('base64url')}`;
  }

  /**
   * An ID token for a signed-in user, with the claims Entra's v2.0 ID tokens carry
   * (https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference): `roles`
   * holds the user's app roles on the client, `groups` the object ids of their groups.
   */
  idToken(issuer: string, grant: PendingCode, user: SignInUser, directory: SignInDirectory): string {
    const now = Math.floor(Date.now() / 1000);
    const roles = directory.rolesOf(grant.clientId, user.id);
    const groups = directory.groupsOf(user.id);
    return this.signJwt({
      ver: '2.0',
      iss: issuer,
      aud: grant.clientId,
      sub: createHash('sha256').update(`${grant.clientId}|${user.id}`).digest('base64url').slice(0, 43),
      oid: user.id,
      tid: grant.tenantId,
      name: user.displayName,
      preferred_username: user.userPrincipalName,
      iat: now,
      nbf: now,
      exp: now + ID_TOKEN_LIFETIME_SECONDS,
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
      ...(roles.length ? { roles } : {}),
      ...(groups.length ? { groups } : {}),
    });
  }
}

/** PKCE (RFC 7636) with the S256 method: the verifier hashes to the challenge. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

/** The authorize page: the request's parameters carried in hidden fields, and a choice of user. */
export function signInPage(params: URLSearchParams, users: readonly SignInUser[], error?: string): string {
  const hidden = [...params]
    .filter(([name]) => name !== 'login_hint' && name !== 'username')
    .map(([n, v]) => `<input type="hidden" name="${escapeHtml(n)}" value="${escapeHtml(v)}">`)
    .join('');
  const options = users
    .map(
      (u) =>
        `<option value="${escapeHtml(u.userPrincipalName)}"${u.userPrincipalName === params.get('login_hint') ? ' selected' : ''}>${escapeHtml(u.displayName)} (${escapeHtml(u.userPrincipalName)})</option>`,
    )
    .join('');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in (pimwatch emulator)</title></head>
<body><main><h1>Sign in to your account</h1><p>Emulated Microsoft Entra ID: pick a user of the tenant fixture.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post"><label for="username">Account</label> <select id="username" name="username">${options}</select>
${hidden}<button type="submit" id="sign-in">Sign in</button></form></main></body></html>`;
}
