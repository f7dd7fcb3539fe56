import { rm, writeFile } from 'node:fs/promises';
import { FixtureError } from '../errors.js';
import type { TenantFixture } from '../fixture-format/schema.js';
import { loadFixture, resolveFixtureArg } from './load-fixture.js';
import { startEmulator } from './server.js';
import type { ThrottleOptions } from './throttle.js';
import { stableShiftTarget } from './time-shift.js';

export interface EmulatorCommandOptions {
  /** A fixture file, or `demo`; several serve several tenants from one emulator (tenant ids distinct). */
  fixture: string | readonly string[];
  port?: number;
  latencyMs?: number;
  /** `true` enforces Graph's limits in real time. */
  throttle?: boolean | ThrottleOptions;
  /**
   * Serve each fixture with its reference time moved to the start of the current hour, as `scan --demo`
   * does. @defaultValue true when only the bundled demo is served, false otherwise
   */
  shiftToNow?: boolean;
  /** The clock the shift is read from. @defaultValue the system clock */
  now?: Date;
  /**
   * Also write the emulator's CA certificate here (removed again on stop), for pimwatch processes in
   * other containers that share a volume with it (the compose demo).
   */
  caOut?: string;
}

export interface EmulatorCommandIo {
  /** Where the instructions go (default: stdout). */
  print?: (line: string) => void;
  /** Stops the emulator like SIGINT/SIGTERM do (used by tests). */
  signal?: AbortSignal;
}

/**
 * `pimwatch emulator`: serves one or more fixtures until SIGINT or SIGTERM, after printing what to put in
 * pimwatch's configuration to talk to it.
 */
export async function runEmulatorCommand(
  options: EmulatorCommandOptions,
  io: EmulatorCommandIo = {},
): Promise<void> {
  const print = io.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const fixturePaths = (typeof options.fixture === 'string' ? [options.fixture] : options.fixture).map(
    resolveFixtureArg,
  );
  if (fixturePaths.length === 0) throw new FixtureError('no fixture given: name at least one fixture file');
  const fixtures = await Promise.all(fixturePaths.map((path) => loadFixture(path)));
  const tenants = fixtures.map((fixture, i) => ({ fixture, path: fixturePaths[i]! }));
  refuseDuplicateTenants(tenants);
  const throttle = typeof options.throttle === 'boolean' ? { enabled: options.throttle } : options.throttle;
  // Unshifted, the demo's "yesterday" is a fixed day in the past, so a worker pointed at it would see far
  // more incidents than the demo describes (every activation long expired, every sign-in stale).
  const shiftToNow =
    options.shiftToNow ??
    (typeof options.fixture === 'string' ? [options.fixture] : options.fixture).every((f) => f === 'demo');
  const shiftTo = shiftToNow ? stableShiftTarget(options.now ?? new Date()) : undefined;
  const emulator = await startEmulator({
    fixtures,
    ...(shiftTo ? { timeShiftTo: shiftTo } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(throttle ? { throttle } : {}),
  });

  const caFile = options.caOut ?? emulator.caCertPath;
  if (options.caOut) await writeFile(options.caOut, emulator.caCertPem, { mode: 0o644 });

  const single = tenants.length === 1 ? tenants[0] : undefined;
  if (single) {
    print(`Graph emulator serving ${single.path} (tenant ${single.fixture.tenantId})`);
  } else {
    print(`Graph emulator serving ${tenants.length} tenants:`);
    for (const { fixture, path } of tenants) {
      const apps = fixture.applications?.map((a) => a.clientId).join(', ');
      print(`  tenant ${fixture.tenantId}  ${path}  (applications: ${apps ?? 'any'})`);
    }
  }
  print(`  base URL:        ${emulator.baseUrl}`);
  print(`  CA certificate:  ${caFile}`);
  print(`  throttling:      ${throttle?.enabled ? 'Graph limits enforced' : 'off'}`);
  print(
    `  time:            ${shiftTo ? `shifted so each fixture's reference time is ${shiftTo.toISOString()}` : 'as written in the fixture (--shift-to-now moves it to this hour)'}`,
  );
  print(
    single
      ? 'Point pimwatch at it with, in the tenant configuration:'
      : "Point pimwatch at it with, in each tenant's configuration (tenant id as listed above):",
  );
  print(`  graph.baseUrl: ${emulator.baseUrl}`);
  print(`  graph.authorityHost: ${emulator.authorityHost}`);
  print(`  graph.caFile: ${caFile}`);
  print(
    !single
      ? "  credential: clientSecret with one of the tenant's applications listed above (any: any client id and secret)"
      : single.fixture.applications
        ? `  credential: clientSecret with one of the fixture's applications (${single.fixture.applications.map((a) => a.clientId).join(', ')})`
        : '  credential: clientSecret with any client id and secret',
  );
  print('Press Ctrl+C to stop.');

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
  await emulator.close();
  if (options.caOut) await rm(options.caOut, { force: true });
  print('Graph emulator stopped.');
}

/** Two files for one tenant id would leave one of them unreachable; named here by file, before starting. */
function refuseDuplicateTenants(tenants: readonly { fixture: TenantFixture; path: string }[]): void {
  const byId = new Map<string, string>();
  for (const { fixture, path } of tenants) {
    const key = fixture.tenantId.toLowerCase();
    const other = byId.get(key);
    if (other !== undefined) {
      throw new FixtureError(
        `fixture files ${other} and ${path} are both tenant ${fixture.tenantId}: each tenant can be served once`,
      );
    }
    byId.set(key, path);
  }
}
