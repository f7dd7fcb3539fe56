import { writeFile } from 'node:fs/promises';
import { type Capture, captureTenant } from '../capture/capture-tenant.js';
import { mergeDetectorsConfig } from '../detectors/config-schema.js';
import { fixtureViolations } from '../emulator/fixture-rules.js';
import { loadFixture, resolveFixtureArg } from '../emulator/load-fixture.js';
import { stableShiftTarget } from '../emulator/time-shift.js';
import { openGraphSession } from '../graph/session.js';
import { startEmulatedTenant } from '../scan/emulated-tenant.js';
import type { CommandOptions, declareCaptureCommand } from './command-lines.js';
import { EXIT } from './exit.js';
import { parseNow } from './scan-command.js';
import { findConfiguredTenant, loadCommandConfig, requireOneTarget } from './tenant-context.js';

/** `capture`'s options as declared on the command line; `--no-pseudonymize` sets `pseudonymize` to false. */
export type CaptureCommandOptions = CommandOptions<typeof declareCaptureCommand>;

/**
 * `pimwatch capture`: records what a scan of a configured tenant (or of a fixture, through the in-process
 * emulator) reads, as a tenant fixture a bug report can carry. The pseudonym key and mapping die here.
 */
export async function runCaptureCommand(
  options: CaptureCommandOptions,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  requireOneTarget(
    [options.tenant, options.fixture],
    'say what to capture: exactly one of --tenant ID or --fixture FILE|demo',
  );
  const now = parseNow(options.now);
  const { config, log } = loadCommandConfig(options.config);
  const common = {
    now,
    pseudonymize: options.pseudonymize,
    activationHistory: config.graph.activationHistory,
    logger: log,
  };
  let capture: Capture;
  try {
    if (options.tenant) {
      const tenant = findConfiguredTenant(config, options.tenant);
      capture = await captureTenant({
        ...common,
        tenant,
        detectors: mergeDetectorsConfig(config.detectors, tenant.detectors),
        openSession: (session) =>
          openGraphSession(tenant, config.graph, { logger: log, priority: 'Normal', ...session }),
      });
    } else {
      const fixture = await loadFixture(resolveFixtureArg(options.fixture!));
      // The bundled demo is served as `scan --demo` serves it: shifted to this hour.
      const emulated = await startEmulatedTenant(fixture, {
        graph: config.graph,
        ...(options.fixture === 'demo' && fixture.referenceTime
          ? { timeShiftTo: stableShiftTarget(now) }
          : {}),
      });
      try {
        capture = await captureTenant({
          ...common,
          tenant: emulated.tenant,
          detectors: config.detectors,
          openSession: (session) => emulated.openSession({ logger: log, ...session }),
        });
      } finally {
        await emulated.close();
      }
    }
  } finally {
    log.flush();
  }
  await writeFile(options.out, `${JSON.stringify(capture.fixture, null, 2)}\n`);
  const { snapshot } = capture.assessment;
  const collections = Object.keys(capture.fixture.resources).length;
  const failed = Object.keys(capture.fixture.faults ?? {}).length;
  write(
    `captured ${collections} collection(s)${failed ? ` and ${failed} failed read(s)` : ''} to ${options.out}` +
      `${options.pseudonymize ? ', pseudonymised' : ' (NOT pseudonymised: it names real people)'}\n` +
      `replay: pimwatch scan --fixture ${options.out} --now ${capture.fixture.referenceTime}\n`,
  );
  if (!snapshot.complete) write('the scan was partial; the capture records the failed reads as faults\n');
  // A tenant that breaks the emulator's idea of Entra's rules is exactly what a bug report is for.
  const violations = fixtureViolations(capture.fixture);
  if (violations.length > 0) {
    write(
      `note: the emulator refuses this capture until it learns what your tenant does (${violations.length} rule(s); please mention it in the report), e.g.\n` +
        violations
          .slice(0, 5)
          .map((v) => `  - ${v.path}: ${v.message} [${v.rule}]\n`)
          .join(''),
    );
  }
  return snapshot.complete ? EXIT.ok : EXIT.partial;
}
