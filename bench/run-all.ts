/**
 * Runs the three benchmarks one after another (each in its own process, with --expose-gc), then prints
 * a summary against the design targets from the JSON they wrote to bench/results/.
 *
 *   npm run bench                          # real time: about 75 minutes (the snapshot runs dominate)
 *   npm run bench -- --time-scale 60       # throttle clocks and client pacing 60x faster: about 5 minutes
 *   npm run bench -- --all-users-time-scale 20   # production strategy in real time, comparison scaled
 *   npm run bench -- --only detectors,jobs
 *   npm run bench -- --summary             # only the summary of the results already written
 *   --out NAME: the snapshot benchmark's results file (bench/results/NAME.json), for runs and summary
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './support/emulator-client.js';
import { fmt, listArg, log, machineLoad, parseArgs, table } from './support/report.js';

const BENCHES = ['snapshot', 'detectors', 'jobs'] as const;
type Bench = (typeof BENCHES)[number];

function run(name: Bench, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join('bench', `${name}.ts`), ...args],
      {
        cwd: REPO_ROOT,
        stdio: 'inherit',
      },
    );
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// biome-ignore lint/suspicious/noExplicitAny: reading our own JSON back, shape checked by use
type Json = any;

function readResults(name: string): Json | undefined {
  try {
    return JSON.parse(readFileSync(join(REPO_ROOT, 'bench', 'results', `${name}.json`), 'utf8'));
  } catch {
    return undefined;
  }
}

function summary(ran: Bench[], snapshotResults: string): void {
  const rows: (string | number)[][] = [['benchmark', 'figure', 'value', 'target', 'met']];
  const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
  if (ran.includes('snapshot')) {
    const s = readResults(snapshotResults);
    for (const r of (s?.runs ?? []) as Json[]) {
      const name = `snapshot ${r.users / 1000}k ${r.strategy} ${r.history ?? 'scheduleRequests'} ${r.latencyMs}ms${r.scaled ? ` (${r.timeScale}x scaled)` : ''}`;
      rows.push([
        name,
        'requests / lower bound',
        `${r.requests.logical} / ${r.requests.lowerBound}`,
        '<= 1.1x + 5',
        yes(r.requests.withinTarget),
      ]);
      rows.push([
        '',
        'wall / minimum (s)',
        `${fmt(r.time.wallMs / 1000, 1)} / ${fmt(r.time.minimumMs / 1000, 1)} = ${fmt(r.time.ratio, 3)}`,
        '<= 1.1x',
        r.scaled ? 'n/a (scaled)' : yes(r.time.withinTarget),
      ]);
      if (r.scaled) {
        rows.push([
          '',
          'real-time estimate / real minimum (s)',
          `${fmt(r.time.realEquivalentWallMs / 1000, 1)} / ${fmt(r.time.realMinimumMs / 1000, 1)} = ${fmt(r.time.realEquivalentWallMs / r.time.realMinimumMs, 3)}`,
          '<= 1.1x',
          `${yes(r.time.realEquivalentWallMs <= 1.1 * r.time.realMinimumMs)} (est.)`,
        ]);
      }
      rows.push(['', 'peak heap (MB)', fmt(r.heap.peakMb, 1), '< 300', yes(r.heap.withinTarget)]);
    }
  }
  if (ran.includes('detectors')) {
    const d = readResults('detectors');
    const total = (d?.timings ?? []).find((t: Json) => t.name === 'runDetectors');
    if (total)
      rows.push([
        `detectors ${d.options.users / 1000}k users`,
        'runDetectors median / max (first call, cold) ms',
        `${fmt(total.medianMs, 1)} / ${fmt(total.maxMs, 1)} (${fmt(d.coldFirstCallMs ?? Number.NaN, 0)})`,
        'well under 1000',
        yes(total.maxMs < 1000),
      ]);
  }
  if (ran.includes('jobs')) {
    const j = readResults('jobs');
    for (const r of (j?.runs ?? []) as Json[]) {
      rows.push([
        `jobs ${r.tenants} tenants, ${r.workers} workers x ${r.concurrencyLabel}`,
        'tenants/min; requests/tenant; Redis KB/tenant',
        `${fmt(r.tenantsPerMinute, 1)}; ${fmt(r.requestsPerTenant.logical.mean, 1)} (bound ${fmt(r.requestsPerTenant.lowerBound.mean, 1)}); ${fmt(r.redis.perTenantBytes / 1024, 1)}`,
        '-',
        r.scans.failed === 0 ? 'ok' : `${r.scans.failed} failed`,
      ]);
    }
  }
  log(`\nSummary (load now ${machineLoad()}; per-figure load in each benchmark's output and JSON)`);
  log(table(rows));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const only = listArg(args, 'only', [...BENCHES]) as Bench[];
  for (const b of only)
    if (!BENCHES.includes(b)) throw new Error(`unknown benchmark ${b} (${BENCHES.join(', ')})`);
  const snapshotArgs: string[] = [];
  for (const flag of ['time-scale', 'all-users-time-scale', 'scale-mode', 'history', 'out']) {
    const value = args.get(flag);
    if (value !== undefined) snapshotArgs.push(`--${flag}`, value);
  }
  const failed: string[] = [];
  // --summary: only print the summary of the results already in bench/results/.
  for (const name of args.has('summary') ? [] : only) {
    log(`\n=== ${name} (load ${machineLoad()}) ===`);
    const code = await run(name, name === 'snapshot' ? snapshotArgs : []);
    if (code !== 0) failed.push(`${name} (exit ${code})`);
  }
  summary(only, args.get('out') ?? 'snapshot');
  if (failed.length > 0) {
    log(`\nfailed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
