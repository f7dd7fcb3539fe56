/**
 * Jobs benchmark: many small tenants scanned by worker processes sharing one Redis. 200 generated
 * tenants (200-400 users each) served by one multi-tenant emulator (20 ms per request, Graph's throttles
 * enforced); two `pimwatch worker` processes (through tsx) on a private redis-server; one scan of every
 * tenant enqueued at once (`enqueueScan`, as the API and `pimwatch trigger` do). Measures tenants
 * scanned per minute, Graph requests per tenant, and Redis memory and keys per tenant of state.
 * Runs once per worker concurrency (default: the configuration's default, 2, and 8), each on a fresh
 * Redis and emulator.
 *
 *   npx tsx bench/jobs.ts                      # a few minutes
 *   options: --tenants 200 --latency 20 --workers 2 --concurrency default,8 --worker-node-args="--cpu-prof"
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/load.js';
import type { PimwatchConfig } from '../src/config/schema.js';
import type { GenerateTenantOptions } from '../src/fixtures/generate-tenant.js';
import { workerConfigSchema } from '../src/jobs/config-schema.js';
import { bullPrefix } from '../src/jobs/connection.js';
import { SCAN_QUEUE } from '../src/jobs/queues.js';
import { enqueueScan } from '../src/jobs/scan-trigger.js';
import { createStateStore } from '../src/store/create-state-store.js';
import type { ScanSummary } from '../src/store/state-store.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { type WorkerProcess, waitForStart } from '../test/support/worker-process.js';
import { EmulatorHost, REPO_ROOT } from './support/emulator-client.js';
import type { EmulatorEndpoint, TenantInfo, TenantRequestStats } from './support/emulator-protocol.js';
import {
  fmt,
  listArg,
  log,
  machine,
  machineLoad,
  median,
  numberArg,
  parseArgs,
  processCpuMs,
  table,
  writeResults,
} from './support/report.js';
import { spawnBenchWorker } from './support/worker.js';

const KEY_PREFIX = 'pimwatch';
/** Never fires while the benchmark runs (1 January, midnight): scans come only from the benchmark. */
const QUIET_CRON = '0 0 1 1 *';

function tenantSpecs(count: number): GenerateTenantOptions[] {
  return Array.from({ length: count }, (_, i) => ({
    users: 200 + (i % 5) * 50,
    holdings: 40 + (i % 4) * 10,
    seed: `jobs-${i}`,
  }));
}

async function redisMemory(redis: Redis): Promise<{ usedMemory: number; keys: number }> {
  const info = await redis.info('memory');
  const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  return { usedMemory: used, keys: await redis.dbsize() };
}

/** Every key's MEMORY USAGE (exact, SAMPLES 0), summed by what the key is for. */
async function keyBreakdown(redis: Redis): Promise<Record<string, { keys: number; bytes: number }>> {
  const classes: Record<string, { keys: number; bytes: number }> = {};
  const classify = (key: string): string => {
    const bull = `${bullPrefix(KEY_PREFIX)}:`;
    if (key.startsWith(bull)) {
      const [queue, ...rest] = key.slice(bull.length).split(':');
      const part = rest[0] ?? '';
      // Job hashes are `<queue>:<id>` (and `<queue>:<id>:logs` etc.); the rest are the queue's own keys.
      const kind =
        /^(repeat|meta|events|id|completed|failed|wait|active|delayed|prioritized|paused|marker|stalled-check|de)$/.test(
          part,
        )
          ? part
          : 'job';
      return `bull:${queue}:${kind}`;
    }
    if (key.startsWith(`${KEY_PREFIX}:tenant:`)) {
      const kind = key.split(':')[3] ?? '?';
      return `state:tenant:${kind}`;
    }
    return `state:${key.slice(KEY_PREFIX.length + 1).split(':')[0]}`;
  };
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const bytes = Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
      const kind = classify(key);
      const c = classes[kind] ?? { keys: 0, bytes: 0 };
      classes[kind] = c;
      c.keys++;
      c.bytes += bytes;
    }
  } while (cursor !== '0');
  return Object.fromEntries(Object.entries(classes).sort(([a], [b]) => a.localeCompare(b)));
}

function writeConfig(
  dir: string,
  endpoint: EmulatorEndpoint,
  tenants: TenantInfo[],
  redisUrl: string,
  concurrency: number | undefined,
): { path: string; config: PimwatchConfig } {
  const raw = {
    tenants: tenants.map((t, i) => {
      const secretFile = join(dir, `secret-${i}`);
      writeFileSync(secretFile, t.clientSecret, { mode: 0o600 });
      return {
        id: t.tenantId,
        name: `Bench tenant ${i + 1}`,
        credential: { type: 'clientSecret', clientId: t.clientId, clientSecret: { file: secretFile } },
        schedule: { cron: QUIET_CRON, timezone: 'UTC' },
      };
    }),
    // Graph's own pacing (10 sign-in reads a minute, 5 report reads per 10 s per tenant): the throttles are on.
    graph: { baseUrl: endpoint.baseUrl, authorityHost: endpoint.authorityHost, caFile: endpoint.caCertPath },
    redis: { url: redisUrl, keyPrefix: KEY_PREFIX },
    worker: concurrency === undefined ? {} : { concurrency },
    log: { level: 'warn' },
  };
  const path = join(dir, `config-${concurrency ?? 'default'}.json`);
  writeFileSync(path, JSON.stringify(raw, null, 2));
  return { path, config: loadConfig({ file: path, env: {} }) };
}

interface RunResult {
  concurrency: number;
  concurrencyLabel: string;
  workers: number;
  tenants: number;
  scans: { completed: number; failed: number; complete: number; partial: number };
  elapsedMs: number;
  tenantsPerMinute: number;
  jobMs: { median: number; p90: number; max: number };
  /** CPU time used during the scans (from enqueue to the last scan's end), per tenant scanned. */
  cpuMsPerTenant: { workers: number | null; emulator: number | null };
  byWorker: Record<string, number>;
  requestsPerTenant: {
    lowerBound: { mean: number; min: number; max: number };
    logical: { mean: number; min: number; max: number };
    http: { mean: number; min: number; max: number };
    tokenRequests: { mean: number };
    throttled429: number;
    overBound: number;
    worstRatio: number;
    clientLogicalMean: number;
  };
  redis: {
    emptyBytes: number;
    beforeBytes: number;
    afterBytes: number;
    perTenantBytes: number;
    keysBefore: number;
    keysAfter: number;
    keysPerTenant: number;
    breakdown: Record<string, { keys: number; bytes: number }>;
    statePerTenantBytes: number;
  };
  load: { before: string; after: string };
}

function sumDefined(values: (number | undefined)[]): number | null {
  return values.some((v) => v === undefined) ? null : values.reduce<number>((a, b) => a + (b ?? 0), 0);
}

function stats(values: number[]) {
  return {
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

async function runOnce(
  host: EmulatorHost,
  tenants: TenantInfo[],
  options: { latencyMs: number; workers: number; concurrency: number | undefined; workerNodeArgs: string[] },
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pimwatch-bench-jobs-'));
  const redisServer = await startRedisServer();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const workers: WorkerProcess[] = [];
  let queue: Queue | undefined;
  try {
    const empty = await redisMemory(redis);
    // Fixtures are written for their reference day; shifted to today so the workers' clock finds recent audits.
    const endpoint = await host.start({
      latencyMs: options.latencyMs,
      throttle: { enabled: true },
      timeShiftTo: new Date(),
    });
    const { path, config } = writeConfig(dir, endpoint, tenants, redisServer.url, options.concurrency);
    for (let i = 0; i < options.workers; i++)
      workers.push(spawnBenchWorker(path, { ...process.env }, options.workerNodeArgs));
    // The worker runs from the repository root (src/main.ts is relative).
    await Promise.all(workers.map((w) => waitForStart(w, 120_000)));
    const before = await redisMemory(redis);

    queue = new Queue(SCAN_QUEUE, { connection: redis, prefix: bullPrefix(KEY_PREFIX) });
    const cpu = () => ({
      workers: sumDefined(workers.map((w) => processCpuMs(w.child.pid))),
      emulator: processCpuMs(host.pid) ?? null,
    });
    const cpuBefore = cpu();
    const loadBefore = machineLoad();
    const t0 = Date.now();
    const scanIds = new Map<string, string>();
    for (const t of tenants) {
      const { scanId } = await enqueueScan(queue, config.worker, {
        tenantId: t.tenantId,
        trigger: 'api',
        requestedBy: 'bench',
      });
      scanIds.set(t.tenantId, scanId);
    }
    const deadline = Date.now() + 30 * 60_000;
    let lastReport = 0;
    for (;;) {
      const counts = await queue.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed');
      const done = (counts.completed ?? 0) + (counts.failed ?? 0);
      if (done >= tenants.length) break;
      if (Date.now() > deadline) throw new Error(`scans did not finish: ${JSON.stringify(counts)}`);
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        log(
          `    ${done}/${tenants.length} scans done after ${fmt((Date.now() - t0) / 1000)} s (load ${machineLoad()})`,
        );
      }
      for (const w of workers) {
        if (w.child.exitCode !== null) throw new Error(`a worker exited:\n${w.output().slice(-2000)}`);
      }
      await sleep(200);
    }
    const loadAfter = machineLoad();
    const cpuAfter = cpu();
    const jobs = (await Promise.all([...scanIds.values()].map((id) => queue!.getJob(id)))).filter(
      (j): j is Job => j !== undefined,
    );
    const finished = Math.max(...jobs.map((j) => j.finishedOn ?? 0));
    const elapsedMs = finished - t0;
    const byWorker: Record<string, number> = {};
    for (const j of jobs) byWorker[j.processedBy ?? '?'] = (byWorker[j.processedBy ?? '?'] ?? 0) + 1;
    const jobDurations = jobs.map((j) => (j.finishedOn ?? 0) - (j.processedOn ?? 0));
    const failedJobs = await queue.getJobCountByTypes('failed');

    // Scans as the store recorded them, and what the emulator served each tenant.
    const store = createStateStore({
      redisUrl: redisServer.url,
      keyPrefix: KEY_PREFIX,
      feedMaxLength: 10_000,
    });
    const summaries: ScanSummary[] = [];
    for (const t of tenants) {
      const [latest] = await store.listScans(t.tenantId, 1);
      if (latest) summaries.push(latest);
    }
    await store.close();
    const served: Record<string, TenantRequestStats> = await host.stats();
    const bound = tenants.map((t) => t.budget.total);
    const logical = tenants.map((t) => served[t.tenantId]?.logicalRequests ?? 0);
    const http = tenants.map((t) => served[t.tenantId]?.httpRequests ?? 0);
    const ratios = tenants.map((t, i) => logical[i]! / t.budget.total);
    const after = await redisMemory(redis);
    const breakdown = await keyBreakdown(redis);
    const stateBytes = Object.entries(breakdown)
      .filter(([k]) => k.startsWith('state:tenant:') || k === 'state:feed')
      .reduce((s, [, v]) => s + v.bytes, 0);
    return {
      concurrency: config.worker.concurrency,
      concurrencyLabel:
        options.concurrency === undefined
          ? `${config.worker.concurrency} (default)`
          : String(options.concurrency),
      workers: options.workers,
      tenants: tenants.length,
      scans: {
        completed: jobs.filter((j) => j.finishedOn && !j.failedReason).length,
        failed: failedJobs,
        complete: summaries.filter((s) => s.outcome === 'complete').length,
        partial: summaries.filter((s) => s.outcome === 'partial').length,
      },
      elapsedMs,
      tenantsPerMinute: tenants.length / (elapsedMs / 60_000),
      jobMs: {
        median: median(jobDurations),
        p90: [...jobDurations].sort((a, b) => a - b)[Math.floor(jobDurations.length * 0.9)] ?? 0,
        max: Math.max(...jobDurations),
      },
      cpuMsPerTenant: {
        workers:
          cpuAfter.workers !== null && cpuBefore.workers !== null
            ? (cpuAfter.workers - cpuBefore.workers) / tenants.length
            : null,
        emulator:
          cpuAfter.emulator !== null && cpuBefore.emulator !== null
            ? (cpuAfter.emulator - cpuBefore.emulator) / tenants.length
            : null,
      },
      byWorker,
      requestsPerTenant: {
        lowerBound: stats(bound),
        logical: stats(logical),
        http: stats(http),
        tokenRequests: stats(tenants.map((t) => served[t.tenantId]?.tokenRequests ?? 0)),
        throttled429: tenants.reduce((s, t) => s + (served[t.tenantId]?.throttled ?? 0), 0),
        overBound: ratios.filter((r) => r > 1).length,
        worstRatio: Math.max(...ratios),
        clientLogicalMean: stats(summaries.map((s) => s.graphRequests.logical)).mean,
      },
      redis: {
        emptyBytes: empty.usedMemory,
        beforeBytes: before.usedMemory,
        afterBytes: after.usedMemory,
        perTenantBytes: (after.usedMemory - before.usedMemory) / tenants.length,
        keysBefore: before.keys,
        keysAfter: after.keys,
        keysPerTenant: (after.keys - before.keys) / tenants.length,
        breakdown,
        statePerTenantBytes: stateBytes / tenants.length,
      },
      load: { before: loadBefore, after: loadAfter },
    };
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await Promise.all(
      workers.map((w) => Promise.race([w.exited, sleep(15_000).then(() => w.child.kill('SIGKILL'))])),
    );
    await queue?.close().catch(() => {});
    await redis.quit().catch(() => redis.disconnect());
    await host.stop().catch(() => {});
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTables(runs: RunResult[], latencyMs: number): void {
  const kb = (b: number) => fmt(b / 1024, 1);
  log(
    `\nThroughput (${runs[0]?.tenants} tenants, ${runs[0]?.workers} worker processes, ${latencyMs} ms per Graph request, throttles on)`,
  );
  log(
    table([
      [
        'concurrency per worker',
        'scans ok',
        'complete',
        'failed',
        'elapsed s',
        'tenants/min',
        'job median / p90 / max s',
        'CPU ms/tenant workers + emulator',
        'jobs per worker',
        'load before / after',
      ],
      ...runs.map((r) => [
        r.concurrencyLabel,
        r.scans.completed,
        r.scans.complete,
        r.scans.failed,
        fmt(r.elapsedMs / 1000, 1),
        fmt(r.tenantsPerMinute, 1),
        `${fmt(r.jobMs.median / 1000, 2)} / ${fmt(r.jobMs.p90 / 1000, 2)} / ${fmt(r.jobMs.max / 1000, 2)}`,
        `${r.cpuMsPerTenant.workers === null ? '?' : fmt(r.cpuMsPerTenant.workers, 0)} + ${r.cpuMsPerTenant.emulator === null ? '?' : fmt(r.cpuMsPerTenant.emulator, 0)}`,
        Object.values(r.byWorker).join(' / '),
        `${r.load.before} / ${r.load.after}`,
      ]),
    ]),
  );
  log('\nGraph requests per tenant (logical as the emulator metered them; lower bound from requestBudget)');
  log(
    table([
      [
        'concurrency',
        'lower bound mean',
        'logical mean',
        'logical min..max',
        'HTTP mean',
        'token req.',
        '429s (all)',
        'tenants over bound',
        'worst x bound',
      ],
      ...runs.map((r) => [
        r.concurrencyLabel,
        fmt(r.requestsPerTenant.lowerBound.mean, 1),
        fmt(r.requestsPerTenant.logical.mean, 1),
        `${r.requestsPerTenant.logical.min}..${r.requestsPerTenant.logical.max}`,
        fmt(r.requestsPerTenant.http.mean, 1),
        fmt(r.requestsPerTenant.tokenRequests.mean, 1),
        r.requestsPerTenant.throttled429,
        r.requestsPerTenant.overBound,
        fmt(r.requestsPerTenant.worstRatio, 3),
      ]),
    ]),
  );
  log('\nRedis (used_memory; "before" = workers started, schedulers registered, nothing scanned)');
  log(
    table([
      [
        'concurrency',
        'empty KB',
        'before KB',
        'after KB',
        'per tenant KB',
        'keys before',
        'keys after',
        'keys/tenant',
        'pimwatch state/tenant KB',
      ],
      ...runs.map((r) => [
        r.concurrencyLabel,
        kb(r.redis.emptyBytes),
        kb(r.redis.beforeBytes),
        kb(r.redis.afterBytes),
        kb(r.redis.perTenantBytes),
        r.redis.keysBefore,
        r.redis.keysAfter,
        fmt(r.redis.keysPerTenant, 2),
        kb(r.redis.statePerTenantBytes),
      ]),
    ]),
  );
  const last = runs[runs.length - 1];
  if (last) {
    log(`\nKeys after the run (concurrency ${last.concurrencyLabel}), MEMORY USAGE summed by kind:`);
    log(
      table([
        ['kind', 'keys', 'KB', 'KB per tenant'],
        ...Object.entries(last.redis.breakdown).map(([k, v]) => [
          k,
          v.keys,
          kb(v.bytes),
          fmt(v.bytes / 1024 / last.tenants, 2),
        ]),
      ]),
    );
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Worker processes are started as `node --import tsx src/main.ts worker`, relative to the repository.
  process.chdir(REPO_ROOT);
  const tenantCount = numberArg(args, 'tenants', 200);
  const latencyMs = numberArg(args, 'latency', 20);
  const workerCount = numberArg(args, 'workers', 2);
  const concurrencies = listArg(args, 'concurrency', ['default', '8']).map((c) =>
    c === 'default' ? undefined : Number(c),
  );
  // e.g. --worker-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the workers.
  const workerNodeArgs = (args.get('worker-node-args') ?? '').split(' ').filter(Boolean);
  const meta = { benchmark: 'jobs', startedAt: new Date().toISOString(), machine: machine() };
  log(
    `jobs benchmark: ${tenantCount} tenants, ${workerCount} workers, ${latencyMs} ms latency, throttles on; ` +
      `concurrency ${concurrencies.map((c) => c ?? `default (${workerConfigSchema.parse({}).concurrency})`).join(', ')}; load ${machineLoad()}`,
  );
  const host = new EmulatorHost();
  const runs: RunResult[] = [];
  try {
    const t = performance.now();
    const tenants = await host.generate(tenantSpecs(tenantCount));
    log(
      `generated ${tenants.length} tenants (${stats(tenants.map((x) => x.users)).min}-${stats(tenants.map((x) => x.users)).max} users, ` +
        `${stats(tenants.map((x) => x.holdings.holdings)).min}-${stats(tenants.map((x) => x.holdings.holdings)).max} holdings) in ${fmt((performance.now() - t) / 1000)} s`,
    );
    for (const concurrency of concurrencies) {
      log(`  run: concurrency ${concurrency ?? 'default'} (load ${machineLoad()})`);
      const r = await runOnce(host, tenants, {
        latencyMs,
        workers: workerCount,
        concurrency,
        workerNodeArgs,
      });
      runs.push(r);
      log(
        `    ${r.scans.completed} scans in ${fmt(r.elapsedMs / 1000, 1)} s: ${fmt(r.tenantsPerMinute, 1)} tenants/min; ` +
          `${fmt(r.requestsPerTenant.logical.mean, 1)} requests/tenant; Redis ${fmt(r.redis.perTenantBytes / 1024, 1)} KB/tenant`,
      );
      writeResults('jobs', { ...meta, finishedAt: null, runs });
    }
  } finally {
    await host.close();
  }
  printTables(runs, latencyMs);
  const path = writeResults('jobs', {
    ...meta,
    finishedAt: new Date().toISOString(),
    options: { tenants: tenantCount, latencyMs, workers: workerCount },
    runs,
  });
  log(`\nresults: ${path}`);
}

await main();
