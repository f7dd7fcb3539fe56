/**
 * Detector benchmark: the seven detectors alone over the snapshot of a generated 100,000-user,
 * 10,000-holding tenant (seed 7). The snapshot is read once through the emulator (throttles off, client
 * pacing lifted); then `runDetectors` and each detector on its own (holdings resolved once and shared,
 * as `run.ts` does) are timed over several repetitions. Target (design section 6): well under a second.
 *
 *   npx tsx bench/detectors.ts                 # about a minute
 *   options: --users 100000 --holdings 10000 --reps 15 --warmup 3
 */
import { detectorsConfigSchema } from '../src/detectors/config-schema.js';
import { excludedPrincipals } from '../src/detectors/exclusions.js';
import { resolveHoldings } from '../src/detectors/holdings.js';
import { DETECTORS } from '../src/detectors/registry.js';
import { privilegedRoleSet, runDetectors } from '../src/detectors/run.js';
import type { DetectorConfigSchema } from '../src/detectors/types.js';
import { collectSnapshot } from '../src/graph/snapshot.js';
import type { AlertId } from '../src/model/alerts.js';
import type { TenantSnapshot } from '../src/model/snapshot.js';
import { effectiveDetectorsConfig } from '../src/reconcile/thresholds.js';
import { EmulatorHost } from './support/emulator-client.js';
import { collectGarbage, MB } from './support/heap.js';
import {
  fmt,
  log,
  machine,
  machineLoad,
  median,
  numberArg,
  parseArgs,
  table,
  writeResults,
} from './support/report.js';
import { LIFTED_RATE_LIMITS, openBenchSession } from './support/session.js';

const TARGET_MS = 1000;

async function buildSnapshot(users: number, holdings: number, seed: number) {
  const host = new EmulatorHost();
  try {
    const [tenant] = await host.generate([{ users, holdings, seed }]);
    const endpoint = await host.start({ latencyMs: 0, throttle: { enabled: false } });
    const { session } = openBenchSession(endpoint, tenant!, { rateLimits: LIFTED_RATE_LIMITS });
    const t = performance.now();
    const snapshot = await collectSnapshot(session.http, {
      tenantId: tenant!.tenantId,
      now: new Date(tenant!.referenceTime),
      auditLookBackMs: tenant!.auditLookBackMs,
    });
    const ms = performance.now() - t;
    await session.close();
    if (!snapshot.complete) throw new Error('the snapshot is incomplete; the benchmark needs a complete one');
    return { tenant: tenant!, snapshot, collectMs: ms };
  } finally {
    await host.close();
  }
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

interface Timings {
  [name: string]: number[];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const users = numberArg(args, 'users', 100_000);
  const holdings = numberArg(args, 'holdings', 10_000);
  const reps = numberArg(args, 'reps', 15);
  const warmup = numberArg(args, 'warmup', 3);
  const seed = 7;
  const meta = { benchmark: 'detectors', startedAt: new Date().toISOString(), machine: machine() };
  log(
    `detectors benchmark: ${users} users, ${holdings} holdings, seed ${seed}; ${reps} repetitions after ${warmup} warm-up; load ${machineLoad()}`,
  );

  const { tenant, snapshot, collectMs } = await buildSnapshot(users, holdings, seed);
  const now = new Date(tenant.referenceTime);
  log(
    `snapshot read in ${fmt(collectMs / 1000, 1)} s: ${snapshot.principals.size} principals, ${snapshot.grants.length} grants, ` +
      `${snapshot.activationHistory.activations.length} activations, ${snapshot.audits.length} audit records, ${snapshot.signIns.size} sign-ins`,
  );

  // The settings a scan uses: the tenant's own thresholds where PIM has them (thresholds: tenant).
  const { config } = effectiveDetectorsConfig({ local: detectorsConfigSchema.parse({}), snapshot });
  const disabled = DETECTORS.filter((d) => !config[d.meta.alert].enabled).map((d) => d.meta.alert);
  if (disabled.length > 0)
    log(`note: switched off by the tenant's PIM settings in runDetectors: ${disabled.join(', ')}`);

  collectGarbage();
  const baseline = heapUsed();
  let peak = baseline;
  const timings: Timings = { runDetectors: [], resolveHoldings: [] };
  const incidents: Record<string, number> = {};
  const statuses: Record<string, string> = {};

  const once = (record: boolean) => {
    // 1. The whole of runDetectors, as a scan calls it.
    let t = performance.now();
    const outcomes = runDetectors({ snapshot, config, now });
    const total = performance.now() - t;
    peak = Math.max(peak, heapUsed());

    // 2. Its parts: holdings resolved once, then each detector on its own with them.
    t = performance.now();
    const resolved = resolveHoldings(snapshot, now);
    const holdingsMs = performance.now() - t;
    const privilegedRoles = privilegedRoleSet(snapshot, config);
    const perDetector: Record<string, number> = {};
    for (const detector of DETECTORS) {
      const alert = detector.meta.alert as AlertId;
      // Timed whether or not the tenant switched it off: each detector's own cost is the point here.
      const detectorConfig = (detector.config as DetectorConfigSchema).parse(config[alert]);
      const exclusions = excludedPrincipals(config.exclusions, alert);
      t = performance.now();
      const result = detector.detect({
        snapshot: snapshot as TenantSnapshot,
        config: detectorConfig,
        now,
        holdings: resolved,
        privilegedRoles,
        exclusions,
      });
      perDetector[alert] = performance.now() - t;
      if (record) {
        incidents[alert] = result.status === 'ok' ? result.incidents.length : -1;
        const o = outcomes[alert];
        statuses[alert] = o.status === 'ok' ? `ok` : o.status;
      }
    }
    peak = Math.max(peak, heapUsed());
    if (record) {
      timings.runDetectors!.push(total);
      timings.resolveHoldings!.push(holdingsMs);
      for (const [alert, ms] of Object.entries(perDetector)) {
        const list = timings[alert] ?? [];
        list.push(ms);
        timings[alert] = list;
      }
    }
  };

  // The first call in a fresh process also pays for compiling the detectors' code: what a worker's first
  // scan sees. Timed on its own, before the warm-up.
  const c0 = performance.now();
  runDetectors({ snapshot, config, now });
  const coldMs = performance.now() - c0;
  for (let i = 0; i < warmup; i++) once(false);
  const loadBefore = machineLoad();
  for (let i = 0; i < reps; i++) once(true);
  const loadAfter = machineLoad();
  collectGarbage();
  const after = heapUsed();

  const rows = Object.entries(timings).map(([name, values]) => ({
    name,
    medianMs: median(values),
    maxMs: Math.max(...values),
    minMs: Math.min(...values),
  }));
  const total = rows.find((r) => r.name === 'runDetectors')!;
  const sumOfParts = rows.filter((r) => r.name !== 'runDetectors').reduce((s, r) => s + r.medianMs, 0);

  log(
    `\nDetectors over ${users.toLocaleString('en')} users / ${holdings.toLocaleString('en')} holdings (ms, ${reps} repetitions; load ${loadBefore} -> ${loadAfter})`,
  );
  log(
    table([
      ['what', 'median', 'min', 'max', 'incidents', 'in runDetectors'],
      ...rows.map((r) => [
        r.name,
        fmt(r.medianMs, 1),
        fmt(r.minMs, 1),
        fmt(r.maxMs, 1),
        incidents[r.name] ?? '',
        statuses[r.name] ?? '',
      ]),
      ['sum of parts (medians)', fmt(sumOfParts, 1), '', '', '', ''],
    ]),
  );
  log(
    `\nrunDetectors: first call in the process (cold) ${fmt(coldMs, 1)} ms; then median ${fmt(total.medianMs, 1)} ms, max ${fmt(total.maxMs, 1)} ms; target well under ${TARGET_MS} ms: ${total.maxMs < TARGET_MS ? 'met' : 'NOT met'}`,
  );
  log(
    `heap: snapshot retained ${fmt(baseline / MB, 1)} MB (whole process after GC), peak while detecting ${fmt(peak / MB, 1)} MB ` +
      `(+${fmt((peak - baseline) / MB, 1)} MB, sampled after each run, garbage included), after GC ${fmt(after / MB, 1)} MB`,
  );
  const path = writeResults('detectors', {
    ...meta,
    finishedAt: new Date().toISOString(),
    options: { users, holdings, seed, reps, warmup },
    snapshot: {
      collectMs,
      principals: snapshot.principals.size,
      grants: snapshot.grants.length,
      activations: snapshot.activationHistory.activations.length,
      audits: snapshot.audits.length,
      signIns: snapshot.signIns.size,
    },
    disabledByTenant: disabled,
    timings: rows,
    samples: timings,
    sumOfPartsMedianMs: sumOfParts,
    coldFirstCallMs: coldMs,
    incidents,
    targetMet: total.maxMs < TARGET_MS,
    heap: {
      baselineMb: baseline / MB,
      peakMb: peak / MB,
      peakAboveBaselineMb: (peak - baseline) / MB,
      afterGcMb: after / MB,
    },
    load: { before: loadBefore, after: loadAfter },
  });
  log(`results: ${path}`);
}

await main();
