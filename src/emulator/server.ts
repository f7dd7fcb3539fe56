import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FixtureError } from '../errors.js';
import type { Fault, TenantFixture } from '../fixture-format/schema.js';
import { generateServerCertificate } from './certificate.js';
import { handleEntraRequest } from './entra-endpoints.js';
import { GraphRequestError, graphErrorBody, newRequestId } from './graph-error.js';
import type { GraphRequest, GraphResponse } from './graph-request.js';
import { errorResponse } from './graph-router.js';
import { OidcIssuer } from './oidc-sign-in.js';
import { withPimActivationAudits } from './pim-activation-audits.js';
import { CombinedStats, type EmulatorStats, RequestStats } from './request-stats.js';
import type { SentMail } from './send-mail.js';
import { servedResources } from './served-resources.js';
import { type EmulatorTenant, TenantHost } from './tenant-host.js';
import { TenantStore } from './tenant-store.js';
import type { ThrottleOptions } from './throttle.js';
import { authenticateBearer, type TokenCheck, TokenRegistry } from './token-registry.js';

export { EMULATOR_DEFAULT_CLIENT_ID, type EmulatorTenant } from './tenant-host.js';

/**
 * What the emulator serves: one tenant (`fixture`), several (`fixtures`, distinct tenant ids), or both
 * (`fixture` first). Like graph.microsoft.com, one server answers for every tenant: a token is issued at
 * `/{tenantId}/oauth2/v2.0/token` for that tenant, and a Graph request is served from the tenant of its token.
 */
export type EmulatorOptions = EmulatorSettings &
  (
    | { fixture: TenantFixture; fixtures?: readonly TenantFixture[] }
    | { fixture?: undefined; fixtures: readonly TenantFixture[] }
  );

export interface EmulatorSettings {
  /** 0 or absent: a free port. */
  port?: number;
  /** Added to every response, token endpoint included. */
  latencyMs?: number;
  /** Graph's throttle limits; off unless `enabled`. */
  throttle?: ThrottleOptions;
  /**
   * Moves every timestamp in each fixture's resources by `timeShiftTo - fixture.referenceTime`, so a
   * tenant written for one day looks the same when served on another.
   */
  timeShiftTo?: Date;
  /** The poll on which a refresh operation first reports `succeeded` (default 2). */
  operationPollsUntilDone?: number;
}

/**
 * A running emulator. `tenantId`, `sentMail`, `setFault` and `issueToken` are those of the first tenant
 * (the only one, for a single fixture); `tenant(id)` reaches any of them. `stats` counts the whole server.
 */
export interface RunningEmulator {
  /** `https://127.0.0.1:PORT`: the Graph base URL (`/v1.0`, `/beta` below it). */
  readonly baseUrl: string;
  /** The same server acts as Entra ID's authority host. */
  readonly authorityHost: string;
  /** The first tenant's id. */
  readonly tenantId: string;
  /** Every tenant served, in the order given (`fixture` first). */
  readonly tenantIds: readonly string[];
  /** The server's self-signed certificate; trust exactly this. */
  readonly caCertPem: string;
  /** The same certificate in a temporary file (removed on close). */
  readonly caCertPath: string;
  /**
   * Everything the server served, across all tenants, plus what no tenant can be charged with (Graph
   * requests without a valid token, token requests for an unknown tenant, instance discovery). Each count
   * is summed when read; `reset()` resets every tenant's counts. Per tenant: `tenant(id).stats`.
   */
  readonly stats: EmulatorStats;
  /** Messages the first tenant's `sendMail` accepted, oldest first. */
  readonly sentMail: readonly SentMail[];
  /** Registers (or with undefined, removes) a fault for a path of the first tenant. */
  setFault(path: string, fault: Fault | readonly Fault[] | undefined): void;
  /**
   * A valid bearer token for the first tenant without the OAuth round trip. Permissions default to those
   * the fixture lists for the client id; undefined means unrestricted.
   */
  issueToken(clientId?: string, permissions?: readonly string[]): string;
  /** One tenant by id (case-insensitive); throws for a tenant the emulator does not serve. */
  tenant(tenantId: string): EmulatorTenant;
  /**
   * Who a bearer token this emulator issued belongs to and its audience, for test receivers of other
   * Microsoft APIs (Sentinel's logs ingestion) that must check the token as the real service would.
   */
  inspectToken(token: string): TokenCheck;
  close(): Promise<void>;
}

const TOKEN_PATH = 'oauth2/v2.0/token';
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const GRAPH_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const fixtures = tenantFixtures(options);
  // The heavy part (copying and indexing each tenant's collections) happens before the server listens.
  const stores = fixtures.map(
    (fixture) =>
      new TenantStore({
        ...fixture,
        resources: withPimActivationAudits(
          fixture.tenantId,
          servedResources(fixture, timeShiftMs(options, fixture)),
        ),
      }),
  );
  const certificate = await generateServerCertificate();
  const certDir = await mkdtemp(join(tmpdir(), 'pimwatch-emulator-'));
  const caCertPath = join(certDir, 'emulator-ca.pem');
  await writeFile(caCertPath, certificate.cert, { mode: 0o644 });

  const tokens = new TokenRegistry();
  const oidc = new OidcIssuer();
  /** Requests no tenant can be charged with. */
  const unattributed = new RequestStats();
  /** By lower-case tenant id; empty until the server listens (the routers need its URL). */
  const hosts = new Map<string, TenantHost>();

  // The base URL is only known once the port is; handlers read it through this holder.
  const endpoint = { baseUrl: '' };
  let ready = false;

  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    handleHttp(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        sendJson(res, errorResponse(error, { requestId: newRequestId(), clientRequestId: undefined }));
      } else {
        res.destroy();
      }
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', endpoint.baseUrl);
    const segments = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map(safeDecode);
    const method = (req.method ?? 'GET').toUpperCase();
    let response: GraphResponse;
    const version = segments[0];
    if (version === 'v1.0' || version === 'beta') {
      response = serveGraph(req, version, segments.slice(1), url.searchParams, body);
    } else if (!ready) {
      response = starting({ requestId: newRequestId(), clientRequestId: undefined });
    } else {
      response = tokenFault(segments) ?? serveEntra(method, segments, body, req, url.searchParams);
    }
    const delay = (options.latencyMs ?? 0) + (response.delayMs ?? 0);
    if (delay > 0) await sleep(delay);
    sendJson(res, response);
  }

  function serveEntra(
    method: string,
    segments: string[],
    body: string,
    req: IncomingMessage,
    query: URLSearchParams,
  ): GraphResponse {
    const entra = handleEntraRequest(
      { baseUrl: endpoint.baseUrl, tokens, oidc, findTenant: (tenant) => hosts.get(tenant.toLowerCase()) },
      method,
      segments,
      body,
      req.headers.authorization,
      query,
    );
    if (entra) (hosts.get((segments[0] ?? '').toLowerCase())?.stats ?? unattributed).tokenRequests++;
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

  /**
   * A fault registered for a tenant's `oauth2/v2.0/token` path: Entra itself unavailable (a 5xx without an
   * AADSTS code, or only latency), as opposed to Entra refusing a credential.
   */
  function tokenFault(segments: string[]): GraphResponse | undefined {
    if (segments.slice(1).join('/') !== TOKEN_PATH) return undefined;
    const host = hosts.get((segments[0] ?? '').toLowerCase());
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

  function serveGraph(
    req: IncomingMessage,
    version: 'v1.0' | 'beta',
    segments: string[],
    query: URLSearchParams,
    rawBody: string,
  ): GraphResponse {
    const ids = { requestId: newRequestId(), clientRequestId: header(req, 'client-request-id') };
    if (!ready) {
      unattributed.httpRequests++;
      return starting(ids);
    }
    const caller = authenticateBearer(tokens, header(req, 'authorization'));
    // The token names its tenant; a request is only ever served from that tenant's fixture.
    const host = caller.ok ? hosts.get(caller.info.tenantId.toLowerCase()) : undefined;
    if (!caller.ok || !host) {
      unattributed.httpRequests++;
      const response = errorResponse(
        new GraphRequestError(
          401,
          'InvalidAuthenticationToken',
          caller.ok ? 'Access token validation failure. Invalid audience.' : caller.message,
        ),
        ids,
      );
      response.headers['WWW-Authenticate'] =
        `Bearer realm="", authorization_uri="${endpoint.baseUrl}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`;
      return response;
    }
    host.stats.httpRequests++;
    let body: unknown;
    if (rawBody.trim() !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return errorResponse(
          new GraphRequestError(
            400,
            'BadRequest',
            'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
          ),
          ids,
        );
      }
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers))
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const graphRequest: GraphRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      version,
      path: segments.join('/'),
      query,
      headers,
      body,
      caller: caller.info,
    };
    return graphRequest.path === '$batch'
      ? host.router.handleBatch(graphRequest)
      : host.router.handle(graphRequest);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await rm(certDir, { recursive: true, force: true });
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  endpoint.baseUrl = `https://127.0.0.1:${port}`;
  const settings = {
    baseUrl: endpoint.baseUrl,
    tokens,
    throttle: options.throttle,
    operationPollsUntilDone: options.operationPollsUntilDone ?? 2,
  };
  fixtures.forEach((fixture, i) => {
    hosts.set(fixture.tenantId.toLowerCase(), new TenantHost(fixture, stores[i]!, settings));
  });
  ready = true;

  const first = hosts.get(fixtures[0]!.tenantId.toLowerCase())!;
  const stats = new CombinedStats([unattributed, ...[...hosts.values()].map((h) => h.stats)]);
  let closed: Promise<void> | undefined;
  return {
    baseUrl: endpoint.baseUrl,
    authorityHost: endpoint.baseUrl,
    tenantId: first.tenantId,
    tenantIds: fixtures.map((f) => f.tenantId),
    caCertPem: certificate.cert,
    caCertPath,
    stats,
    sentMail: first.sentMail,
    setFault: first.setFault,
    issueToken: first.issueToken,
    inspectToken: (token) => tokens.check(token),
    tenant(tenantId) {
      const host = hosts.get(tenantId.toLowerCase());
      if (!host) {
        throw new Error(`the emulator serves no tenant ${tenantId} (it serves ${describeTenants(fixtures)})`);
      }
      return host;
    },
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await rm(certDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

/** `fixture` then `fixtures`: at least one, tenant ids distinct (case-insensitively, as Entra compares them). */
function tenantFixtures(options: EmulatorOptions): TenantFixture[] {
  const fixtures = [...(options.fixture ? [options.fixture] : []), ...(options.fixtures ?? [])];
  if (fixtures.length === 0) throw new FixtureError('the emulator needs at least one tenant fixture');
  const seen = new Set<string>();
  for (const fixture of fixtures) {
    const key = fixture.tenantId.toLowerCase();
    if (seen.has(key)) {
      throw new FixtureError(`two fixtures have tenant id ${fixture.tenantId}: each tenant is served once`);
    }
    seen.add(key);
  }
  return fixtures;
}

function describeTenants(fixtures: readonly TenantFixture[]): string {
  const ids = fixtures.map((f) => f.tenantId);
  return ids.length <= 5 ? ids.join(', ') : `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more`;
}

function starting(ids: { requestId: string; clientRequestId: string | undefined }): GraphResponse {
  return errorResponse(new GraphRequestError(503, 'ServiceNotAvailable', 'The emulator is starting.'), ids);
}

function timeShiftMs(options: EmulatorSettings, fixture: TenantFixture): number {
  if (!options.timeShiftTo) return 0;
  if (!fixture.referenceTime) {
    throw new FixtureError(
      `cannot shift the fixture of tenant ${fixture.tenantId} in time: it has no referenceTime`,
    );
  }
  return options.timeShiftTo.getTime() - Date.parse(fixture.referenceTime);
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
