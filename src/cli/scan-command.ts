import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { PimwatchConfig } from '../config/schema.js';
import { mergeDetectorsConfig } from '../detectors/config-schema.js';
import { loadFixture, resolveFixtureArg } from '../emulator/load-fixture.js';
import { stableShiftTarget } from '../emulator/time-shift.js';
import { UsageError } from '../errors.js';
import type { GraphWait } from '../graph/http.js';
import { openGraphSession } from '../graph/session.js';
import { createLogger } from '../log.js';
import { type Severity, severityRank } from '../model/alerts.js';
import type { Transition } from '../model/lifecycle.js';
import { describeOutbox, writeOutbox } from '../notifiers/outbox.js';
import { startEmulatedTenant } from '../scan/emulated-tenant.js';
import { formatHtml } from '../scan/format-html.js';
import { formatMarkdown, formatTable } from '../scan/format-text.js';
import type { ScanReport } from '../scan/report.js';
import { runScan } from '../scan/run-scan.js';
import { createStateStore } from '../store/create-state-store.js';
import type { StateStore } from '../store/state-store.js';
import { EXIT } from './exit.js';
import { createScanProgress } from './scan-progress.js';
import { findConfiguredTenant } from './tenant-context.js';

export interface ScanCommandOptions {
  demo?: boolean;
  fixture?: string;
  tenant?: string;
  config?: string;
  now?: string;
  format: 'table' | 'json' | 'markdown' | 'html';
  out?: string;
  failOn?: Severity;
  state?: 'redis' | 'memory';
  /** Render the scan's notifications into this folder; `false` (`--no-outbox`): not even for the demo. */
  outbox?: string | false;
  /** `--progress`: show progress on standard error even when it is not a terminal. */
  progress?: boolean;
  /** `--quiet`: no progress at all. */
  quiet?: boolean;
}

/** Where `--demo` writes its outbox unless told otherwise (relative to the working directory). */
export const DEMO_OUTBOX_DIR = 'outbox';
/** The HTML report an outbox holds beside the notifications, for people without a console. */
export const OUTBOX_REPORT_FILE = 'report.html';

/** The bundled demo's own configuration (its break-glass exclusions), next to its fixture. */
export function demoConfigPath(): string {
  return join(dirname(resolveFixtureArg('demo')), 'config.yaml');
}

export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    throw new UsageError(`--now must be an ISO-8601 time such as 2026-11-01T09:00:00Z (got "${value}")`);
  }
  return new Date(ms);
}

function openStore(config: PimwatchConfig, state: 'redis' | 'memory' | undefined): StateStore {
  const useRedis = state === 'redis' || (state === undefined && config.redis.url !== undefined);
  if (useRedis && !config.redis.url) {
    throw new UsageError('--state redis needs redis.url in the configuration (or REDIS_URL)');
  }
  return createStateStore({
    ...(useRedis ? { redisUrl: config.redis.url } : {}),
    keyPrefix: config.redis.keyPrefix,
    feedMaxLength: config.notifiers.feed?.maxLength ?? 10_000,
  });
}

/** The exit code a finished scan earns: 4 beats 3 because `--fail-on` is an explicit gate. */
export function scanExitCode(report: ScanReport, failOn: Severity | undefined): number {
  if (failOn) {
    const gate = severityRank(failOn);
    const hit = report.incidents.some(
      (i) => i.classification !== 'graphOnly' && !i.suppressed && severityRank(i.severity) >= gate,
    );
    if (hit) return EXIT.failOn;
  }
  return report.complete ? EXIT.ok : EXIT.partial;
}

export function renderReport(report: ScanReport, format: ScanCommandOptions['format']): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'markdown') return formatMarkdown(report);
  if (format === 'html') return formatHtml(report);
  return formatTable(report);
}

/**
 * `pimwatch scan`: one scan of the demo tenant, a fixture, or a configured tenant. With an outbox, the
 * scan's notifications are rendered into files as well (never sent); `note` says where, on standard
 * error when standard output carries JSON.
 */
export async function runScanCommand(
  options: ScanCommandOptions,
  write = (t: string) => process.stdout.write(t),
  writeError = (t: string) => process.stderr.write(t),
) {
  const targets = [options.demo, options.fixture, options.tenant].filter(Boolean).length;
  if (targets !== 1)
    throw new UsageError('say what to scan: exactly one of --demo, --fixture FILE or --tenant ID');
  const now = parseNow(options.now);
  const configFile = options.config ?? (options.demo ? demoConfigPath() : undefined);
  const config = loadConfig(configFile ? { file: configFile } : {});
  const log = createLogger({ level: config.log.level === 'info' ? 'warn' : config.log.level, fd: 2 });
  const outboxDir =
    options.outbox === false ? undefined : (options.outbox ?? (options.demo ? DEMO_OUTBOX_DIR : undefined));
  const store = openStore(config, options.state);
  const progress =
    !options.quiet && (options.progress || process.stderr.isTTY)
      ? createScanProgress({ write: writeError, interactive: process.stderr.isTTY === true })
      : undefined;
  const watch = progress
    ? { onWait: (wait: GraphWait) => progress.waiting(wait), onSourcesDone: progress.sourcesDone }
    : {};
  try {
    let report: ScanReport;
    let transitions: Transition[];
    let scanned: { id: string; name: string; schedule?: { timezone?: string } };
    if (options.tenant) {
      const tenant = findConfiguredTenant(config, options.tenant);
      const session = openGraphSession(tenant, config.graph, {
        logger: log,
        priority: 'Normal',
        ...(watch.onWait ? { onWait: watch.onWait } : {}),
      });
      scanned = tenant;
      try {
        ({ report, transitions } = await runScan({
          tenant,
          session,
          detectors: mergeDetectorsConfig(config.detectors, tenant.detectors),
          reconcile: config.reconcile,
          activationHistory: config.graph.activationHistory,
          store,
          now,
          trigger: 'cli',
          logger: log,
          ...(watch.onSourcesDone ? { onSourcesDone: watch.onSourcesDone } : {}),
        }));
      } finally {
        await session.close();
      }
    } else {
      const fixture = await loadFixture(resolveFixtureArg(options.demo ? 'demo' : options.fixture!));
      // The bundled demo is written for one day; served shifted to the current hour it looks the same
      // whenever it runs, and identical to every other demo scan within that hour.
      const emulated = await startEmulatedTenant(fixture, {
        graph: config.graph,
        ...(options.demo && fixture.referenceTime ? { timeShiftTo: stableShiftTarget(now) } : {}),
      });
      const session = emulated.openSession({
        logger: log,
        ...(watch.onWait ? { onWait: watch.onWait } : {}),
      });
      scanned = emulated.tenant;
      try {
        ({ report, transitions } = await runScan({
          tenant: emulated.tenant,
          session,
          detectors: config.detectors,
          reconcile: config.reconcile,
          activationHistory: config.graph.activationHistory,
          store,
          now,
          trigger: 'cli',
          logger: log,
          ...(watch.onSourcesDone ? { onSourcesDone: watch.onSourcesDone } : {}),
        }));
      } finally {
        await session.close();
        await emulated.close();
      }
    }
    progress?.stop();
    const text = renderReport(report, options.format);
    if (options.out) {
      await writeFile(options.out, text);
      write(`report written to ${options.out}\n`);
    } else {
      write(text);
    }
    if (outboxDir !== undefined) {
      const summary = await writeOutbox({
        dir: outboxDir,
        tenant: scanned,
        transitions,
        notifiers: config.notifiers,
      });
      const reportFile = join(summary.dir, OUTBOX_REPORT_FILE);
      await writeFile(reportFile, formatHtml(report));
      const note = options.format === 'json' && !options.out ? writeError : write;
      note(`HTML report written to ${reportFile}\n`);
      note(`${describeOutbox(summary)}\n`);
    }
    return scanExitCode(report, options.failOn);
  } finally {
    progress?.stop();
    await store.close();
    log.flush();
  }
}
