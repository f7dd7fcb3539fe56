import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixtureError } from '../errors.js';
import type { Fault, TenantFixture } from '../fixture-format/schema.js';
import { generateServerCertificate } from './certificate.js';
import { withPimActivationAudits } from './pim-activation-audits.js';
import { RequestDispatcher } from './request-dispatch.js';
import { CombinedStats, type EmulatorStats } from './request-stats.js';
import type { SentMail } from './send-mail.js';
import { servedResources } from './served-resources.js';
import { type EmulatorTenant, TenantHost } from './tenant-host.js';
import { TenantStore } from './tenant-store.js';
import type { ThrottleOptions } from './throttle.js';
import type { TokenCheck } from './token-registry.js';

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

  const dispatcher = new RequestDispatcher(options.latencyMs ?? 0);
  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) =>
    dispatcher.handle(req, res),
  );
  let port: number;
  try {
    port = await listen(server, options.port ?? 0);
  } catch (error) {
    await rm(certDir, { recursive: true, force: true });
    throw error;
  }
  // The routers need the server's URL, which is known only once it listens.
  const baseUrl = `https://127.0.0.1:${port}`;
  const settings = {
    baseUrl,
    tokens: dispatcher.tokens,
    throttle: options.throttle,
    operationPollsUntilDone: options.operationPollsUntilDone ?? 2,
  };
  dispatcher.open(
    baseUrl,
    fixtures.map((fixture, i) => new TenantHost(fixture, stores[i]!, settings)),
  );
  const close = closeOnce(server, certDir);
  return runningEmulator({ baseUrl, fixtures, dispatcher, caCertPem: certificate.cert, caCertPath, close });
}

/** Listens on 127.0.0.1 (`port` 0: a free one) and returns the port. */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Stops the server and removes its certificate, once however often it is called. */
function closeOnce(server: Server, certDir: string): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () => {
    closed ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await rm(certDir, { recursive: true, force: true });
    })();
    return closed;
  };
}

/** The handle on a listening emulator: the first tenant's shortcuts, any tenant by id, the whole server's stats. */
function runningEmulator(parts: {
  baseUrl: string;
  fixtures: readonly TenantFixture[];
  dispatcher: RequestDispatcher;
  caCertPem: string;
  caCertPath: string;
  close: () => Promise<void>;
}): RunningEmulator {
  const { baseUrl, fixtures, dispatcher } = parts;
  const hosts = dispatcher.hosts;
  const first = hosts.get(fixtures[0]!.tenantId.toLowerCase())!;
  return {
    baseUrl,
    authorityHost: baseUrl,
    tenantId: first.tenantId,
    tenantIds: fixtures.map((f) => f.tenantId),
    caCertPem: parts.caCertPem,
    caCertPath: parts.caCertPath,
    stats: new CombinedStats([dispatcher.unattributed, ...[...hosts.values()].map((h) => h.stats)]),
    sentMail: first.sentMail,
    setFault: first.setFault,
    issueToken: first.issueToken,
    inspectToken: (token) => dispatcher.tokens.check(token),
    tenant(tenantId) {
      const host = hosts.get(tenantId.toLowerCase());
      if (!host) {
        throw new Error(`the emulator serves no tenant ${tenantId} (it serves ${describeTenants(fixtures)})`);
      }
      return host;
    },
    close: parts.close,
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

function timeShiftMs(options: EmulatorSettings, fixture: TenantFixture): number {
  if (!options.timeShiftTo) return 0;
  if (!fixture.referenceTime) {
    throw new FixtureError(
      `cannot shift the fixture of tenant ${fixture.tenantId} in time: it has no referenceTime`,
    );
  }
  return options.timeShiftTo.getTime() - Date.parse(fixture.referenceTime);
}
