import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SCAN_TRIGGERS } from '../store/state-store.js';
import type { WorkerConfig } from './config-schema.js';
import type { JobName, TypedQueue } from './job-map.js';
import { keepFinished } from './queues.js';

export const SCAN_JOB = 'scan' satisfies JobName;
/** A scheduler's tick: it only enqueues a scan, so schedule and on-demand scans share one duplicate guard. */
export const TICK_JOB = 'tick' satisfies JobName;

/** Job data holds ids only: never secrets, never tenant data. */
export const scanPayloadSchema = z
  .object({
    tenantId: z.guid(),
    trigger: z.enum(SCAN_TRIGGERS),
    /** Who asked (an API key's name, `cli`); never a secret. */
    requestedBy: z.string().max(200).optional(),
    /** A fresh id per request: tells the caller whose add created the job and who joined it. */
    requestId: z.uuid().optional(),
  })
  .strict();
export type ScanPayload = z.infer<typeof scanPayloadSchema>;

/** One running or waiting scan per tenant: BullMQ hands back the existing job for this id. */
export function scanDeduplicationId(tenantId: string): string {
  return `scan-${tenantId.toLowerCase()}`;
}

export function scanJobOptions(worker: WorkerConfig) {
  return {
    attempts: worker.scanAttempts,
    backoff: { type: 'exponential' as const, delay: worker.backoffMs },
    ...keepFinished(worker),
  };
}

export interface EnqueuedScan {
  scanId: string;
  /**
   * True when a scan of this tenant was already waiting or running (someone else's request created it)
   * and the caller joined it.
   */
  existing: boolean;
}

/**
 * Asks for a scan of a tenant. If one is already waiting or running, that one is the answer: a second
 * scan of the same tenant would only race the first.
 */
export async function enqueueScan(
  queue: TypedQueue<'scan'>,
  worker: WorkerConfig,
  payload: ScanPayload,
  /** Aborted when the caller gave up: the scan is then not added, even if Redis answers late. */
  signal?: AbortSignal,
): Promise<EnqueuedScan> {
  const dedupId = scanDeduplicationId(payload.tenantId);
  const requestId = randomUUID();
  const before = await queue.getDeduplicationJobId(dedupId);
  signal?.throwIfAborted();
  const job = await queue.add(SCAN_JOB, scanPayloadSchema.parse({ ...payload, requestId }), {
    ...scanJobOptions(worker),
    deduplication: { id: dedupId },
  });
  if (!job.id) throw new Error('the queue did not assign a job id');
  if (before !== null && before === job.id) return { scanId: job.id, existing: true };
  // Two callers can both see no scan and both add: only the one whose request id the job carries made it.
  const madeBy = (await queue.getJob(job.id))?.data.requestId;
  return { scanId: job.id, existing: madeBy !== undefined && madeBy !== requestId };
}
