import {
  aadError,
  type EntraContext,
  type EntraResponse,
  type EntraTenant,
  ok,
  parseBasicAuthorization,
} from './entra-endpoints.js';
import { pkceMatches, signInPage } from './oidc-sign-in.js';

/**
 * The authorize endpoint and the token endpoint's authorization-code grant: what a web app's
 * OpenID Connect sign-in (authorization code with PKCE) needs from Entra ID.
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
 * The AADSTS codes of the refusals are UNCONFIRMED (docs/unconfirmed-graph-facts.md).
 */

const HTML = 'text/html; charset=utf-8';

function page(status: number, text: string): EntraResponse {
  return {
    status,
    headers: {
      'Content-Type': HTML,
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; form-action *; frame-ancestors 'none'",
    },
    body: undefined,
    text,
  };
}

/** What the authorize request must carry before a user is even shown the form. */
function requestProblem(directory: EntraTenant, params: URLSearchParams): string | undefined {
  const clientId = params.get('client_id');
  if (!clientId) return "AADSTS900144: The request body must contain the following parameter: 'client_id'.";
  if (directory.applications && !directory.applications.some((a) => a.clientId === clientId)) {
    return `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${directory.tenantId}'.`;
  }
  if (params.get('response_type') !== 'code') return 'AADSTS900144: response_type must be code.';
  if (!params.get('redirect_uri')) return "AADSTS900144: The request must contain 'redirect_uri'.";
  if (!params.get('code_challenge') || params.get('code_challenge_method') !== 'S256') {
    return 'AADSTS9002325: Proof Key for Code Exchange is required (code_challenge with method S256).';
  }
  if (!(params.get('scope') ?? '').split(' ').includes('openid'))
    return 'AADSTS900144: scope must include openid.';
  return undefined;
}

/**
 * GET shows the sign-in form; POST (the form, with the request's parameters carried along) signs the
 * chosen user in and sends the browser back to `redirect_uri` with a one-time code.
 */
export function handleAuthorize(
  ctx: EntraContext,
  directory: EntraTenant,
  method: string,
  query: URLSearchParams,
  body: string,
): EntraResponse {
  const params = method === 'POST' ? new URLSearchParams(body) : query;
  const problem = requestProblem(directory, params);
  if (problem)
    return page(400, `<!DOCTYPE html><title>Sign-in error</title><p>${problem.replace(/[<>&"]/g, '')}</p>`);
  const users = directory.signIn?.users ?? [];
  if (method === 'GET') return page(200, signInPage(params, users));
  const username = (params.get('username') ?? '').toLowerCase();
  const user = users.find((u) => u.userPrincipalName.toLowerCase() === username);
  if (!user) return page(200, signInPage(params, users, "This account doesn't exist in the tenant."));
  const code = ctx.oidc.issueCode({
    tenantId: directory.tenantId,
    clientId: params.get('client_id')!,
    redirectUri: params.get('redirect_uri')!,
    codeChallenge: params.get('code_challenge')!,
    nonce: params.get('nonce') ?? undefined,
    scope: params.get('scope')!,
    userId: user.id,
  });
  const target = new URL(params.get('redirect_uri')!);
  target.searchParams.set('code', code);
  const state = params.get('state');
  if (state !== null) target.searchParams.set('state', state);
  return {
    status: 302,
    headers: { Location: target.toString(), 'Cache-Control': 'no-store' },
    body: undefined,
  };
}

/** `grant_type=authorization_code`: the code, its client and redirect, the PKCE verifier, then tokens. */
export function redeemAuthorizationCode(
  ctx: EntraContext,
  directory: EntraTenant,
  form: URLSearchParams,
  authorization: string | undefined,
): EntraResponse {
  const basic = parseBasicAuthorization(authorization);
  const clientId = form.get('client_id') ?? basic?.clientId;
  const app = directory.applications?.find((a) => a.clientId === clientId);
  const secret = form.get('client_secret') ?? basic?.secret;
  if (directory.applications && (!app || (app.clientSecret !== undefined && app.clientSecret !== secret))) {
    return aadError(ctx, 401, 'invalid_client', 7000215, 'Invalid client secret provided.');
  }
  const grant = ctx.oidc.takeCode(form.get('code') ?? '');
  if (!grant || grant.tenantId !== directory.tenantId || grant.clientId !== clientId) {
    return aadError(
      ctx,
      400,
      'invalid_grant',
      70008,
      'The provided authorization code or refresh token has expired due to inactivity, or was already redeemed.',
    );
  }
  if (form.get('redirect_uri') !== grant.redirectUri) {
    return aadError(
      ctx,
      400,
      'invalid_grant',
      50011,
      'The redirect URI does not match the one the code was issued for.',
    );
  }
  if (!pkceMatches(form.get('code_verifier') ?? '', grant.codeChallenge)) {
    return aadError(
      ctx,
      400,
      'invalid_grant',
      50148,
      'The code_verifier does not match the code_challenge of the authorization request (PKCE).',
    );
  }
  const user = directory.signIn?.users.find((u) => u.id === grant.userId);
  if (!user || !directory.signIn) {
    return aadError(ctx, 400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
  }
  const issuer = `${ctx.baseUrl}/${directory.tenantId}/v2.0`;
  const clientInfo = Buffer.from(JSON.stringify({ uid: user.id, utid: directory.tenantId })).toString(
    'base64url',
  );
  return ok({
    token_type: 'Bearer',
    scope: grant.scope,
    expires_in: 3599,
    ext_expires_in: 3599,
    access_token: ctx.tokens.issue({
      clientId: grant.clientId,
      tenantId: directory.tenantId,
      permissions: [],
    }),
    id_token: ctx.oidc.idToken(issuer, grant, user, directory.signIn),
    client_info: clientInfo,
  });
}
