import { type GraphConfig, graphConfigSchema } from '../../src/config/schema.js';
import { type GraphSession, openGraphSession } from '../../src/graph/session.js';
import type { EmulatorEndpoint, TenantInfo } from './emulator-protocol.js';

/**
 * A Graph session for a tenant of an emulator running in the host process: the real Graph client and a
 * client-secret credential against the emulator's token endpoint, trusting only its certificate. The
 * same as `startEmulatedTenant(...).openSession()`, for an emulator that lives in another process.
 */
export function openBenchSession(
  endpoint: EmulatorEndpoint,
  tenant: Pick<TenantInfo, 'tenantId' | 'clientId' | 'clientSecret'>,
  graph: Partial<GraphConfig> = {},
): { session: GraphSession; graph: GraphConfig } {
  const config = graphConfigSchema.parse({
    ...graph,
    baseUrl: endpoint.baseUrl,
    authorityHost: endpoint.authorityHost,
  });
  const session = openGraphSession(
    {
      id: tenant.tenantId,
      credential: {
        type: 'clientSecret',
        clientId: tenant.clientId,
        clientSecret: { env: 'PIMWATCH_BENCH_SECRET' },
      },
    },
    config,
    // The fixture's own secret; nothing is read from the environment.
    { caPem: endpoint.caCertPem, readSecret: () => tenant.clientSecret },
  );
  return { session, graph: config };
}

/** Graph's published pacing for sign-in activity and reports, `timeScale` times faster. */
export function scaledRateLimits(timeScale: number): GraphConfig['rateLimits'] {
  return {
    signInActivityPerMinute: Math.round(10 * timeScale),
    reportsPer10Seconds: Math.round(5 * timeScale),
  };
}

/** Client pacing out of the way (for building snapshots quickly, throttles off). */
export const LIFTED_RATE_LIMITS: GraphConfig['rateLimits'] = {
  signInActivityPerMinute: 1_000_000,
  reportsPer10Seconds: 1_000_000,
};
