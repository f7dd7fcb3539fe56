import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ConfidentialClientApplication,
  CryptoProvider,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { fetch as undiciFetch } from 'undici';
import { resolveSecret } from '../config/secret.js';
import { createTrust, type Trust } from '../graph/trust.js';
import type { ConsoleEntraAuth } from './config-schema.js';
import { type ConsoleUser, type PendingLogin, randomToken } from './sessions.js';

/** Scopes of a sign-in that only wants to know who the person is. */
const SIGN_IN_SCOPES = ['openid', 'profile'];

/** Why a person who signed in is still not let in; the page says this to them. */
export class AccessRefusedError extends Error {
  override name = 'AccessRefusedError';
  constructor(
    message: string,
    readonly user?: ConsoleUser,
  ) {
    super(message);
  }
}

/**
 * MSAL's HTTP through pimwatch's own trust: an extra CA (the emulator's, a proxy's) is trusted for
 * these connections only, as for Graph (see `graph/trust.ts`).
 */
function networkClient(trust: Trust): INetworkModule {
  const send = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions) => {
    const response = await undiciFetch(url, {
      method,
      headers: options?.headers ?? {},
      ...(options?.body !== undefined ? { body: options.body } : {}),
      ...(trust.dispatcher ? { dispatcher: trust.dispatcher } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const text = await response.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: 'invalid_response', error_description: `not JSON (HTTP ${response.status})` };
    }
    return { headers, body: body as T, status: response.status } satisfies NetworkResponse<T>;
  };
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

function clientCredential(auth: ConsoleEntraAuth) {
  if (auth.clientSecret)
    return { clientSecret: resolveSecret(auth.clientSecret, 'console.auth.clientSecret') };
  const pem = readFileSync(auth.certificatePath!, 'utf8');
  const certificate = new X509Certificate(pem);
  const key = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!key) throw new Error(`console.auth.certificatePath: ${auth.certificatePath} holds no private key`);
  return {
    clientCertificate: {
      thumbprintSha256: certificate.fingerprint256.replaceAll(':', ''),
      privateKey: key,
    },
  };
}

/** The claims pimwatch reads from an ID token. */
interface IdClaims {
  oid?: string;
  tid?: string;
  name?: string;
  preferred_username?: string;
  nonce?: string;
  roles?: string[];
  groups?: string[];
}

/**
 * The console's sign-in through Entra ID: OpenID Connect authorization code with PKCE, through MSAL.
 * The ID token arrives straight from the token endpoint over TLS, which is what OIDC asks of a
 * confidential client before trusting its claims (OpenID Connect Core 1.0, section 3.1.3.7).
 */
export class EntraSignIn {
  private readonly app: ConfidentialClientApplication;
  private readonly crypto = new CryptoProvider();
  private readonly trust: Trust;

  constructor(
    private readonly auth: ConsoleEntraAuth,
    authorityHost: string,
    caPem: string | undefined,
  ) {
    this.trust = createTrust(caPem);
    const host = auth.authorityHost ?? authorityHost;
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: auth.clientId,
        authority: `${host.replace(/\/$/, '')}/${auth.tenantId}`,
        knownAuthorities: [new URL(host).host],
        ...clientCredential(auth),
      },
      system: { networkClient: networkClient(this.trust) },
    });
  }

  /** Where to send the browser, and what to remember until it comes back with `state`. */
  async start(returnTo: string): Promise<{ url: string; state: string; pending: PendingLogin }> {
    const { verifier, challenge } = await this.crypto.generatePkceCodes();
    const state = randomToken();
    const nonce = randomToken();
    const url = await this.app.getAuthCodeUrl({
      scopes: SIGN_IN_SCOPES,
      redirectUri: this.auth.redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state,
      nonce,
      responseMode: 'query',
    });
    return { url, state, pending: { codeVerifier: verifier, nonce, returnTo } };
  }

  /** Redeems the code and decides whether this person may use the console. */
  async finish(code: string, pending: PendingLogin): Promise<ConsoleUser> {
    const result = await this.app.acquireTokenByCode({
      code,
      scopes: SIGN_IN_SCOPES,
      redirectUri: this.auth.redirectUri,
      codeVerifier: pending.codeVerifier,
      // MSAL rejects an ID token whose nonce differs from this one (or that has one when none is given).
      nonce: pending.nonce,
    });
    const claims = (result.idTokenClaims ?? {}) as IdClaims;
    if (claims.nonce !== pending.nonce)
      throw new AccessRefusedError('the sign-in answer did not match this browser');
    if ((claims.tid ?? '').toLowerCase() !== this.auth.tenantId.toLowerCase()) {
      throw new AccessRefusedError('the account belongs to another directory');
    }
    const user: ConsoleUser = {
      id: claims.oid ?? '',
      name: claims.name ?? claims.preferred_username ?? 'unknown',
      username: claims.preferred_username ?? claims.oid ?? 'unknown',
    };
    const roles = claims.roles ?? [];
    const groups = (claims.groups ?? []).map((g) => g.toLowerCase());
    const allowed =
      this.auth.allowedRoles.some((r) => roles.includes(r)) ||
      this.auth.allowedGroups.some((g) => groups.includes(g.toLowerCase()));
    if (!allowed) {
      throw new AccessRefusedError(
        'your account has none of the app roles or groups this console admits; ask an administrator to assign one',
        user,
      );
    }
    return user;
  }

  async close(): Promise<void> {
    await this.trust.close();
  }
}
