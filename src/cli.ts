import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CaptureCommandOptions } from './cli/capture-command.js';
import type { DoctorCommandOptions } from './cli/doctor-command.js';
import { EXIT, reportError } from './cli/exit.js';
import type { ScanCommandOptions } from './cli/scan-command.js';
import { loadConfig } from './config/load.js';
import { unavailableSecrets } from './config/secret.js';
import { ConfigError } from './errors.js';
import { LOG_LEVELS, type LogLevel, overrideLogLevel } from './log.js';
import { packageVersion } from './package-info.js';

/** Parses a whole number option, naming the option when it is not one. */
export function intOption(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be a whole number >= ${min}`);
    return n;
  };
}

/**
 * One command line for everything pimwatch does. Each subcommand's work lives in its own module; this
 * file only declares options and maps outcomes to exit codes.
 */
export function buildProgram(setExitCode: (code: number) => void = () => {}): Command {
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
    .exitOverride()
    .hook('preAction', () => {
      const { logLevel, quiet } = program.opts<{ logLevel?: LogLevel; quiet?: boolean }>();
      overrideLogLevel(quiet ? 'error' : logLevel);
    });

  program
    .command('scan')
    .description('Scan one tenant once and print the incidents (exit 0 complete, 3 partial, 4 --fail-on hit)')
    .option('--demo', 'scan the bundled demo tenant through the emulator')
    .option('--fixture <file>', 'scan a tenant fixture through the emulator (started in-process, HTTPS)')
    .option('--tenant <id>', 'scan a tenant from the configuration')
    .addOption(new Option('--config <file>', 'configuration file (YAML or JSON)').env('PIMWATCH_CONFIG'))
    .option('--now <iso-time>', "the detectors' clock (default: now)")
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'markdown', 'html'])
        .default('table'),
    )
    .option('--out <file>', 'write the report to a file instead of standard output')
    .option(
      '--outbox <dir>',
      "also render the scan's notifications into files (Teams cards, .eml mails, feed NDJSON) without sending them (default with --demo: ./outbox)",
    )
    .option('--no-outbox', 'with --demo: do not write the outbox')
    .addOption(
      new Option('--fail-on <severity>', 'exit 4 when an incident at or above this severity exists').choices([
        'low',
        'medium',
        'high',
      ]),
    )
    .addOption(
      new Option(
        '--state <store>',
        'where incident lifecycle is kept (default: redis when configured)',
      ).choices(['redis', 'memory']),
    )
    .option('--progress', 'show progress on standard error even when it is not a terminal')
    .action(async (opts: ScanCommandOptions) => {
      const { runScanCommand } = await import('./cli/scan-command.js');
      const { quiet } = program.opts<{ quiet?: boolean }>();
      setExitCode(await runScanCommand({ ...opts, ...(quiet ? { quiet } : {}) }));
    });

  const configOption = () =>
    new Option('--config <file>', 'configuration file (YAML or JSON)').env('PIMWATCH_CONFIG');

  program
    .command('incidents')
    .description("List a tenant's remembered incidents and their lifecycle (needs redis.url)")
    .requiredOption('--tenant <id>', 'tenant id from the configuration')
    .addOption(configOption())
    .option('--state <state>', 'new, open, resolved, reopened, or active (= not resolved)')
    .option('--alert <alert>', 'only this alert, e.g. StaleSignInAlert')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(
      async (opts: {
        tenant: string;
        config?: string;
        state?: string;
        alert?: string;
        format: 'table' | 'json';
      }) => {
        const { runIncidentsCommand } = await import('./cli/state-commands.js');
        setExitCode(await runIncidentsCommand(opts));
      },
    );

  program
    .command('suppress')
    .description(
      'Silence one incident (or one principal for one alert) until a date, with a reason; at most 90 days',
    )
    .requiredOption('--tenant <id>', 'tenant id from the configuration')
    .addOption(configOption())
    .option('--fingerprint <fingerprint>', 'the incident to suppress')
    .option('--principal <id>', 'suppress every incident of --alert for this principal')
    .option('--alert <alert>', 'with --principal: the alert')
    .requiredOption('--reason <text>', 'why (shown wherever the incident is)')
    .requiredOption('--until <date>', 'when the suppression ends (at most 90 days ahead)')
    .option('--author <name>', 'who decided (default: the current user)')
    .action(
      async (opts: {
        tenant: string;
        config?: string;
        fingerprint?: string;
        principal?: string;
        alert?: string;
        reason: string;
        until: string;
        author?: string;
      }) => {
        const { runSuppressCommand } = await import('./cli/state-commands.js');
        setExitCode(await runSuppressCommand(opts));
      },
    );

  program
    .command('graph-refresh')
    .description("Ask PIM to rescan the tenant's alerts now and wait (needs graph.allowWriteActions)")
    .requiredOption('--tenant <id>', 'tenant id from the configuration')
    .addOption(configOption())
    .option('--timeout <seconds>', 'how long to wait for PIM', intOption('--timeout', 1), 600)
    .action(async (opts: { tenant: string; config?: string; timeout: number }) => {
      const { runGraphRefreshCommand } = await import('./cli/graph-action-commands.js');
      setExitCode(await runGraphRefreshCommand({ ...opts, timeoutSeconds: opts.timeout }));
    });

  program
    .command('remediate')
    .description('Show what PIM would do to remediate an incident; --apply asks PIM to do it')
    .requiredOption('--tenant <id>', 'tenant id from the configuration')
    .requiredOption('--fingerprint <fingerprint>', 'the incident (see `pimwatch incidents`)')
    .addOption(configOption())
    .option('--apply', 'really do it (needs graph.allowWriteActions)')
    .action(async (opts: { tenant: string; config?: string; fingerprint: string; apply?: boolean }) => {
      const { runRemediateCommand } = await import('./cli/graph-action-commands.js');
      setExitCode(await runRemediateCommand(opts));
    });

  program
    .command('worker')
    .description('Run scheduled and requested scans and notifications (one of several replicas is fine)')
    .addOption(configOption())
    .action(async (opts: { config?: string }) => {
      const { runWorkerCommand } = await import('./cli/service-commands.js');
      setExitCode(await runWorkerCommand(opts));
    });

  program
    .command('health')
    .description(
      "Container health check: exit 0 when this host's worker reported to Redis lately (or, with --api, the API answers), 1 otherwise",
    )
    .addOption(configOption())
    .option(
      '--max-age <seconds>',
      'how old the last report may be (default: api.workerStaleAfterMs)',
      intOption('--max-age', 1),
    )
    .option('--api', "check this host's API (serve) instead: GET /healthz must answer 200")
    .option('--port <n>', 'with --api: the port (default: api.port)', intOption('--port', 1))
    .action(async (opts: { config?: string; maxAge?: number; api?: boolean; port?: number }) => {
      const { runHealthCommand } = await import('./cli/health-command.js');
      setExitCode(await runHealthCommand(opts));
    });

  program
    .command('serve')
    .description('Run the HTTP API (trigger scans, incidents, SOC feed, health, metrics)')
    .addOption(configOption())
    .option('--port <n>', 'port (default: api.port)', intOption('--port'))
    .action(async (opts: { config?: string; port?: number }) => {
      const { runServeCommand } = await import('./cli/service-commands.js');
      setExitCode(await runServeCommand(opts));
    });

  program
    .command('trigger')
    .description('Ask the workers to scan a tenant now (or join the scan already running)')
    .requiredOption('--tenant <id>', 'tenant id from the configuration')
    .addOption(configOption())
    .option('--wait', 'wait for the result: exit 0 complete, 3 partial, 1 failed')
    .option('--timeout <seconds>', 'with --wait: how long to wait', intOption('--timeout', 1), 900)
    .action(async (opts: { tenant: string; config?: string; wait?: boolean; timeout: number }) => {
      const { runTriggerCommand } = await import('./cli/service-commands.js');
      setExitCode(await runTriggerCommand(opts));
    });

  program
    .command('emulator')
    .description('Run the Graph emulator alone (HTTPS on 127.0.0.1) serving a tenant fixture')
    .requiredOption(
      '--fixture <file|demo>',
      'tenant fixture file, or "demo" for the bundled demo tenant; repeat it to serve several tenants',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--port <n>', 'port to listen on (default: a free port)', intOption('--port'))
    .option('--latency <ms>', 'added latency per request', intOption('--latency'))
    .option('--throttle', "enforce Graph's published throttle limits")
    .option(
      '--shift-to-now',
      "move every fixture's timestamps so its reference time is the start of the current hour (default for demo)",
    )
    .option('--no-shift-to-now', 'serve the fixture with the timestamps it was written with')
    .option('--ca-out <file>', "also write the emulator's CA certificate to this file (removed on stop)")
    .action(
      async (opts: {
        fixture: string[];
        port?: number;
        latency?: number;
        throttle?: boolean;
        shiftToNow?: boolean;
        caOut?: string;
      }) => {
        const { runEmulatorCommand } = await import('./emulator/command.js');
        await runEmulatorCommand({
          fixture: opts.fixture.length === 1 ? opts.fixture[0]! : opts.fixture,
          ...(opts.port !== undefined ? { port: opts.port } : {}),
          ...(opts.latency !== undefined ? { latencyMs: opts.latency } : {}),
          ...(opts.throttle ? { throttle: true } : {}),
          ...(opts.shiftToNow !== undefined ? { shiftToNow: opts.shiftToNow } : {}),
          ...(opts.caOut !== undefined ? { caOut: opts.caOut } : {}),
        });
      },
    );

  program
    .command('generate-fixture')
    .description('Write a synthetic tenant fixture of any size (deterministic for a seed)')
    .requiredOption('--users <n>', 'number of users', intOption('--users', 1))
    .requiredOption('--holdings <n>', 'number of role holdings', intOption('--holdings', 0))
    .option('--seed <n>', 'random seed', intOption('--seed'), 1)
    .requiredOption('--out <file>', 'where to write the fixture JSON')
    .action(async (opts: { users: number; holdings: number; seed: number; out: string }) => {
      const { runGenerateFixtureCommand } = await import('./fixtures/command.js');
      await runGenerateFixtureCommand(opts);
    });

  program
    .command('doctor')
    .description(
      'Check a tenant before scanning: credential, granted permissions, one probe per source, licences, and per alert ready/degraded/blocked (exit 0/3/2)',
    )
    .option('--tenant <id>', 'check a tenant from the configuration')
    .option('--fixture <file>', 'check a tenant fixture (or `demo`) through the emulator, started in-process')
    .addOption(configOption())
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: DoctorCommandOptions) => {
      const { runDoctorCommand } = await import('./cli/doctor-command.js');
      setExitCode(await runDoctorCommand(opts));
    });

  program
    .command('capture')
    .description(
      'Record what a scan reads from a tenant as a tenant fixture, pseudonymised, to attach to a bug report (replay with scan --fixture FILE --now <referenceTime>)',
    )
    .option('--tenant <id>', 'capture a tenant from the configuration')
    .option(
      '--fixture <file>',
      'capture a tenant fixture (or `demo`) through the emulator, started in-process',
    )
    .requiredOption('--out <file>', 'where to write the captured fixture (JSON)')
    .addOption(configOption())
    .option('--now <iso-time>', "the scan's clock and the capture's referenceTime (default: now)")
    .option(
      '--no-pseudonymize',
      'keep real names, UPNs, mail addresses and object ids (do not share the file)',
    )
    .action(async (opts: CaptureCommandOptions) => {
      const { runCaptureCommand } = await import('./cli/capture-command.js');
      setExitCode(await runCaptureCommand(opts));
    });

  program
    .command('check-config')
    .description('Validate a configuration file and the environment overrides, listing every problem')
    .addOption(new Option('--config <file>', 'configuration file (YAML or JSON)').env('PIMWATCH_CONFIG'))
    .action((opts: { config?: string }) => {
      const config = loadConfig(opts.config ? { file: opts.config } : {});
      const missing = unavailableSecrets(config);
      if (missing.length > 0) throw new ConfigError('secrets', missing);
      process.stdout.write(`configuration is valid: ${config.tenants.length} tenant(s)\n`);
    });

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
