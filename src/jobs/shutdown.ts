import type { Worker } from 'bullmq';
import type { PimwatchConfig } from '../config/schema.js';
import type { Logger } from '../log.js';

/** What shutdown allows for saying goodbye to Redis once the jobs are done. */
const CLEANUP_MS = 1000;

/** One thing to release at shutdown, named for the log line if it fails. */
export interface CloseStep {
  name: string;
  close(): unknown;
}

/**
 * Runs every step in order, each once, even when an earlier one throws: a heartbeat that cannot be
 * removed must not leave the queues, the store and the connection open. Returns the steps that failed,
 * with their errors, for the caller to report.
 */
export async function closeEach(steps: readonly CloseStep[]): Promise<{ name: string; error: unknown }[]> {
  const failures: { name: string; error: unknown }[] = [];
  for (const step of steps) {
    try {
      await step.close();
    } catch (error) {
      failures.push({ name: step.name, error });
    }
  }
  return failures;
}

/** True when `work` settled (either way) within `ms`; it is left running otherwise. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = work.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([
    settled,
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, ms));
    }),
  ]);
  clearTimeout(timer);
  return result;
}

/**
 * A worker's shutdown: stop the schedulers' upkeep, let running jobs finish until the deadline (then leave
 * them to another worker), and release every resource in order, each even if an earlier one failed. A
 * connection that does not say goodbye in time is dropped.
 */
export async function shutdown(steps: {
  config: PimwatchConfig;
  log: Logger;
  stopSchedulers(): void;
  workers: Worker[];
  release: readonly CloseStep[];
  drop(): void;
}): Promise<void> {
  const { config, log } = steps;
  log.info({ timeoutMs: config.worker.shutdownTimeoutMs }, 'worker stopping');
  steps.stopSchedulers();
  const deadline = Date.now() + config.worker.shutdownTimeoutMs;
  const graceful = await settlesWithin(
    Promise.all(steps.workers.map((w) => w.close())),
    deadline - Date.now(),
  );
  if (!graceful) {
    log.warn(
      'workers did not stop in time (jobs still running, or Redis not answering); leaving their jobs to another worker',
    );
    // Not awaited: with Redis away even a forced close can wait for it.
    Promise.all(steps.workers.map((w) => w.close(true))).catch(() => {});
  }
  let failed = false;
  const released = await settlesWithin(
    closeEach(steps.release).then((failures) => {
      for (const { name, error } of failures) {
        log.warn({ step: name, err: (error as Error)?.message ?? String(error) }, 'shutdown step failed');
      }
      failed = failures.length > 0;
    }),
    Math.max(deadline - Date.now(), CLEANUP_MS),
  );
  if (!released || failed) {
    if (!released) log.warn('redis did not answer during shutdown; connections dropped');
    steps.drop();
  }
  log.info('worker stopped');
}
