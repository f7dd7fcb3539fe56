import { formatDoctorTable } from '../doctor/format-doctor.js';
import { type DoctorReport, runDoctor } from '../doctor/run-doctor.js';
import { loadFixture, resolveFixtureArg } from '../emulator/load-fixture.js';
import { type GraphSession, openGraphSession } from '../graph/session.js';
import { startEmulatedTenant } from '../scan/emulated-tenant.js';
import type { CommandOptions, declareDoctorCommand } from './command-lines.js';
import { EXIT } from './exit.js';
import { findConfiguredTenant, loadCommandConfig, requireOneTarget } from './tenant-context.js';

/** `doctor`'s options as declared on the command line. */
export type DoctorCommandOptions = CommandOptions<typeof declareDoctorCommand>;

/** Exit codes: 0 ready, 3 degraded (a fallback in use), 2 blocked (a credential or permission missing). */
export const DOCTOR_EXIT = { ready: EXIT.ok, degraded: EXIT.partial, blocked: EXIT.usage } as const;

/**
 * `pimwatch doctor`: whether a configured tenant (or a fixture, served by the in-process emulator) is
 * ready to scan, before any scan runs.
 */
export async function runDoctorCommand(
  options: DoctorCommandOptions,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  requireOneTarget(
    [options.tenant, options.fixture],
    'say what to check: exactly one of --tenant ID or --fixture FILE|demo',
  );
  const { config, log } = loadCommandConfig(options.config);
  let report: DoctorReport;
  try {
    if (options.tenant) {
      const tenant = findConfiguredTenant(config, options.tenant);
      const session = openGraphSession(tenant, config.graph, { logger: log, priority: 'Normal' });
      report = await withSession(session, () =>
        runDoctor({
          tenantId: tenant.id,
          http: session.http,
          authorityHost: config.graph.authorityHost,
          ...(tenant.credential.clientId ? { clientId: tenant.credential.clientId } : {}),
        }),
      );
    } else {
      const fixture = await loadFixture(resolveFixtureArg(options.fixture!));
      const emulated = await startEmulatedTenant(fixture, { graph: config.graph });
      try {
        const session = emulated.openSession({ logger: log });
        report = await withSession(session, () =>
          runDoctor({
            tenantId: fixture.tenantId,
            http: session.http,
            authorityHost: emulated.graph.authorityHost,
          }),
        );
      } finally {
        await emulated.close();
      }
    }
  } finally {
    log.flush();
  }
  write(options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorTable(report));
  return DOCTOR_EXIT[report.status];
}

async function withSession<T>(session: GraphSession, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } finally {
    await session.close();
  }
}
