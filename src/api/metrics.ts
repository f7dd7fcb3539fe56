import type { Redis } from 'ioredis';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { PimwatchConfig } from '../config/schema.js';
import { liveWorkers } from '../jobs/heartbeat.js';
import { type MetricsRecorder, SCAN_DURATION_BUCKETS } from '../jobs/metrics-recorder.js';
import type { StateStore } from '../store/state-store.js';

type MetricsDeps = {
  config: PimwatchConfig;
  redis: Redis;
  recorder: MetricsRecorder;
  store: StateStore;
};

/** The figures the workers counted in Redis, as last read by a scrape. */
interface Figures {
  current: Awaited<ReturnType<MetricsRecorder['read']>>;
}

/** A counter whose value is the Redis counter `pick` accepts (with the labels it returns). */
function counterFromFigures(
  registry: Registry,
  figures: Figures,
  name: string,
  help: string,
  pick: (k: string) => Record<string, string> | undefined,
) {
  return new Counter({
    name,
    help,
    labelNames: [],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, value] of Object.entries(figures.current.counters)) {
        const labels = pick(key);
        if (labels) (this as Counter<string>).inc(labels, value);
      }
    },
  });
}

/** The counters: scans, Graph requests, throttling, retries and notifications, summed over workers. */
function registerCounters(registry: Registry, figures: Figures): void {
  new Counter({
    name: 'pimwatch_scans_total',
    help: 'Scans finished, by outcome (complete, partial, failed).',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const outcome of ['complete', 'partial', 'failed']) {
        this.inc({ outcome }, figures.current.counters[`scans:${outcome}`] ?? 0);
      }
    },
  });
  counterFromFigures(
    registry,
    figures,
    'pimwatch_graph_requests_total',
    'Graph requests made by scans (inner $batch requests one by one).',
    (k) => (k === 'graph:requests' ? {} : undefined),
  );
  counterFromFigures(
    registry,
    figures,
    'pimwatch_graph_throttled_total',
    'Graph answers that were 429 (throttled).',
    (k) => (k === 'graph:throttled' ? {} : undefined),
  );
  counterFromFigures(
    registry,
    figures,
    'pimwatch_graph_retries_total',
    'Graph requests sent again after 429/503/504 or a broken answer.',
    (k) => (k === 'graph:retried' ? {} : undefined),
  );
  new Counter({
    name: 'pimwatch_notifications_total',
    help: 'Notification delivery attempts by channel kind and outcome.',
    labelNames: ['channel_kind', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, value] of Object.entries(figures.current.counters)) {
        const m = /^notifications:([^:]+):([^:]+)$/.exec(key);
        if (m) this.inc({ channel_kind: m[1]!, outcome: m[2]! }, value);
      }
    },
  });
}

/** The gauges: last successful scan per tenant, open incidents, and live workers. */
function registerGauges(registry: Registry, figures: Figures, deps: MetricsDeps): void {
  new Gauge({
    name: 'pimwatch_last_successful_scan_timestamp_seconds',
    help: 'When each tenant was last scanned completely (Unix time).',
    labelNames: ['tenant_id'],
    registers: [registry],
    collect() {
      this.reset();
      // Redis remembers every tenant ever scanned; only the configured ones are reported.
      const configured = new Set(deps.config.tenants.map((t) => t.id.toLowerCase()));
      for (const [tenant, seconds] of Object.entries(figures.current.lastSuccess)) {
        if (configured.has(tenant.toLowerCase())) this.set({ tenant_id: tenant }, seconds);
      }
    },
  });
  new Gauge({
    name: 'pimwatch_open_incidents',
    help: 'Incidents not resolved, by tenant and alert.',
    labelNames: ['tenant_id', 'alert'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const tenant of deps.config.tenants) {
        const open = await deps.store.listIncidents(tenant.id, { state: ['new', 'open', 'reopened'] });
        const counts = new Map<string, number>();
        for (const record of open) counts.set(record.alert, (counts.get(record.alert) ?? 0) + 1);
        for (const [alert, count] of counts) this.set({ tenant_id: tenant.id, alert }, count);
      }
    },
  });
  new Gauge({
    name: 'pimwatch_workers_alive',
    help: 'Worker processes that reported within api.workerStaleAfterMs.',
    registers: [registry],
    async collect() {
      this.set(
        (await liveWorkers(deps.redis, deps.config.redis.keyPrefix, deps.config.api.workerStaleAfterMs))
          .length,
      );
    },
  });
}

/**
 * `/metrics` in Prometheus' text format. The figures live in Redis (every worker replica adds to them),
 * so each scrape reads them there; the API process adds its own runtime metrics.
 */
export function createMetricsEndpoint(deps: MetricsDeps) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pimwatch_api_' });
  const figures: Figures = { current: { counters: {}, lastSuccess: {} } };
  registerCounters(registry, figures);
  registerGauges(registry, figures, deps);
  return {
    contentType: registry.contentType,
    async render(): Promise<string> {
      figures.current = await deps.recorder.read();
      return (await registry.metrics()) + scanDurationHistogram(figures.current.counters);
    },
  };
}

/**
 * The scan duration histogram, written directly: its buckets are counted in Redis by the workers, which
 * prom-client's Histogram (made for observations in this process) cannot take over.
 */
function scanDurationHistogram(counters: Record<string, number>): string {
  const name = 'pimwatch_scan_duration_seconds';
  const lines = [`# HELP ${name} How long scans took.`, `# TYPE ${name} histogram`];
  for (const bound of SCAN_DURATION_BUCKETS) {
    lines.push(`${name}_bucket{le="${bound}"} ${counters[`scanDuration:le:${bound}`] ?? 0}`);
  }
  lines.push(`${name}_bucket{le="+Inf"} ${counters['scanDuration:count'] ?? 0}`);
  lines.push(`${name}_sum ${counters['scanDuration:sum'] ?? 0}`);
  lines.push(`${name}_count ${counters['scanDuration:count'] ?? 0}`);
  return `${lines.join('\n')}\n`;
}
