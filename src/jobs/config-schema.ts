import { z } from 'zod';

/** How a worker process runs jobs. */
export const workerConfigSchema = z
  .object({
    /** Scans one worker runs at once (different tenants; one tenant never has two). @defaultValue 2 */
    concurrency: z.number().int().min(1).max(64).default(2),
    /** Notifications one worker sends at once. @defaultValue 4 */
    notifyConcurrency: z.number().int().min(1).max(64).default(4),
    /** Tries of a scan that fails for a transient reason (Graph down, Redis hiccup). @defaultValue 3 */
    scanAttempts: z.number().int().min(1).max(20).default(3),
    /** First wait before a retry; it doubles each time. @defaultValue 30000 */
    backoffMs: z.number().int().min(100).default(30_000),
    /** How long shutdown waits for running jobs before handing them back to the queue. @defaultValue 30000 */
    shutdownTimeoutMs: z.number().int().min(0).default(30_000),
    /** A job whose worker stopped renewing its lock for this long is handed to another worker. @defaultValue 30000 */
    lockDurationMs: z.number().int().min(500).default(30_000),
    /** How often workers look for such stalled jobs. @defaultValue 30000 */
    stalledIntervalMs: z.number().int().min(500).default(30_000),
    /** How often a worker says it is alive (for /readyz). @defaultValue 10000 */
    heartbeatIntervalMs: z.number().int().min(100).default(10_000),
    /**
     * How often a worker checks that every tenant still has its job scheduler and recreates missing ones
     * (Redis restarted without persistence, a FLUSHALL); it also checks on every reconnect. @defaultValue 60000
     */
    schedulerReconcileIntervalMs: z.number().int().min(1000).default(60_000),
    /**
     * A tenant's cron pattern may not fire more often than this: a scan reads the whole tenant and costs
     * Graph throttle budget. Lower it only for tests. @defaultValue 300 (5 minutes)
     */
    minScheduleIntervalSeconds: z.number().int().min(1).default(300),
    /** Finished jobs kept for `GET /api/v1/scans/:id` and duplicate protection. @defaultValue 7 days */
    keepFinishedJobsSeconds: z
      .number()
      .int()
      .min(60)
      .default(7 * 24 * 3600),
  })
  .strict();
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
