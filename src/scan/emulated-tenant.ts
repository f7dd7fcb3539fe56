import type { GraphConfig, TenantConfig } from '../config/schema.js';
import { graphConfigSchema } from '../config/schema.js';
import {
  EMULATOR_DEFAULT_CLIENT_ID,
  type EmulatorOptions,
  type RunningEmulator,
  startEmulator,
} from '../emulator/server.js';
import type { TenantFixture } from '../fixture-format/schema.js';
import { type GraphSession, openGraphSession, type SessionOptions } from '../graph/session.js';

export interface EmulatedTenant {
  emulator: RunningEmulator;
  tenant: Pick<TenantConfig, 'id' | 'name' | 'credential'>;
  graph: GraphConfig;
  /** A Graph session for the tenant: the real client and credential, over HTTPS, trusting only the emulator's CA. */
  openSession(options?: Pick<SessionOptions, 'logger' | 'priority' | 'onWait' | 'onResult'>): GraphSession;
  close(): Promise<void>;
}

/**
 * Starts the emulator for a fixture and describes it as a tenant pimwatch can scan, the same way a real
 * one is scanned: a client-secret credential against the emulator's token endpoint, the Graph client at
 * its base URL, its certificate trusted explicitly.
 */
export async function startEmulatedTenant(
  fixture: TenantFixture,
  options: Omit<EmulatorOptions, 'fixture'> & { graph?: Partial<GraphConfig> } = {},
): Promise<EmulatedTenant> {
  const { graph: graphOverrides, ...emulatorOptions } = options;
  const emulator = await startEmulator({ fixture, ...emulatorOptions });
  const app = fixture.applications?.find((a) => a.clientSecret) ?? fixture.applications?.[0];
  const clientId = app?.clientId ?? EMULATOR_DEFAULT_CLIENT_ID;
  const secret = app?.clientSecret ?? 'emulator-client-secret';
  const graph = graphConfigSchema.parse({
    ...graphOverrides,
    baseUrl: emulator.baseUrl,
    authorityHost: emulator.authorityHost,
  });
  const tenant: EmulatedTenant['tenant'] = {
    id: fixture.tenantId,
    name: fixture.description?.split(/[.:]/)[0]?.trim() || 'Emulated tenant',
    credential: { type: 'clientSecret', clientId, clientSecret: { env: 'PIMWATCH_EMULATOR_SECRET' } },
  };
  return {
    emulator,
    tenant,
    graph,
    openSession: (sessionOptions = {}) =>
      openGraphSession(tenant, graph, {
        ...sessionOptions,
        caPem: emulator.caCertPem,
        // The fixture's own secret; nothing is read from the environment for an emulated tenant.
        readSecret: () => secret,
      }),
    close: () => emulator.close(),
  };
}
