import type { Redis } from 'ioredis';
import type { TenantConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { WorkerConfig } from './config-schema.js';
import type { TypedQueue } from './job-map.js';
import { keepFinished } from './queues.js';
import { TICK_JOB } from './scan-trigger.js';

const PREFIX = 'tenant-';

export function schedulerId(tenantId: string): string {
  return `${PREFIX}${tenantId.toLowerCase()}`;
}

export interface SyncResult {
  /** Schedulers created or changed (all of them on a fresh Redis, none when everything matched). */
  upserted: number;
  removed: string[];
}

/**
 * Makes the queue's job schedulers match the configuration: one per tenant with its cron pattern and
 * time zone, and none for tenants that are gone. Upserting is idempotent, so replicas doing it together
 * still leave one scheduler per tenant. With `onlyMissing` (the periodic check) a scheduler whose pattern
 * and time zone already match is left alone, so running it often is cheap; at start every one is
 * written, so a changed job template takes effect too.
 */
export async function syncSchedulers(
  queue: TypedQueue<'scan'>,
  tenants: readonly TenantConfig[],
  worker: WorkerConfig,
  log: Logger,
  { onlyMissing = false }: { onlyMissing?: boolean } = {},
): Promise<SyncResult> {
  const wanted = new Set(tenants.map((t) => schedulerId(t.id)));
  const existing = new Map((await queue.getJobSchedulers(0, -1)).map((s) => [s.key, s]));
  let upserted = 0;
  for (const tenant of tenants) {
    const id = schedulerId(tenant.id);
    const current = existing.get(id);
    const matches = current?.pattern === tenant.schedule.cron && current.tz === tenant.schedule.timezone;
    if (onlyMissing && matches) continue;
    await queue.upsertJobScheduler(
      id,
      { pattern: tenant.schedule.cron, tz: tenant.schedule.timezone },
      { name: TICK_JOB, data: { tenantId: tenant.id, trigger: 'schedule' }, opts: keepFinished(worker) },
    );
    upserted += 1;
  }
  const removed: string[] = [];
  for (const key of existing.keys()) {
    if (key.startsWith(PREFIX) && !wanted.has(key)) {
      await queue.removeJobScheduler(key);
      removed.push(key);
    }
  }
  if (removed.length > 0) log.info({ removed }, 'schedulers of removed tenants deleted');
  return { upserted, removed };
}

/** Configured tenants that have no job scheduler in Redis (what `/readyz` reports). */
export async function tenantsWithoutScheduler(
  queue: TypedQueue<'scan'>,
  tenants: readonly TenantConfig[],
): Promise<string[]> {
  const existing = new Set((await queue.getJobSchedulers(0, -1)).map((s) => s.key));
  return tenants.filter((t) => !existing.has(schedulerId(t.id))).map((t) => t.id);
}

/**
 * Keeps the schedulers in place while the worker runs: every `schedulerReconcileIntervalMs` and each time
 * the connection comes back, since a Redis that restarted without persistence has lost them all.
 */
export function keepSchedulersReconciled(
  queue: TypedQueue<'scan'>,
  connection: Redis,
  tenants: readonly TenantConfig[],
  worker: WorkerConfig,
  log: Logger,
): { stop(): void } {
  let running = false;
  let stopped = false;
  const reconcile = async () => {
    // One at a time: while Redis is away a call waits for it, and the timer must not pile more up.
    if (running || stopped) return;
    running = true;
    try {
      const { upserted, removed } = await syncSchedulers(queue, tenants, worker, log, { onlyMissing: true });
      if (upserted > 0) log.warn({ recreated: upserted }, 'missing job schedulers recreated');
      else if (removed.length > 0) log.info({ removed: removed.length }, 'schedulers reconciled');
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'scheduler reconciliation failed; will try again');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void reconcile(), worker.schedulerReconcileIntervalMs);
  timer.unref();
  const onReady = () => void reconcile();
  connection.on('ready', onReady);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      connection.off('ready', onReady);
    },
  };
}
