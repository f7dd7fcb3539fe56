import { z } from 'zod';

/** How a worker process runs jobs. */
export const workerConfigSchema = z
  .object({
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(2)
      .meta({ description: 'Scans one worker runs at once (different tenants; one tenant never has two).' }),
    notifyConcurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .meta({ description: 'Notifications one worker sends at once.' }),
    scanAttempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(3)
      .meta({ description: 'Tries of a scan that fails for a transient reason (Graph down, Redis hiccup).' }),
    backoffMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .meta({ description: 'First wait before a retry; it doubles each time.' }),
    shutdownTimeoutMs: z.number().int().min(0).default(30_000).meta({
      description: 'How long shutdown waits for running jobs before handing them back to the queue.',
    }),
    lockDurationMs: z.number().int().min(500).default(30_000).meta({
      description: 'A job whose worker stopped renewing its lock for this long is handed to another worker.',
    }),
    stalledIntervalMs: z
      .number()
      .int()
      .min(500)
      .default(30_000)
      .meta({ description: 'How often workers look for such stalled jobs.' }),
    heartbeatIntervalMs: z
      .number()
      .int()
      .min(100)
      .default(10_000)
      .meta({ description: 'How often a worker says it is alive (for /readyz).' }),
    schedulerReconcileIntervalMs: z.number().int().min(1000).default(60_000).meta({
      description:
        'How often a worker checks that every tenant still has its job scheduler and recreates missing ones (Redis restarted without persistence, a FLUSHALL); it also checks on every reconnect.',
    }),
    minScheduleIntervalSeconds: z.number().int().min(1).default(300).meta({
      description:
        "A tenant's cron pattern may not fire more often than this: a scan reads the whole tenant and costs Graph throttle budget. Lower it only for tests.",
    }),
    keepFinishedJobsSeconds: z
      .number()
      .int()
      .min(60)
      .default(7 * 24 * 3600)
      .meta({ description: 'Finished jobs kept for `GET /api/v1/scans/:id` and duplicate protection.' }),
  })
  .strict();
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
