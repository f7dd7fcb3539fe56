/**
 * Snapshot benchmark: how many Graph requests, how long and how much heap it takes to read generated
 * tenants (10,000 and 100,000 users, 10,000 holdings, seed 7) through the emulator with Graph's throttles
 * enforced, at 0 and 50 ms of latency per request; with activation history read from the schedule
 * requests, and from PIM's audit records after the emulator refuses the schedule requests (the
 * least-privileged deployment, `auto` mode); and the same if sign-in activity were read for every user
 * instead of only for privileged holders.
 *
 *   npx tsx bench/snapshot.ts                    # real time: about 7 hours (the all-users runs dominate)
 *   npx tsx bench/snapshot.ts --time-scale 60    # throttle clocks and client pacing 60x faster (scaled)
 *   npx tsx bench/snapshot.ts --all-users-time-scale 20   # production strategy real, comparison scaled
 *   --scale-mode clock (default: pimwatch's buckets keep Graph's sizes and refill faster) or rateLimits
 *   (graph.rateLimits multiplied by the scale; see support/pacing.ts for why that bursts into 429s)
 *   options: --sizes 10000,100000  --latencies 0,50  --strategies holders,allUsers  --holdings 10000
 *            --history scheduleRequests,auditFallback
 *            --out NAME (results file bench/results/NAME.json, default snapshot)
 *
 * See bench/README.md for how to read the figures.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { detectorsConfigSchema } from '../src/detectors/config-schema.js';
import { runDetectors } from '../src/detectors/run.js';
import { collectSnapshot } from '../src/graph/snapshot.js';
import { SOURCE_NAMES } from '../src/model/snapshot.js';
import { effectiveDetectorsConfig } from '../src/reconcile/thresholds.js';
import { EmulatorHost } from './support/emulator-client.js';
import type { TenantInfo } from './support/emulator-protocol.js';
import { collectGarbage, withHeapSampling } from './support/heap.js';
import { instrumentPacing, type ScaleMode } from './support/pacing.js';
import {
  fmt,
  listArg,
  log,
  machine,
  machineLoad,
  numberArg,
  parseArgs,
  table,
  writeResults,
} from './support/report.js';
import { openBenchSession, scaledRateLimits } from './support/session.js';
import { HISTORY_MODES, type HistoryMode, historyFaults } from './support/tenant-info.js';

type Strategy = 'holders' | 'allUsers';

/** Graph's published limits the emulator enforces (graph-pim-alerts.md section 5.3), per app and tenant. */
const SIGN_IN = { capacity: 10, perSecond: 10 / 60 };
const REPORTS = { capacity: 5, perSecond: 5 / 10 };
/** Most resource units one of the scan's directory reads costs (`groups/{id}/members` 3, `$expand` +1). */
const MAX_RU_PER_REQUEST = 4;

/** Design section 6: at most 1.1x the lower bound, plus a small constant. */
const REQUEST_FACTOR = 1.1;
const REQUEST_CONSTANT = 5;
const TIME_FACTOR = 1.1;
const HEAP_LIMIT_MB = 300;

export interface MinimumTime {
  /** The least time, in ms, the throttles (at this time scale) and the latency allow. */
  totalMs: number;
  /** Each term of the maximum, for the report. */
  termsMs: { reports: number; signIn: number; directory: number; chain: number };
  /** Requests per throttle class the figure was computed for. */
  requests: { reports: number; signIn: number; directory: number };
}

/** The lower bound of requests for a run: the history mode's budget, with the strategy's sign-in reads. */
export function lowerBoundOf(tenant: TenantInfo, strategy: Strategy, history: HistoryMode): number {
  const budget = tenant.budgets[history];
  return strategy === 'allUsers'
    ? budget.total - (budget.bySource.signInActivity ?? 0) + tenant.allUsersSignInPages
    : budget.total;
}

/**
 * The minimum time Graph's throttles allow for the requests a scan needs (the lower bound of requests,
 * not what the scanner happened to send), at `timeScale` times Graph's refill rates, with `L` ms of
 * latency per request.
 *
 * Each throttle is a token bucket of capacity B that refills at rho per second and starts full. N requests
 * drawing on it cannot all have been sent before (N - B)+ / rho seconds after the first: B go at once,
 * then one each 1/rho. The last answer takes L more. So, per class:
 *
 *   reports (audit records, 5 per 10 s):      T_r = (N_r - 5)+ / 0.5/s + L
 *       N_r counts every audit-log page the scan reads: the directory audits (role grants outside PIM)
 *       and, when the schedule requests are refused, PIM's activation records (pimActivationAudits),
 *       which Graph meters in the same bucket.
 *   sign-in activity (10 per minute):         T_s = T_h + (N_s - 10)+ / (10/60)/s + L
 *       sign-in reads of holders can only start once the holders are known: T_h = L * c_h, where c_h
 *       is the chain of requests that must follow one another first (the pages of the role-grant
 *       collections, each naming the next, then one round per page of group members, level by level).
 *       Reading every user needs no holders, but its pages form a chain: T_s = max(L * N_s, (N_s - 10)+ * 6 s + L).
 *   directory (resource units, 8,000 per 10 s for > 500 users): T_d = (RU - B_d)+ / (B_d/10 s) + L,
 *       with RU <= 4 per request; a scan spends a fraction of the bucket, so T_d = L.
 *       Every request not in the two classes above is a directory request, the refused schedule-request
 *       read included.
 *   no throttle at all: the longest chain of pages, T_c = L * c_max; with the schedule requests refused,
 *       the activation records' pages follow the refused request, so c_max >= 1 + their pages.
 *
 *   T_min = max(T_r, T_s, T_d, T_c), every rho multiplied by the time scale (L is not scaled).
 *
 * For the 100,000-user tenant (seed 7) the sign-in term dominates in both history modes: N_s = 78 holder
 * reads, so T_min = 68 * 6 s = 408 s at 0 ms (plus the holder chain's latencies at 50 ms). The audit
 * terms stay far below: N_r = 10 directory-audit pages with the schedule requests readable (T_r = 10 s),
 * 10 + 9 activation-record pages with them refused (T_r = 28 s). Reading every user's sign-in activity
 * (N_s = 834 pages of 120): 824 * 6 s = 4,944 s.
 */
export function minimumTime(
  tenant: TenantInfo,
  strategy: Strategy,
  history: HistoryMode,
  latencyMs: number,
  timeScale: number,
): MinimumTime {
  const L = latencyMs;
  const budget = tenant.budgets[history];
  const b = budget.bySource;
  const reports = (b.directoryAudits ?? 0) + (b.pimActivationAudits ?? 0);
  const signIn = strategy === 'allUsers' ? tenant.allUsersSignInPages : (b.signInActivity ?? 0);
  const directory = budget.total - reports - (b.signInActivity ?? 0);
  const after = (n: number, bucket: { capacity: number; perSecond: number }) =>
    (Math.max(0, n - bucket.capacity) / (bucket.perSecond * timeScale)) * 1000;

  const tReports = reports > 0 ? after(reports, REPORTS) + L : 0;
  const tSignIn =
    signIn === 0
      ? 0
      : strategy === 'allUsers'
        ? Math.max(L * signIn, after(signIn, SIGN_IN) + L)
        : L * tenant.holderChain + after(signIn, SIGN_IN) + L;
  const ru = MAX_RU_PER_REQUEST * (directory + signIn);
  const tDirectory =
    after(ru, { capacity: tenant.directoryBucket, perSecond: tenant.directoryBucket / 10 }) + L;
  const historyChain =
    (b.pimActivationAudits ?? 0) > 0
      ? (b.roleAssignmentScheduleRequests ?? 0) + (b.pimActivationAudits ?? 0)
      : 0;
  const tChain = L * Math.max(tenant.longestChain, historyChain);
  return {
    totalMs: Math.max(tReports, tSignIn, tDirectory, tChain),
    termsMs: { reports: tReports, signIn: tSignIn, directory: tDirectory, chain: tChain },
    requests: { reports, signIn, directory },
  };
}

interface RunResult {
  users: number;
  holdings: number;
  privilegedHolders: number;
  strategy: Strategy;
  /** `scheduleRequests` readable, or refused with 403 (`auditFallback`); the scan runs in `auto` mode. */
  history: HistoryMode;
  latencyMs: number;
  timeScale: number;
  scaled: boolean;
  scaleMode: ScaleMode | null;
  complete: boolean;
  failedSources: string[];
  /** What the snapshot says about its activation history. */
  activationHistory: {
    source: string | null;
    reason: string | null;
    coversFrom: string | null;
    activations: number;
    /** The source the history mode should lead to (`scheduleRequests` or `auditLog`). */
    expectedSource: string;
  };
  requests: {
    lowerBound: number;
    /** What the emulator served, as Graph meters it (inner $batch requests one by one, 429s included). */
    logical: number;
    http: number;
    batches: number;
    throttled429: number;
    clientRetried: number;
    clientLogical: number;
    clientHttp: number;
    ratio: number;
    withinTarget: boolean;
    bySource: Record<string, { requests: number; lowerBound: number }>;
  };
  time: {
    wallMs: number;
    minimumMs: number;
    minimumTerms: MinimumTime['termsMs'];
    minimumInputs: MinimumTime['requests'] & {
      holderChain: number;
      longestChain: number;
      directoryBucket: number;
    };
    ratio: number;
    withinTarget: boolean;
    /** For a scaled run: the wall time in real seconds, assuming the time above the minimum does not scale. */
    realEquivalentWallMs: number;
    realMinimumMs: number;
    signInFirstAtMs: number | null;
    signInLastAtMs: number | null;
    detectorsMs: number;
  };
  heap: {
    baselineMb: number;
    peakMb: number;
    peakAboveBaselineMb: number;
    peakTotalMb: number;
    peakRssMb: number;
    retainedSnapshotMb: number;
    withinTarget: boolean;
  };
  load: { before: string; after: string };
}

async function runOnce(
  host: EmulatorHost,
  tenant: TenantInfo,
  strategy: Strategy,
  history: HistoryMode,
  latencyMs: number,
  timeScale: number,
  scaleMode: ScaleMode,
): Promise<RunResult> {
  const endpoint = await host.start({
    latencyMs,
    throttle: { enabled: true, timeScale },
    faults: historyFaults(history),
  });
  const { session } = openBenchSession(endpoint, tenant, {
    rateLimits: scaleMode === 'rateLimits' ? scaledRateLimits(timeScale) : scaledRateLimits(1),
  });
  const now = new Date(tenant.referenceTime);
  try {
    // The token first, as a scan does (assessTenant); not part of the snapshot's time.
    await session.http.checkCredential();
    let t0 = 0;
    const marks = instrumentPacing(session.http, { timeScale, mode: scaleMode, start: () => t0 });
    const loadBefore = machineLoad();
    let wallMs = 0;
    let detectorsMs = 0;
    const { result: snapshot, heap } = await withHeapSampling(async () => {
      t0 = performance.now();
      const snap = await collectSnapshot(session.http, {
        tenantId: tenant.tenantId,
        now,
        auditLookBackMs: tenant.auditLookBackMs,
        signInActivityOf: strategy,
        activationHistory: 'auto',
      });
      wallMs = performance.now() - t0;
      // The rest of a scan's heap: the seven detectors over the snapshot, as assessTenant runs them.
      const d0 = performance.now();
      const { config } = effectiveDetectorsConfig({ local: detectorsConfigSchema.parse({}), snapshot: snap });
      runDetectors({ snapshot: snap, config, now });
      detectorsMs = performance.now() - d0;
      return snap;
    });
    const loadAfter = machineLoad();
    collectGarbage();
    const retained = process.memoryUsage().heapUsed - heap.baselineBytes;

    const stats = (await host.stats())[tenant.tenantId]!;
    const b = tenant.budgets[history].bySource;
    const lowerBound = lowerBoundOf(tenant, strategy, history);
    const bySource: RunResult['requests']['bySource'] = {};
    for (const name of SOURCE_NAMES) {
      const requests = snapshot.sources[name].requests;
      const bound =
        name === 'signInActivity' && strategy === 'allUsers' ? tenant.allUsersSignInPages : (b[name] ?? 0);
      if (requests > 0 || bound > 0) bySource[name] = { requests, lowerBound: bound };
    }
    const min = minimumTime(tenant, strategy, history, latencyMs, timeScale);
    const realMin = minimumTime(tenant, strategy, history, latencyMs, 1);
    const peakAbove = heap.peakBytes - heap.baselineBytes;
    return {
      users: tenant.users,
      holdings: tenant.holdings.holdings,
      privilegedHolders: tenant.holdings.privilegedUserHolders,
      strategy,
      history,
      latencyMs,
      timeScale,
      scaled: timeScale !== 1,
      scaleMode: timeScale !== 1 ? scaleMode : null,
      complete: snapshot.complete,
      failedSources: SOURCE_NAMES.filter((s) => snapshot.sources[s].status === 'failed'),
      activationHistory: {
        source: snapshot.activationHistory.source,
        reason: snapshot.activationHistory.reason,
        coversFrom: snapshot.activationHistory.coversFrom,
        activations: snapshot.activationHistory.activations.length,
        expectedSource: history === 'auditFallback' ? 'auditLog' : 'scheduleRequests',
      },
      requests: {
        lowerBound,
        logical: stats.logicalRequests,
        http: stats.httpRequests,
        batches: stats.batches,
        throttled429: stats.throttled,
        clientRetried: snapshot.graphRequests.retried,
        clientLogical: snapshot.graphRequests.logical,
        clientHttp: snapshot.graphRequests.http,
        ratio: stats.logicalRequests / lowerBound,
        withinTarget: stats.logicalRequests <= REQUEST_FACTOR * lowerBound + REQUEST_CONSTANT,
        bySource,
      },
      time: {
        wallMs,
        minimumMs: min.totalMs,
        minimumTerms: min.termsMs,
        minimumInputs: {
          ...min.requests,
          holderChain: tenant.holderChain,
          longestChain: tenant.longestChain,
          directoryBucket: tenant.directoryBucket,
        },
        ratio: wallMs / min.totalMs,
        // A scaled run is judged on its real-time estimate: latency does not scale, so its own ratio
        // overstates the time spent outside the throttles.
        withinTarget:
          timeScale === 1
            ? wallMs <= TIME_FACTOR * min.totalMs
            : wallMs - min.totalMs + realMin.totalMs <= TIME_FACTOR * realMin.totalMs,
        realEquivalentWallMs: wallMs - min.totalMs + realMin.totalMs,
        realMinimumMs: realMin.totalMs,
        signInFirstAtMs: marks.signInFirstAtMs ?? null,
        signInLastAtMs: marks.signInLastAtMs ?? null,
        detectorsMs,
      },
      heap: {
        baselineMb: heap.baselineBytes / 2 ** 20,
        peakMb: heap.peakBytes / 2 ** 20,
        peakAboveBaselineMb: peakAbove / 2 ** 20,
        peakTotalMb: heap.peakTotalBytes / 2 ** 20,
        peakRssMb: heap.peakRssBytes / 2 ** 20,
        retainedSnapshotMb: retained / 2 ** 20,
        withinTarget: heap.peakBytes / 2 ** 20 < HEAP_LIMIT_MB,
      },
      load: { before: loadBefore, after: loadAfter },
    };
  } finally {
    await session.close();
    await host.stop();
  }
}

function printTables(runs: RunResult[]): void {
  const label = (r: RunResult) =>
    `${r.users.toLocaleString('en')} users, ${r.strategy === 'holders' ? 'holders' : 'all users'}, ${r.latencyMs} ms`;
  const history = (r: RunResult) => r.history;
  const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
  log('\nGraph requests (logical = as Graph meters them: each request inside a $batch counts; 429s count)');
  log(
    table([
      [
        'run',
        'history',
        'source used',
        'complete',
        'lower bound',
        'logical',
        'x bound',
        'HTTP',
        '$batch',
        '429s',
        'retried',
        '<=1.1x+5',
      ],
      ...runs.map((r) => [
        label(r),
        history(r),
        `${r.activationHistory.source ?? 'none'} (${r.activationHistory.activations} activations)`,
        yes(r.complete),
        r.requests.lowerBound,
        r.requests.logical,
        fmt(r.requests.ratio, 3),
        r.requests.http,
        r.requests.batches,
        r.requests.throttled429,
        r.requests.clientRetried,
        yes(r.requests.withinTarget),
      ]),
    ]),
  );
  log('\nTime with Graph throttles enforced (s; "scaled" runs: throttle clocks and client pacing sped up)');
  log(
    table([
      [
        'run',
        'history',
        'time scale',
        'wall',
        'minimum',
        'wall/min',
        '<=1.1x',
        'sign-in reads sent from..to',
        'real-time wall (est.)',
        'real minimum',
        'load before / after',
      ],
      ...runs.map((r) => [
        label(r),
        history(r),
        r.scaled ? `${r.timeScale}x SCALED (${r.scaleMode})` : 'real',
        fmt(r.time.wallMs / 1000, 2),
        fmt(r.time.minimumMs / 1000, 2),
        fmt(r.time.ratio, 3),
        r.scaled ? `${yes(r.time.withinTarget)} (est.)` : yes(r.time.withinTarget),
        r.time.signInFirstAtMs === null
          ? '-'
          : `${fmt(r.time.signInFirstAtMs / 1000, 2)}..${fmt((r.time.signInLastAtMs ?? 0) / 1000, 2)}`,
        r.scaled ? `${fmt(r.time.realEquivalentWallMs / 1000, 1)} (scaled)` : fmt(r.time.wallMs / 1000, 1),
        fmt(r.time.realMinimumMs / 1000, 1),
        `${r.load.before} / ${r.load.after}`,
      ]),
    ]),
  );
  log('\nHeap of the scanning process (MB; emulator in its own process; detectors run at the end)');
  log(
    table([
      [
        'run',
        'history',
        'baseline',
        'peak heapUsed',
        'peak - baseline',
        'retained snapshot',
        'peak RSS',
        '<300 MB',
        'detectors ms',
      ],
      ...runs.map((r) => [
        label(r),
        history(r),
        fmt(r.heap.baselineMb),
        fmt(r.heap.peakMb),
        fmt(r.heap.peakAboveBaselineMb),
        fmt(r.heap.retainedSnapshotMb),
        fmt(r.heap.peakRssMb),
        yes(r.heap.withinTarget),
        fmt(r.time.detectorsMs, 0),
      ]),
    ]),
  );
  const incomplete = runs.filter((r) => !r.complete);
  for (const r of incomplete)
    log(`WARNING: ${label(r)}, ${r.history}: snapshot incomplete (${r.failedSources.join(', ')})`);
  for (const r of runs.filter((x) => x.activationHistory.source !== x.activationHistory.expectedSource))
    log(
      `WARNING: ${label(r)}, ${r.history}: activation history from ${r.activationHistory.source ?? 'nowhere'}, expected ${r.activationHistory.expectedSource}`,
    );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const timeScale = numberArg(args, 'time-scale', 1);
  const allUsersTimeScale = numberArg(args, 'all-users-time-scale', timeScale);
  const sizes = listArg(args, 'sizes', ['10000', '100000']).map(Number);
  const latencies = listArg(args, 'latencies', ['0', '50']).map(Number);
  const strategies = listArg(args, 'strategies', ['holders', 'allUsers']) as Strategy[];
  const histories = listArg(args, 'history', [...HISTORY_MODES]) as HistoryMode[];
  const holdings = numberArg(args, 'holdings', 10_000);
  const out = args.get('out') ?? 'snapshot';
  const scaleMode = (args.get('scale-mode') ?? 'clock') as ScaleMode;
  if (scaleMode !== 'clock' && scaleMode !== 'rateLimits')
    throw new Error(`--scale-mode must be clock or rateLimits, got ${scaleMode}`);
  const seed = 7;
  for (const s of strategies)
    if (s !== 'holders' && s !== 'allUsers') throw new Error(`unknown strategy ${s} (holders, allUsers)`);
  for (const h of histories)
    if (!HISTORY_MODES.includes(h))
      throw new Error(`unknown history mode ${h} (${HISTORY_MODES.join(', ')})`);

  const started = new Date();
  const meta = {
    benchmark: 'snapshot',
    startedAt: started.toISOString(),
    machine: machine(),
    options: {
      sizes,
      latencies,
      strategies,
      histories,
      holdings,
      seed,
      timeScale,
      allUsersTimeScale,
      scaleMode,
    },
  };
  log(
    `snapshot benchmark: sizes ${sizes.join(', ')} users, ${holdings} holdings, seed ${seed}; latencies ${latencies.join(', ')} ms; ` +
      `history ${histories.join(', ')}; ` +
      `time scale ${timeScale}${timeScale === 1 ? ' (real time)' : ' (SCALED)'}` +
      (strategies.includes('allUsers') ? `, all-users comparison at ${allUsersTimeScale}x` : '') +
      `; load ${machineLoad()}`,
  );
  const runs: RunResult[] = [];
  for (const users of sizes) {
    const host = new EmulatorHost();
    try {
      const t = performance.now();
      const [tenant] = await host.generate([{ users, holdings, seed }]);
      log(
        `generated ${users} users / ${tenant!.holdings.holdings} holdings (${tenant!.holdings.privilegedUserHolders} privileged users) in ${fmt((performance.now() - t) / 1000)} s; ` +
          histories
            .map((h) => {
              const b = tenant!.budgets[h];
              return `lower bound (${h}) ${b.total} requests (${b.bySource.signInActivity ?? 0} sign-in, ${b.bySource.directoryAudits ?? 0} audit, ${b.bySource.roleAssignmentScheduleRequests ?? 0} schedule-request, ${b.bySource.pimActivationAudits ?? 0} PIM activation record)`;
            })
            .join('; '),
      );
      for (const strategy of strategies) {
        const scale = strategy === 'allUsers' ? allUsersTimeScale : timeScale;
        for (const history of histories) {
          for (const latencyMs of latencies) {
            const min = minimumTime(tenant!, strategy, history, latencyMs, scale);
            log(
              `  run: ${strategy}, ${history}, ${latencyMs} ms, ${scale === 1 ? 'real time' : `${scale}x scaled`}; minimum ${fmt(min.totalMs / 1000)} s ... (load ${machineLoad()})`,
            );
            const r = await runOnce(host, tenant!, strategy, history, latencyMs, scale, scaleMode);
            runs.push(r);
            log(
              `    wall ${fmt(r.time.wallMs / 1000, 2)} s (x${fmt(r.time.ratio, 3)} of minimum), ${r.requests.logical} logical / ${r.requests.lowerBound} bound, ` +
                `${r.requests.http} HTTP, ${r.requests.throttled429} x 429, peak heap ${fmt(r.heap.peakMb)} MB, complete ${r.complete}, ` +
                `history from ${r.activationHistory.source ?? 'nowhere'} (${r.activationHistory.activations} activations)`,
            );
            writeResults(out, { ...meta, finishedAt: null, runs });
            await sleep(100);
          }
        }
      }
    } finally {
      await host.close();
    }
  }
  printTables(runs);
  const path = writeResults(out, {
    ...meta,
    finishedAt: new Date().toISOString(),
    loadAtEnd: machineLoad(),
    runs,
  });
  log(`\nresults: ${path}`);
}

await main();
