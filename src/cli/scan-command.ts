import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PimwatchConfig } from '../config/schema.js';
import { type DetectorsConfig, mergeDetectorsConfig } from '../detectors/config-schema.js';
import { loadFixture, resolveFixtureArg } from '../emulator/load-fixture.js';
import { stableShiftTarget } from '../emulator/time-shift.js';
import { UsageError } from '../errors.js';
import type { GraphWait } from '../graph/http.js';
import { type GraphSession, openGraphSession, type SessionOptions } from '../graph/session.js';
import { type Severity, severityRank } from '../model/alerts.js';
import { describeOutbox, writeOutbox } from '../notifiers/outbox.js';
import { startEmulatedTenant } from '../scan/emulated-tenant.js';
import { formatHtml } from '../scan/format-html.js';
import { formatMarkdown, formatTable } from '../scan/format-text.js';
import type { ScanReport } from '../scan/report.js';
import { runScan, type ScanResult } from '../scan/run-scan.js';
import { createStateStore } from '../store/create-state-store.js';
import type { StateStore } from '../store/state-store.js';
import type { CommandOptions, declareScanCommand } from './command-lines.js';
import { EXIT } from './exit.js';
import { createScanProgress, type ScanProgress } from './scan-progress.js';
import { findConfiguredTenant, loadCommandConfig, requireOneTarget } from './tenant-context.js';

/**
 * `scan`'s options as declared on the command line; `outbox: false` is `--no-outbox` (not even for the
 * demo). `quiet` is pimwatch's own `--quiet`: no progress at all.
 */
export type ScanCommandOptions = CommandOptions<typeof declareScanCommand> & { quiet?: boolean };

type Write = (text: string) => void;

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

/** What a scan reads: a configured tenant, or a fixture served by the in-process emulator. */
interface ScanTarget {
  tenant: { id: string; name: string; schedule?: { timezone?: string } };
  session: GraphSession;
  detectors: DetectorsConfig;
  /** Ends the Graph session, and the emulator when there is one. */
  close(): Promise<void>;
}

async function openScanTarget(
  options: ScanCommandOptions,
  config: PimwatchConfig,
  session: SessionOptions,
  now: Date,
): Promise<ScanTarget> {
  if (options.tenant) {
    const tenant = findConfiguredTenant(config, options.tenant);
    const opened = openGraphSession(tenant, config.graph, { ...session, priority: 'Normal' });
    return {
      tenant,
      session: opened,
      detectors: mergeDetectorsConfig(config.detectors, tenant.detectors),
      close: () => opened.close(),
    };
  }
  const fixture = await loadFixture(resolveFixtureArg(options.demo ? 'demo' : options.fixture!));
  // The bundled demo is written for one day; served shifted to the current hour it looks the same
  // whenever it runs, and identical to every other demo scan within that hour.
  const emulated = await startEmulatedTenant(fixture, {
    graph: config.graph,
    ...(options.demo && fixture.referenceTime ? { timeShiftTo: stableShiftTarget(now) } : {}),
  });
  const opened = emulated.openSession(session);
  return {
    tenant: emulated.tenant,
    session: opened,
    detectors: config.detectors,
    async close() {
      await opened.close();
      await emulated.close();
    },
  };
}

/** Progress on standard error: shown on a terminal or with `--progress`, never with `--quiet`. */
function progressFor(options: ScanCommandOptions, writeError: Write): ScanProgress | undefined {
  if (options.quiet || !(options.progress || process.stderr.isTTY)) return undefined;
  return createScanProgress({ write: writeError, interactive: process.stderr.isTTY === true });
}

/** The outbox beside the report: the scan's notifications and an HTML report, rendered, never sent. */
async function writeScanOutbox(
  dir: string,
  target: ScanTarget,
  result: ScanResult,
  notifiers: PimwatchConfig['notifiers'],
  note: Write,
): Promise<void> {
  const summary = await writeOutbox({
    dir,
    tenant: target.tenant,
    transitions: result.transitions,
    notifiers,
  });
  const reportFile = join(summary.dir, OUTBOX_REPORT_FILE);
  await writeFile(reportFile, formatHtml(result.report));
  note(`HTML report written to ${reportFile}\n`);
  note(`${describeOutbox(summary)}\n`);
}

/**
 * `pimwatch scan`: one scan of the demo tenant, a fixture, or a configured tenant. With an outbox, the
 * scan's notifications are rendered into files as well (never sent); `note` says where, on standard
 * error when standard output carries JSON.
 */
export async function runScanCommand(
  options: ScanCommandOptions,
  write: Write = (t) => process.stdout.write(t),
  writeError: Write = (t) => process.stderr.write(t),
) {
  requireOneTarget(
    [options.demo, options.fixture, options.tenant],
    'say what to scan: exactly one of --demo, --fixture FILE or --tenant ID',
  );
  const now = parseNow(options.now);
  const { config, log } = loadCommandConfig(options.config ?? (options.demo ? demoConfigPath() : undefined));
  const outboxDir =
    options.outbox === false ? undefined : (options.outbox ?? (options.demo ? DEMO_OUTBOX_DIR : undefined));
  const store = openStore(config, options.state);
  const progress = progressFor(options, writeError);
  try {
    const target = await openScanTarget(
      options,
      config,
      { logger: log, ...(progress ? { onWait: (wait: GraphWait) => progress.waiting(wait) } : {}) },
      now,
    );
    let result: ScanResult;
    try {
      result = await runScan({
        tenant: target.tenant,
        session: target.session,
        detectors: target.detectors,
        reconcile: config.reconcile,
        activationHistory: config.graph.activationHistory,
        store,
        now,
        trigger: 'cli',
        logger: log,
        ...(progress ? { onSourcesDone: progress.sourcesDone } : {}),
      });
    } finally {
      await target.close();
    }
    progress?.stop();
    const text = renderReport(result.report, options.format);
    if (options.out) {
      await writeFile(options.out, text);
      write(`report written to ${options.out}\n`);
    } else {
      write(text);
    }
    if (outboxDir !== undefined) {
      const note = options.format === 'json' && !options.out ? writeError : write;
      await writeScanOutbox(outboxDir, target, result, config.notifiers, note);
    }
    return scanExitCode(result.report, options.failOn);
  } finally {
    progress?.stop();
    await store.close();
    log.flush();
  }
}
