import { type Job, type Processor, type Queue, UnrecoverableError } from 'bullmq';
import type { NotifyJobResult, NotifyPayload } from './notify-job.js';
import type { ScanJobResult } from './scan-job.js';
import type { ScanPayload } from './scan-trigger.js';

/** What a scheduler's tick returns: the scan it queued, or the one already waiting that it joined. */
export interface TickResult {
  enqueued: string;
  existing: boolean;
}

/**
 * Every job pimwatch queues: the queue it goes to, what it carries (ids only, never secrets) and what it
 * returns. Queues, schedulers, the scan trigger and the worker are typed from this one map, so a new job
 * without a handler is a type error in the worker, not a job that fails at run time.
 */
export interface JobMap {
  scan: { queue: 'scan'; payload: ScanPayload; result: ScanJobResult };
  tick: { queue: 'scan'; payload: ScanPayload; result: TickResult };
  notify: { queue: 'notify'; payload: NotifyPayload; result: NotifyJobResult };
}

export type JobName = keyof JobMap;
export type QueueName = JobMap[JobName]['queue'];
/** The jobs that run on queue `Q`. */
export type JobNameIn<Q extends QueueName> = {
  [N in JobName]: JobMap[N]['queue'] extends Q ? N : never;
}[JobName];
export type PayloadIn<Q extends QueueName> = JobMap[JobNameIn<Q>]['payload'];
export type ResultIn<Q extends QueueName> = JobMap[JobNameIn<Q>]['result'];

/**
 * A queue typed by the map. Job names stay `string` because BullMQ types a job scheduler's id with the
 * job-name type, and scheduler ids are `tenant-…`, not job names.
 */
export type TypedQueue<Q extends QueueName> = Queue<PayloadIn<Q>, ResultIn<Q>, string>;

/** A job as its handler sees it. */
export type JobOf<N extends JobName> = Job<JobMap[N]['payload'], JobMap[N]['result'], N>;

/** Runs one job. `signal` aborts when the job is cancelled (`Worker.cancelJob`); a handler stops then. */
export type JobHandler<N extends JobName> = (
  job: JobOf<N>,
  signal: AbortSignal,
) => Promise<JobMap[N]['result']>;

/** One handler per job of queue `Q`: leaving one out does not compile. */
export type QueueHandlers<Q extends QueueName> = { [N in JobNameIn<Q>]: JobHandler<N> };

/**
 * The processor BullMQ runs for queue `Q`: hands each job to the handler of its name. It declares all
 * three parameters because BullMQ only creates a job's AbortController for a processor that takes the
 * signal (it looks at the function's `length`).
 */
export function processorFor<Q extends QueueName>(
  handlers: QueueHandlers<Q>,
): Processor<PayloadIn<Q>, ResultIn<Q>, string> {
  return async (job, _token, signal) => {
    if (!Object.hasOwn(handlers, job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
    // Redis hands back a name as a plain string; the check above is what makes it one of the map's.
    const handler = handlers[job.name as JobNameIn<Q>] as unknown as (
      job: Job<PayloadIn<Q>, ResultIn<Q>, string>,
      signal: AbortSignal,
    ) => Promise<ResultIn<Q>>;
    return handler(job, signal ?? new AbortController().signal);
  };
}
