import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleEntraRequest } from './entra-endpoints.js';
import { GraphRequestError, graphErrorBody, newRequestId } from './graph-error.js';
import type { GraphRequest, GraphResponse } from './graph-request.js';
import { errorResponse } from './graph-router.js';
import { OidcIssuer } from './oidc-sign-in.js';
import { RequestStats } from './request-stats.js';
import type { TenantHost } from './tenant-host.js';
import { authenticateBearer, TokenRegistry } from './token-registry.js';

const TOKEN_PATH = 'oauth2/v2.0/token';
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const GRAPH_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

type RequestIds = { requestId: string; clientRequestId: string | undefined };

/**
 * Routes each HTTP request the emulator receives: Graph requests (`/v1.0`, `/beta`) to the tenant their
 * token names, everything else to Entra's endpoints. Until `open()` (the server's URL is known and the
 * tenants are hosted) every request answers 503, as a starting service would.
 */
export class RequestDispatcher {
  readonly tokens = new TokenRegistry();
  readonly oidc = new OidcIssuer();
  /** Requests no tenant can be charged with. */
  readonly unattributed = new RequestStats();
  /** By lower-case tenant id; empty until the server listens (the routers need its URL). */
  readonly hosts = new Map<string, TenantHost>();
  private baseUrl = '';
  private ready = false;

  constructor(private readonly latencyMs: number) {}

  /** Starts serving, now that the server's URL is known and the tenants are hosted. */
  open(baseUrl: string, hosts: readonly TenantHost[]): void {
    this.baseUrl = baseUrl;
    for (const host of hosts) this.hosts.set(host.tenantId.toLowerCase(), host);
    this.ready = true;
  }

  /** Answers one request; an error nobody turned into a response becomes Graph's error body. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.handleHttp(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        sendJson(res, errorResponse(error, { requestId: newRequestId(), clientRequestId: undefined }));
      } else {
        res.destroy();
      }
    });
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.baseUrl);
    const segments = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map(safeDecode);
    const method = (req.method ?? 'GET').toUpperCase();
    let response: GraphResponse;
    const version = segments[0];
    if (version === 'v1.0' || version === 'beta') {
      response = this.serveGraph(req, version, segments.slice(1), url.searchParams, body);
    } else if (!this.ready) {
      response = starting({ requestId: newRequestId(), clientRequestId: undefined });
    } else {
      response = this.tokenFault(segments) ?? this.serveEntra(method, segments, body, req, url.searchParams);
    }
    const delay = this.latencyMs + (response.delayMs ?? 0);
    if (delay > 0) await sleep(delay);
    sendJson(res, response);
  }

  private serveEntra(
    method: string,
    segments: string[],
    body: string,
    req: IncomingMessage,
    query: URLSearchParams,
  ): GraphResponse {
    const entra = handleEntraRequest(
      {
        baseUrl: this.baseUrl,
        tokens: this.tokens,
        oidc: this.oidc,
        findTenant: (tenant) => this.hosts.get(tenant.toLowerCase()),
      },
      method,
      segments,
      body,
      req.headers.authorization,
      query,
    );
    if (entra) (this.hostOf(segments)?.stats ?? this.unattributed).tokenRequests++;
    return (
      entra ?? {
        status: 400,
        headers: {},
        body: graphErrorBody('BadRequest', `Invalid version: ${segments[0] ?? ''}`, {
          requestId: newRequestId(),
        }),
      }
    );
  }

  private hostOf(segments: readonly string[]): TenantHost | undefined {
    return this.hosts.get((segments[0] ?? '').toLowerCase());
  }

  /**
   * A fault registered for a tenant's `oauth2/v2.0/token` path: Entra itself unavailable (a 5xx without an
   * AADSTS code, or only latency), as opposed to Entra refusing a credential.
   */
  private tokenFault(segments: string[]): GraphResponse | undefined {
    if (segments.slice(1).join('/') !== TOKEN_PATH) return undefined;
    const host = this.hostOf(segments);
    const fault = host?.takeTokenFault();
    if (fault?.status === undefined || fault.status < 400) return undefined;
    host!.stats.tokenRequests++;
    // OAuth's word for a passing outage; deliberately no AADSTS code, which would name a cause.
    return {
      status: fault.status,
      headers: { 'Cache-Control': 'no-store, no-cache' },
      body: {
        error: fault.code ?? 'temporarily_unavailable',
        error_description: fault.message ?? 'The authority is temporarily unavailable.',
      },
      ...(fault.latencyMs ? { delayMs: fault.latencyMs } : {}),
    };
  }

  private serveGraph(
    req: IncomingMessage,
    version: 'v1.0' | 'beta',
    segments: string[],
    query: URLSearchParams,
    rawBody: string,
  ): GraphResponse {
    const ids = { requestId: newRequestId(), clientRequestId: header(req, 'client-request-id') };
    if (!this.ready) {
      this.unattributed.httpRequests++;
      return starting(ids);
    }
    const caller = authenticateBearer(this.tokens, header(req, 'authorization'));
    // The token names its tenant; a request is only ever served from that tenant's fixture.
    const host = caller.ok ? this.hosts.get(caller.info.tenantId.toLowerCase()) : undefined;
    if (!caller.ok || !host) {
      this.unattributed.httpRequests++;
      return this.unauthenticated(caller.ok ? undefined : caller.message, ids);
    }
    host.stats.httpRequests++;
    const body = parseJsonBody(rawBody);
    if (body instanceof GraphRequestError) return errorResponse(body, ids);
    const graphRequest: GraphRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      version,
      path: segments.join('/'),
      query,
      headers: flatHeaders(req),
      body,
      caller: caller.info,
    };
    return graphRequest.path === '$batch'
      ? host.router.handleBatch(graphRequest)
      : host.router.handle(graphRequest);
  }

  /** Graph's 401: no valid token (`message` says why), or a token of a tenant this server does not serve. */
  private unauthenticated(message: string | undefined, ids: RequestIds): GraphResponse {
    const response = errorResponse(
      new GraphRequestError(
        401,
        'InvalidAuthenticationToken',
        message ?? 'Access token validation failure. Invalid audience.',
      ),
      ids,
    );
    response.headers['WWW-Authenticate'] =
      `Bearer realm="", authorization_uri="${this.baseUrl}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`;
    return response;
  }
}

/** The request's JSON body (undefined when empty), or Graph's 400 when it is not JSON. */
function parseJsonBody(rawBody: string): unknown {
  if (rawBody.trim() === '') return undefined;
  try {
    return JSON.parse(rawBody);
  } catch {
    return new GraphRequestError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

function starting(ids: RequestIds): GraphResponse {
  return errorResponse(new GraphRequestError(503, 'ServiceNotAvailable', 'The emulator is starting.'), ids);
}

function sendJson(res: ServerResponse, response: GraphResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload: Buffer = Buffer.alloc(0);
  if (response.text !== undefined) {
    payload = Buffer.from(response.text);
  } else if (response.body !== undefined) {
    payload = Buffer.from(JSON.stringify(response.body));
    // Cut at half: what a dropped proxy connection delivers. Content-Length matches what is sent, so the
    // client sees a complete HTTP response holding broken JSON rather than a socket error.
    if (response.truncate) payload = payload.subarray(0, Math.floor(payload.length / 2));
    headers['Content-Type'] ??= GRAPH_JSON;
  }
  headers['Content-Length'] = String(payload.length);
  res.writeHead(response.status, headers);
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new GraphRequestError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
