import type { Queue } from 'bullmq';
import type { TenantConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { WorkerConfig } from './config-schema.js';
import { keepFinished } from './queues.js';
import { TICK_JOB } from './scan-trigger.js';

const PREFIX = 'tenant-';

export function schedulerId(tenantId: string): string {
  return `${PREFIX}${tenantId.toLowerCase()}`;
}

/**
 * Makes the queue's job schedulers match the configuration: one per tenant with its cron pattern and
 * time zone, and none for tenants that are gone. Upserting is idempotent, so every replica can do this
 * at start and several starting together still leave one scheduler per tenant.
 */
export async function syncSchedulers(
  queue: Queue,
  tenants: readonly TenantConfig[],
  worker: WorkerConfig,
  log: Logger,
): Promise<{ upserted: number; removed: string[] }> {
  const wanted = new Set(tenants.map((t) => schedulerId(t.id)));
  for (const tenant of tenants) {
    await queue.upsertJobScheduler(
      schedulerId(tenant.id),
      { pattern: tenant.schedule.cron, tz: tenant.schedule.timezone },
      { name: TICK_JOB, data: { tenantId: tenant.id, trigger: 'schedule' }, opts: keepFinished(worker) },
    );
  }
  const removed: string[] = [];
  const existing = await queue.getJobSchedulers(0, -1);
  for (const scheduler of existing) {
    if (scheduler.key.startsWith(PREFIX) && !wanted.has(scheduler.key)) {
      await queue.removeJobScheduler(scheduler.key);
      removed.push(scheduler.key);
    }
  }
  if (removed.length > 0) log.info({ removed }, 'schedulers of removed tenants deleted');
  return { upserted: tenants.length, removed };
}
