import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import {
  declareCaptureCommand,
  declareCheckConfigCommand,
  declareDoctorCommand,
  declareEmulatorCommand,
  declareGenerateFixtureCommand,
  declareGraphRefreshCommand,
  declareHealthCommand,
  declareIncidentsCommand,
  declareRemediateCommand,
  declareScanCommand,
  declareServeCommand,
  declareSuppressCommand,
  declareTriggerCommand,
  declareWorkerCommand,
} from './cli/command-lines.js';
import { EXIT, reportError } from './cli/exit.js';
import { loadConfig } from './config/load.js';
import { unavailableSecrets } from './config/secret.js';
import { ConfigError } from './errors.js';
import { LOG_LEVELS, overrideLogLevel } from './log.js';
import { packageVersion } from './package-info.js';

type SetExitCode = (code: number) => void;

/**
 * An action that loads its command's module only when that command runs (so `pimwatch --help` stays
 * fast) and hands the exit code it returns to `setExitCode`.
 */
function exitWith<Options>(
  setExitCode: SetExitCode,
  load: () => Promise<(options: Options) => Promise<number>>,
): (options: Options) => Promise<void> {
  return async (options) => {
    const run = await load();
    setExitCode(await run(options));
  };
}

/** The root command line: pimwatch-wide options that every subcommand honours. */
function rootProgram() {
  const program = new Command('pimwatch')
    .description('Watches Microsoft Entra ID for the seven PIM security alerts for Entra roles.')
    .version(packageVersion(), '-V, --version', "print pimwatch's version")
    .addOption(
      new Option('--log-level <level>', 'log level for this run (beats log.level in the configuration)')
        .choices(LOG_LEVELS)
        .env('PIMWATCH_LOG_LEVEL'),
    )
    .option('-q, --quiet', 'on standard error, errors only: log level error and no progress')
    .showHelpAfterError()
    .exitOverride();
  return program.hook('preAction', () => {
    const { logLevel, quiet } = program.opts();
    overrideLogLevel(quiet ? 'error' : logLevel);
  });
}

type Program = ReturnType<typeof rootProgram>;

/** `pimwatch scan`: the one command most people run. */
function addScanCommand(program: Program, setExitCode: SetExitCode): void {
  declareScanCommand(program).action(async (opts) => {
    const { runScanCommand } = await import('./cli/scan-command.js');
    const { quiet } = program.opts();
    setExitCode(await runScanCommand({ ...opts, ...(quiet ? { quiet } : {}) }));
  });
}

/** Commands over what pimwatch remembers, and PIM's own write actions. */
function addStateCommands(program: Program, setExitCode: SetExitCode): void {
  declareIncidentsCommand(program).action(
    exitWith(setExitCode, async () => (await import('./cli/state-commands.js')).runIncidentsCommand),
  );
  declareSuppressCommand(program).action(
    exitWith(setExitCode, async () => (await import('./cli/state-commands.js')).runSuppressCommand),
  );
  declareGraphRefreshCommand(program).action(
    exitWith(
      setExitCode,
      async () => (await import('./cli/graph-action-commands.js')).runGraphRefreshCommand,
    ),
  );
  declareRemediateCommand(program).action(
    exitWith(setExitCode, async () => (await import('./cli/graph-action-commands.js')).runRemediateCommand),
  );
}

/** The long-running services and the commands that talk to them. */
function addServiceCommands(program: Program, setExitCode: SetExitCode): void {
  declareWorkerCommand(program).action(
    exitWith(setExitCode, async () => (await import('./cli/service-commands.js')).runWorkerCommand),
  );
  declareHealthCommand(program).action(
    exitWith(setExitCode, async () => (await import('./cli/health-command.js')).runHealthCommand),
  );
  declareServeCommand(program).action(
    exitWith(setExitCode, async () => (await import('./cli/service-commands.js')).runServeCommand),
  );
  declareTriggerCommand(program).action(
    exitWith(setExitCode, async () => (await import('./cli/service-commands.js')).runTriggerCommand),
  );
}

/** Tools for development: the emulator and synthetic fixtures. */
function addToolCommands(program: Program): void {
  declareEmulatorCommand(program).action(async (opts) => {
    const { runEmulatorCommand } = await import('./emulator/command.js');
    await runEmulatorCommand({
      fixture: opts.fixture.length === 1 ? opts.fixture[0]! : opts.fixture,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.latency !== undefined ? { latencyMs: opts.latency } : {}),
      ...(opts.throttle ? { throttle: true } : {}),
      ...(opts.shiftToNow !== undefined ? { shiftToNow: opts.shiftToNow } : {}),
      ...(opts.caOut !== undefined ? { caOut: opts.caOut } : {}),
    });
  });
  declareGenerateFixtureCommand(program).action(async (opts) => {
    const { runGenerateFixtureCommand } = await import('./fixtures/command.js');
    await runGenerateFixtureCommand(opts);
  });
}

/** Checks before and around a scan: doctor, capture for a bug report, and the configuration check. */
function addDiagnosisCommands(program: Program, setExitCode: SetExitCode): void {
  declareDoctorCommand(program).action(
    exitWith(setExitCode, async () => (await import('./cli/doctor-command.js')).runDoctorCommand),
  );
  declareCaptureCommand(program).action(
    exitWith(setExitCode, async () => (await import('./cli/capture-command.js')).runCaptureCommand),
  );
  declareCheckConfigCommand(program).action((opts) => {
    const config = loadConfig(opts.config ? { file: opts.config } : {});
    const missing = unavailableSecrets(config);
    if (missing.length > 0) throw new ConfigError('secrets', missing);
    process.stdout.write(`configuration is valid: ${config.tenants.length} tenant(s)\n`);
  });
}

/**
 * One command line for everything pimwatch does. Each subcommand's options are declared in
 * `cli/command-lines.ts` and its work lives in its own module; this file only maps outcomes to exit codes.
 * Subcommands are added in the order `--help` lists them.
 */
export function buildProgram(setExitCode: SetExitCode = () => {}): Program {
  const program = rootProgram();
  addScanCommand(program, setExitCode);
  addStateCommands(program, setExitCode);
  addServiceCommands(program, setExitCode);
  addToolCommands(program);
  addDiagnosisCommands(program, setExitCode);
  return program;
}

/** Runs the command line and returns the exit code (tests call this in-process). */
export async function runCli(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the problem and the help.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(error);
  }
}
