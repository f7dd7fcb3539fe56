import { type Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';

/**
 * Every subcommand's options and help, declared with commander's extra typings so each command's option
 * object is inferred from its declaration: a run function's options type is derived from here (see
 * {@link CommandOptions}), never typed a second time by hand. Actions are attached in `src/cli.ts`.
 */

/** A command line whose subcommands are declared here; its own options do not matter to them. */
type Parent = Command<[], Record<string, unknown>, Record<string, unknown>>;

/** The option object a command declared here hands its action. */
export type CommandOptions<Declare extends (parent: Parent) => { opts(): unknown }> = ReturnType<
  ReturnType<Declare>['opts']
>;

/** Parses a whole number option, naming the option when it is not one. */
export function intOption(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be a whole number >= ${min}`);
    return n;
  };
}

/** `--config`, which every command that reads the configuration takes, also from the environment. */
export const configOption = () =>
  new Option('--config <file>', 'configuration file (YAML or JSON)').env('PIMWATCH_CONFIG');

const tenantOption = () =>
  new Option('--tenant <id>', 'tenant id from the configuration').makeOptionMandatory();

/** A command that reads the configuration. */
function configCommand(parent: Parent, name: string, description: string) {
  return parent.command(name).description(description).addOption(configOption());
}

/** A command about one configured tenant (`--tenant` first, as its help lists it). */
function configuredTenantCommand(parent: Parent, name: string, description: string) {
  return parent.command(name).description(description).addOption(tenantOption()).addOption(configOption());
}

const tableOrJson = () =>
  new Option('--format <format>', 'output format')
    .choices(['table', 'json'] as const)
    .default('table' as const);

/** `pimwatch scan`. */
export function declareScanCommand(parent: Parent) {
  return parent
    .command('scan')
    .description('Scan one tenant once and print the incidents (exit 0 complete, 3 partial, 4 --fail-on hit)')
    .option('--demo', 'scan the bundled demo tenant through the emulator')
    .option('--fixture <file>', 'scan a tenant fixture through the emulator (started in-process, HTTPS)')
    .option('--tenant <id>', 'scan a tenant from the configuration')
    .addOption(configOption())
    .option('--now <iso-time>', "the detectors' clock (default: now)")
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'markdown', 'html'] as const)
        .default('table' as const),
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
      ] as const),
    )
    .addOption(
      new Option(
        '--state <store>',
        'where incident lifecycle is kept (default: redis when configured)',
      ).choices(['redis', 'memory'] as const),
    )
    .option('--progress', 'show progress on standard error even when it is not a terminal');
}

/** `pimwatch incidents`. */
export function declareIncidentsCommand(parent: Parent) {
  return configuredTenantCommand(
    parent,
    'incidents',
    "List a tenant's remembered incidents and their lifecycle (needs redis.url)",
  )
    .option('--state <state>', 'new, open, resolved, reopened, or active (= not resolved)')
    .option('--alert <alert>', 'only this alert, e.g. StaleSignInAlert')
    .addOption(tableOrJson());
}

/** `pimwatch suppress`. */
export function declareSuppressCommand(parent: Parent) {
  return configuredTenantCommand(
    parent,
    'suppress',
    'Silence one incident (or one principal for one alert) until a date, with a reason; at most 90 days',
  )
    .option('--fingerprint <fingerprint>', 'the incident to suppress')
    .option('--principal <id>', 'suppress every incident of --alert for this principal')
    .option('--alert <alert>', 'with --principal: the alert')
    .requiredOption('--reason <text>', 'why (shown wherever the incident is)')
    .requiredOption('--until <date>', 'when the suppression ends (at most 90 days ahead)')
    .option('--author <name>', 'who decided (default: the current user)');
}

/** `pimwatch graph-refresh`. */
export function declareGraphRefreshCommand(parent: Parent) {
  return configuredTenantCommand(
    parent,
    'graph-refresh',
    "Ask PIM to rescan the tenant's alerts now and wait (needs graph.allowWriteActions)",
  ).option('--timeout <seconds>', 'how long to wait for PIM', intOption('--timeout', 1), 600);
}

/** `pimwatch remediate`. */
export function declareRemediateCommand(parent: Parent) {
  return parent
    .command('remediate')
    .description('Show what PIM would do to remediate an incident; --apply asks PIM to do it')
    .addOption(tenantOption())
    .requiredOption('--fingerprint <fingerprint>', 'the incident (see `pimwatch incidents`)')
    .addOption(configOption())
    .option('--apply', 'really do it (needs graph.allowWriteActions)');
}

/** `pimwatch worker`. */
export function declareWorkerCommand(parent: Parent) {
  return configCommand(
    parent,
    'worker',
    'Run scheduled and requested scans and notifications (one of several replicas is fine)',
  );
}

/** `pimwatch health`. */
export function declareHealthCommand(parent: Parent) {
  return configCommand(
    parent,
    'health',
    "Container health check: exit 0 when this host's worker reported to Redis lately (or, with --api, the API answers), 1 otherwise",
  )
    .option(
      '--max-age <seconds>',
      'how old the last report may be (default: api.workerStaleAfterMs)',
      intOption('--max-age', 1),
    )
    .option('--api', "check this host's API (serve) instead: GET /healthz must answer 200")
    .option('--port <n>', 'with --api: the port (default: api.port)', intOption('--port', 1));
}

/** `pimwatch serve`. */
export function declareServeCommand(parent: Parent) {
  return configCommand(
    parent,
    'serve',
    'Run the HTTP API (trigger scans, incidents, SOC feed, health, metrics)',
  ).option('--port <n>', 'port (default: api.port)', intOption('--port'));
}

/** `pimwatch trigger`. */
export function declareTriggerCommand(parent: Parent) {
  return configuredTenantCommand(
    parent,
    'trigger',
    'Ask the workers to scan a tenant now (or join the scan already running)',
  )
    .option('--wait', 'wait for the result: exit 0 complete, 3 partial, 1 failed')
    .option('--timeout <seconds>', 'with --wait: how long to wait', intOption('--timeout', 1), 900);
}

/** `pimwatch emulator`. */
export function declareEmulatorCommand(parent: Parent) {
  return parent
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
    .option('--ca-out <file>', "also write the emulator's CA certificate to this file (removed on stop)");
}

/** `pimwatch generate-fixture`. */
export function declareGenerateFixtureCommand(parent: Parent) {
  return parent
    .command('generate-fixture')
    .description('Write a synthetic tenant fixture of any size (deterministic for a seed)')
    .requiredOption('--users <n>', 'number of users', intOption('--users', 1))
    .requiredOption('--holdings <n>', 'number of role holdings', intOption('--holdings', 0))
    .option('--seed <n>', 'random seed', intOption('--seed'), 1)
    .requiredOption('--out <file>', 'where to write the fixture JSON');
}

/** `pimwatch doctor`. */
export function declareDoctorCommand(parent: Parent) {
  return parent
    .command('doctor')
    .description(
      'Check a tenant before scanning: credential, granted permissions, one probe per source, licences, and per alert ready/degraded/blocked (exit 0/3/2)',
    )
    .option('--tenant <id>', 'check a tenant from the configuration')
    .option('--fixture <file>', 'check a tenant fixture (or `demo`) through the emulator, started in-process')
    .addOption(configOption())
    .addOption(tableOrJson());
}

/** `pimwatch capture`. */
export function declareCaptureCommand(parent: Parent) {
  return parent
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
    );
}

/** `pimwatch check-config`. */
export function declareCheckConfigCommand(parent: Parent) {
  return configCommand(
    parent,
    'check-config',
    'Validate a configuration file and the environment overrides, listing every problem',
  );
}
