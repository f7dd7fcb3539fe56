import { constants, randomUUID, verify, X509Certificate } from 'node:crypto';
import type { TenantFixture } from '../fixture-format/schema.js';
import { handleAuthorize, redeemAuthorizationCode } from './entra-sign-in.js';
import type { OidcIssuer, SignInDirectory } from './oidc-sign-in.js';
import type { TokenRegistry } from './token-registry.js';
import { audienceOfScope, TOKEN_LIFETIME_SECONDS } from './token-registry.js';

type Application = NonNullable<TenantFixture['applications']>[number];

/** A directory the token endpoint knows: its id and the applications it accepts. */
export interface EntraTenant {
  tenantId: string;
  /** Absent: any client id and secret are accepted. */
  applications: readonly Application[] | undefined;
  /** The people who can sign in through the authorize endpoint; absent: nobody. */
  signIn?: SignInDirectory;
}

export interface EntraContext {
  baseUrl: string;
  tokens: TokenRegistry;
  /** Signs ID tokens and keeps authorization codes (browser sign-in). */
  oidc: OidcIssuer;
  /** The directory a path's tenant segment names (case-insensitively), or undefined when there is none. */
  findTenant(tenant: string): EntraTenant | undefined;
}

export interface EntraResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** An HTML page instead of a JSON body (the authorize endpoint's sign-in form). */
  text?: string;
}

const ENTRA_JSON = 'application/json; charset=utf-8';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The slice of Entra ID (login.microsoftonline.com) that MSAL's client-credentials flow touches: OIDC
 * discovery, instance discovery, and the v2.0 token endpoint. Returns undefined for paths it does not own.
 * `/{tenant}/...` is answered for the directory `{tenant}` names, whose applications it checks and for
 * which its tokens are issued; a tenant the emulator does not serve is Entra's 400 AADSTS90002.
 */
export function handleEntraRequest(
  ctx: EntraContext,
  method: string,
  segments: readonly string[],
  body: string,
  authorization: string | undefined,
  query: URLSearchParams = new URLSearchParams(),
): EntraResponse | undefined {
  const [tenant, ...rest] = segments;
  if (tenant === undefined) return undefined;
  const route = rest.join('/');
  if (method === 'GET' && tenant === 'common' && route === 'discovery/instance') {
    return ok(instanceDiscovery(ctx));
  }
  const isEntraRoute =
    route === 'v2.0/.well-known/openid-configuration' ||
    route === '.well-known/openid-configuration' ||
    route === 'discovery/v2.0/keys' ||
    route === 'oauth2/v2.0/token' ||
    route === 'oauth2/v2.0/authorize';
  if (!isEntraRoute) return undefined;
  const directory = ctx.findTenant(tenant);
  if (!directory) {
    return aadError(
      ctx,
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }
  if (method === 'GET' && route.endsWith('openid-configuration')) {
    return ok(openIdConfiguration(ctx, directory));
  }
  if (method === 'GET' && route === 'discovery/v2.0/keys') return ok(ctx.oidc.jwks());
  if (route === 'oauth2/v2.0/authorize' && (method === 'GET' || method === 'POST')) {
    return handleAuthorize(ctx, directory, method, query, body);
  }
  if (method === 'POST' && route === 'oauth2/v2.0/token') {
    return issueToken(ctx, directory, new URLSearchParams(body), authorization);
  }
  return aadError(
    ctx,
    405,
    'invalid_request',
    900561,
    `The endpoint only accepts ${route.endsWith('token') ? 'POST' : 'GET'} requests.`,
  );
}

function openIdConfiguration(ctx: EntraContext, directory: EntraTenant): Record<string, unknown> {
  const root = `${ctx.baseUrl}/${directory.tenantId}`;
  return {
    token_endpoint: `${root}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${root}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${root}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${ctx.baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid', 'oid', 'azp', 'roles'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  };
}

function instanceDiscovery(ctx: EntraContext): Record<string, unknown> {
  const host = new URL(ctx.baseUrl).host;
  return {
    tenant_discovery_endpoint: `${ctx.baseUrl}/{tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

function issueToken(
  ctx: EntraContext,
  directory: EntraTenant,
  form: URLSearchParams,
  authorization: string | undefined,
): EntraResponse {
  const grantType = form.get('grant_type');
  if (grantType === 'authorization_code') return redeemAuthorizationCode(ctx, directory, form, authorization);
  if (grantType !== 'client_credentials') {
    return aadError(
      ctx,
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType ?? ''}'.`,
    );
  }
  const basic = parseBasicAuthorization(authorization);
  const clientId = form.get('client_id') ?? basic?.clientId;
  if (!clientId) {
    return aadError(
      ctx,
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
  }
  const scope = form.get('scope') ?? '';
  if (!scope.split(' ').some((s) => s.endsWith('/.default'))) {
    return aadError(
      ctx,
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const app = directory.applications?.find((a) => a.clientId === clientId);
  if (directory.applications && !app) {
    return aadError(
      ctx,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${directory.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const secret = form.get('client_secret') ?? basic?.secret;
  const assertion = form.get('client_assertion');
  if (secret !== undefined && secret !== null) {
    if (
      app &&
      (app.clientSecret === undefined ? app.certificate !== undefined : app.clientSecret !== secret)
    ) {
      return aadError(
        ctx,
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
  } else if (assertion !== null) {
    const problem = assertionProblem(
      ctx,
      directory,
      form.get('client_assertion_type'),
      assertion,
      clientId,
      app,
    );
    if (problem) return aadError(ctx, 401, 'invalid_client', problem.code, problem.message);
  } else {
    return aadError(
      ctx,
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  const audience = audienceOfScope(scope);
  const accessToken = ctx.tokens.issue({
    clientId,
    tenantId: directory.tenantId,
    permissions: app?.permissions,
    ...(audience !== undefined ? { audience } : {}),
  });
  return ok({
    token_type: 'Bearer',
    expires_in: TOKEN_LIFETIME_SECONDS,
    ext_expires_in: TOKEN_LIFETIME_SECONDS,
    access_token: accessToken,
  });
}

/** Checks a certificate credential's signed JWT; undefined when it is acceptable. */
function assertionProblem(
  ctx: EntraContext,
  directory: EntraTenant,
  assertionType: string | null,
  assertion: string,
  clientId: string,
  app: Application | undefined,
): { code: number; message: string } | undefined {
  if (assertionType !== ASSERTION_TYPE) {
    return { code: 700025, message: `client_assertion_type must be '${ASSERTION_TYPE}'.` };
  }
  const parts = assertion.split('.');
  const header = decodeJsonPart(parts[0]);
  const payload = decodeJsonPart(parts[1]);
  if (parts.length !== 3 || !header || !payload) {
    return { code: 50027, message: 'JWT token is invalid or malformed.' };
  }
  if (payload.iss !== clientId || payload.sub !== clientId) {
    return {
      code: 700021,
      message: "Client assertion application identifier doesn't match 'client_id' parameter.",
    };
  }
  const expectedAudience = `${ctx.baseUrl}/${directory.tenantId}/oauth2/v2.0/token`;
  if (typeof payload.aud !== 'string' || payload.aud.toLowerCase() !== expectedAudience.toLowerCase()) {
    return {
      code: 700016,
      message: `Client assertion audience '${String(payload.aud)}' is not the token endpoint.`,
    };
  }
  if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) {
    return { code: 700024, message: 'Client assertion is not within its valid time range.' };
  }
  if (!app || (app.certificate === undefined && app.clientSecret === undefined)) return undefined;
  if (app.certificate === undefined || !signatureValid(app.certificate, header.alg, parts)) {
    return { code: 700027, message: 'Client assertion failed signature validation.' };
  }
  return undefined;
}

function signatureValid(certificatePem: string, alg: unknown, parts: string[]): boolean {
  try {
    const key = new X509Certificate(certificatePem).publicKey;
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2]!, 'base64url');
    if (alg === 'RS256') return verify('sha256', data, key, signature);
    if (alg === 'PS256') {
      return verify(
        'sha256',
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        signature,
      );
    }
    return false;
  } catch {
    return false;
  }
}

function decodeJsonPart(part: string | undefined): Record<string, unknown> | undefined {
  if (!part) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function parseBasicAuthorization(
  header: string | undefined,
): { clientId: string; secret: string } | undefined {
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return {
    clientId: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

export function ok(body: unknown): EntraResponse {
  return {
    status: 200,
    headers: { 'Cache-Control': 'no-store, no-cache', 'Content-Type': ENTRA_JSON },
    body,
  };
}

/** Entra's error body: the AADSTS code leads the description, followed by trace and correlation ids. */
export function aadError(
  ctx: EntraContext,
  status: number,
  error: string,
  code: number,
  description: string,
): EntraResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return {
    status,
    headers: { 'Cache-Control': 'no-store, no-cache', 'Content-Type': ENTRA_JSON },
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${ctx.baseUrl}/error?code=${code}`,
    },
  };
}
