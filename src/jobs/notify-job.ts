import { createHash, randomUUID } from 'node:crypto';
import { type Queue, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { PimwatchConfig, TenantConfig } from '../config/schema.js';
import { type GraphSession, openGraphSession } from '../graph/session.js';
import type { Logger } from '../log.js';
import type { Transition } from '../model/lifecycle.js';
import { CHANNEL_KINDS, type ChannelKindTable } from '../notifiers/channel-kinds.js';
import {
  buildChannels,
  deliveryKey,
  describeChannels,
  type NotificationChannel,
  type RenderedNotification,
} from '../notifiers/channels.js';
import { type DeliveryOutcome, retryable, retryDelayMs } from '../notifiers/delivery.js';
import { renderContextFor } from '../notifiers/links.js';
import { routeTransition, routingRulesFor } from '../notifiers/routing.js';
import type { StateStore } from '../store/state-store.js';
import type { JobOf } from './job-map.js';
import type { MetricsRecorder } from './metrics-recorder.js';
import { keepFinished } from './queues.js';

export const NOTIFY_JOB = 'notify';

/** Ids only: the transitions are read back from the state store, which keeps every committed scan's. */
export const notifyPayloadSchema = z
  .object({
    tenantId: z.guid(),
    scanId: z.string().min(1),
    channel: z.string().min(1),
    eventIds: z.array(z.string().min(1)).min(1),
  })
  .strict();
export type NotifyPayload = z.infer<typeof notifyPayloadSchema>;

/** A delivery that may succeed later (throttled, receiver down): BullMQ retries it with our backoff. */
export class RetryableDeliveryError extends Error {
  override name = 'RetryableDeliveryError';
  constructor(
    message: string,
    readonly outcome: DeliveryOutcome,
  ) {
    super(message);
  }
}

function deliveryHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

/** A BullMQ job id: stable for one delivery, free of `:` (which BullMQ refuses in custom ids). */
function jobIdFor(key: string): string {
  return `n-${deliveryHash(key)}`;
}

function deliveredKey(keyPrefix: string, key: string): string {
  return `${keyPrefix}:delivered:${deliveryHash(key)}`;
}

/** Held by the run that is sending a delivery right now. */
function sendingKey(keyPrefix: string, key: string): string {
  return `${keyPrefix}:sending:${deliveryHash(key)}`;
}

/** How long "this was delivered" is remembered: longer than any job can be retried. */
const DELIVERED_TTL_SECONDS = 30 * 24 * 3600;

/** Added to a channel's send timeout for the claim's lease: rendering, reading secrets, Redis round trips. */
const CLAIM_MARGIN_MS = 10_000;

/** Deletes the claim only if this run still holds it (its lease may have run out and passed on). */
const RELEASE_CLAIM = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * Turns a scan's transitions into notify jobs: one per transition and per-transition channel, one per
 * scan and digest channel, each with a job id derived from what it delivers, so the same delivery is
 * never queued twice (a retried scan job queues nothing new).
 */
export function createNotificationEnqueuer(deps: {
  config: PimwatchConfig;
  queue: Queue;
  logger: Logger;
  /** @defaultValue `CHANNEL_KINDS` */
  channelKinds?: ChannelKindTable;
}) {
  // Names and modes only: queuing needs no senders (and no Graph session for a Graph mail channel).
  const channels = describeChannels(deps.config.notifiers, deps.channelKinds);
  return async (tenant: TenantConfig, scanId: string, transitions: Transition[]): Promise<number> => {
    const rules = routingRulesFor(deps.config.notifiers, tenant);
    const byChannel = new Map<string, Transition[]>();
    for (const transition of transitions) {
      for (const name of routeTransition(transition, rules)) {
        if (!byChannel.has(name)) byChannel.set(name, []);
        byChannel.get(name)!.push(transition);
      }
    }
    const jobs: { name: string; data: NotifyPayload; opts: Record<string, unknown> }[] = [];
    for (const [name, routed] of byChannel) {
      const channel = channels.get(name);
      if (!channel) continue;
      const groups = channel.mode === 'digest' ? [routed] : routed.map((t) => [t]);
      for (const group of groups) {
        const key = deliveryKey(name, group);
        jobs.push({
          name: NOTIFY_JOB,
          data: { tenantId: tenant.id, scanId, channel: name, eventIds: group.map((t) => t.eventId) },
          opts: {
            jobId: jobIdFor(key),
            attempts: channel.retry.attempts,
            backoff: { type: 'delivery' },
            ...keepFinished(deps.config.worker),
          },
        });
      }
    }
    if (jobs.length > 0) await deps.queue.addBulk(jobs);
    deps.logger.debug({ tenantId: tenant.id, scanId, jobs: jobs.length }, 'notifications queued');
    return jobs.length;
  };
}

export interface NotifyJobDeps {
  config: PimwatchConfig;
  store: StateStore;
  metrics: MetricsRecorder;
  redis: Redis;
  logger: Logger;
  openSession?: (tenant: TenantConfig) => GraphSession;
  /** The channel kinds `config.notifiers` is read with. @defaultValue `CHANNEL_KINDS` */
  channelKinds?: ChannelKindTable;
}

/**
 * BullMQ's custom backoff: the retry policy of the job's channel (its schedule, or doubling delays), with
 * the receiver's Retry-After. A channel no longer configured gets `notifiers.delivery`'s backoff (its
 * next attempt fails at once as unconfigured anyway).
 */
export function deliveryBackoff(config: PimwatchConfig, kinds: ChannelKindTable = CHANNEL_KINDS) {
  const channels = describeChannels(config.notifiers, kinds);
  return (
    attemptsMade: number,
    _type: string | undefined,
    error: Error | undefined,
    job?: { data?: unknown },
  ): number => {
    const outcome: DeliveryOutcome =
      error instanceof RetryableDeliveryError ? error.outcome : { status: 'retryable', reason: 'error' };
    const name = (job?.data as { channel?: unknown } | undefined)?.channel;
    const channel = typeof name === 'string' ? channels.get(name) : undefined;
    return channel
      ? channel.retry.delayMs(outcome, attemptsMade)
      : retryDelayMs(outcome, attemptsMade, config.notifiers.delivery);
  };
}

export type NotifyJobResult = { channel: string; outcome: 'delivered' | 'alreadyDelivered'; note?: string };

/** The notify queue's processor, and `close()` for what it opened (Graph sessions of mail channels). */
export interface NotifyProcessor {
  (job: JobOf<'notify'>, signal?: AbortSignal): Promise<NotifyJobResult>;
  close(): Promise<void>;
}

/** What one run of a notify job works on, once its payload has been checked against config and store. */
interface NotifyWork {
  job: JobOf<'notify'>;
  tenant: TenantConfig;
  channel: NotificationChannel;
  transitions: Transition[];
  /** The "delivered" marker's key. */
  marker: string;
  log: Logger;
}

/** Graph sessions of configured tenants, opened on first use and closed with the processor. */
function tenantSessions(deps: NotifyJobDeps) {
  const openSession =
    deps.openSession ??
    ((tenant: TenantConfig) =>
      // A sendMail retried inside the HTTP layer after a timeout could go out twice: no retries there.
      openGraphSession(tenant, { ...deps.config.graph, maxRetries: 0 }));
  const sessions = new Map<string, GraphSession>();
  return {
    sessionFor(tenantId: string, use: string): GraphSession {
      const tenant = findTenant(deps.config, tenantId);
      if (!tenant) throw new Error(`${use} tenant ${tenantId} is not configured`);
      let session = sessions.get(tenant.id);
      if (!session) {
        session = openSession(tenant);
        sessions.set(tenant.id, session);
      }
      return session;
    },
    async close(): Promise<void> {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(open.map((session) => session.close()));
    },
  };
}

function findTenant(config: PimwatchConfig, tenantId: string): TenantConfig | undefined {
  return config.tenants.find((t) => t.id.toLowerCase() === tenantId.toLowerCase());
}

/**
 * The fields of the one log line a delivery attempt gets: what identifies it, and nothing that could be
 * a secret (reasons are sanitised by the senders).
 */
function outcomeFields(rendered: RenderedNotification, outcome: DeliveryOutcome, attempt: number) {
  return {
    kind: rendered.kind,
    deliveryKey: rendered.deliveryKey,
    events: rendered.eventIds.length,
    outcome: outcome.status,
    attempt,
    ...(outcome.status !== 'delivered' ? { reason: outcome.reason } : {}),
    ...(outcome.status === 'delivered' && outcome.note ? { note: outcome.note } : {}),
    ...(outcome.status === 'retryable' && outcome.retryAfterMs !== undefined
      ? { retryAfterMs: outcome.retryAfterMs }
      : {}),
    ...(outcome.status === 'retryable' && outcome.maybeDelivered ? { maybeDelivered: true } : {}),
  };
}

/**
 * Delivers one notification. A delivery already made (marker in Redis) is never made again, so a job
 * that runs twice (its worker died after sending, or it was retried) sends once. Two runs of one job at
 * the same time (a stalled job handed to a second worker while the first is still sending) are kept
 * apart by a claim on the delivery, leased for as long as one send can take: the second run does not
 * send but is retried after the lease, and then finds the delivery made. Permanent failures (a 4xx
 * other than 408/429, a bad address) fail the job at once with the reason; transient ones are retried
 * on the channel's retry schedule. A failure after which the receiver may have the message anyway is
 * retried only on a channel whose kind can drop duplicates: "never twice" wins over "maybe once more".
 * Every outcome is logged once, here.
 */
export function createNotifyProcessor(deps: NotifyJobDeps): NotifyProcessor {
  const sessions = tenantSessions(deps);
  const channels = buildChannels(
    deps.config.notifiers,
    {
      graphSessionFor: (tenantId) => sessions.sessionFor(tenantId, 'mail transport').http,
      azureAccessFor: (tenantId) => {
        const session = sessions.sessionFor(tenantId, 'Sentinel credential');
        return {
          credential: session.credential,
          ...(session.trust.httpsAgent ? { agent: session.trust.httpsAgent } : {}),
        };
      },
    },
    deps.channelKinds,
  );

  const processor = async (job: JobOf<'notify'>, signal?: AbortSignal): Promise<NotifyJobResult> => {
    const work = await loadWork(deps, channels, job);
    // A cancelled job sends nothing; once the claim is taken the send runs to its end, so the marker
    // and the receiver never disagree.
    signal?.throwIfAborted();
    return claimAndDeliver(deps, work);
  };
  return Object.assign(processor, { close: sessions.close });
}

/** Checks the payload against the configuration and the store. @throws UnrecoverableError when it cannot be delivered */
async function loadWork(
  deps: NotifyJobDeps,
  channels: ReadonlyMap<string, NotificationChannel>,
  job: JobOf<'notify'>,
): Promise<NotifyWork> {
  const parsed = notifyPayloadSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid notify job data: ${parsed.error.issues[0]?.message}`);
  const { tenantId, scanId, channel: channelName, eventIds } = parsed.data;
  const log = deps.logger.child({ jobId: job.id, tenantId, scanId, channel: channelName });
  const tenant = findTenant(deps.config, tenantId);
  const channel = channels.get(channelName);
  if (!tenant) throw new UnrecoverableError(`tenant ${tenantId} is no longer configured`);
  if (!channel) throw new UnrecoverableError(`channel ${channelName} is no longer configured`);

  const applied = await deps.store.getAppliedTransitions(tenantId, scanId);
  if (!applied) throw new UnrecoverableError(`the transitions of scan ${scanId} are no longer kept`);
  const wanted = new Set(eventIds);
  const transitions = applied.filter((t) => wanted.has(t.eventId));
  if (transitions.length !== wanted.size) {
    throw new UnrecoverableError(`scan ${scanId} has no transition with some of the event ids of this job`);
  }
  const marker = deliveredKey(deps.config.redis.keyPrefix, deliveryKey(channelName, transitions));
  return { job, tenant, channel, transitions, marker, log };
}

/** Sends unless the delivery was made, holding a claim on it so an overlapping run does not send too. */
async function claimAndDeliver(deps: NotifyJobDeps, work: NotifyWork): Promise<NotifyJobResult> {
  const { redis } = deps;
  const { channel, log, marker } = work;
  if ((await redis.exists(marker)) === 1) return alreadyDelivered(deps, work);

  // Checking the marker and sending are not one step: without a claim, two overlapping runs would
  // both find no marker and both send.
  const claim = sendingKey(deps.config.redis.keyPrefix, deliveryKey(channel.name, work.transitions));
  const token = `${work.job.id}:${randomUUID()}`;
  const leaseMs = channel.sendTimeoutMs + CLAIM_MARGIN_MS;
  if ((await redis.set(claim, token, 'PX', leaseMs, 'NX')) !== 'OK') {
    if ((await redis.exists(marker)) === 1) return alreadyDelivered(deps, work);
    const remainingMs = Math.max(0, await redis.pttl(claim));
    log.info({ retryAfterMs: remainingMs }, 'another run is sending this notification; retrying after it');
    throw new RetryableDeliveryError(
      'another run of this job is sending it',
      retryable('another run of this job is sending it', { retryAfterMs: remainingMs + 100 }),
    );
  }
  try {
    // The run that held the claim before this one may have finished between the two checks.
    if ((await redis.exists(marker)) === 1) return await alreadyDelivered(deps, work);
    return await deliver(deps, work);
  } finally {
    await redis.eval(RELEASE_CLAIM, 1, claim, token).catch((error: unknown) => {
      // The lease runs out by itself; a later run only waits a little longer.
      log.warn({ err: (error as Error)?.message }, 'could not release the delivery claim');
    });
  }
}

async function alreadyDelivered(deps: NotifyJobDeps, work: NotifyWork): Promise<NotifyJobResult> {
  await deps.metrics.recordNotification(work.channel.kind, 'skipped');
  work.log.info('already delivered; not sending again');
  return { channel: work.channel.name, outcome: 'alreadyDelivered' };
}

/** Renders and sends; records, logs (once) and turns the outcome into the job's result or error. */
async function deliver(deps: NotifyJobDeps, work: NotifyWork): Promise<NotifyJobResult> {
  const { channel, log, marker } = work;
  const rendered = channel.render(work.transitions, renderContextFor(work.tenant, deps.config.notifiers));
  const outcome = await channel.send(rendered);
  const fields = outcomeFields(rendered, outcome, work.job.attemptsMade + 1);
  if (outcome.status === 'delivered') {
    // The marker first: a send that went out must never be repeated because counting it failed.
    await deps.redis.set(marker, String(Date.now()), 'EX', DELIVERED_TTL_SECONDS);
    await deps.metrics.recordNotification(channel.kind, 'delivered');
    log.info(fields, 'notification delivered');
    return { channel: channel.name, outcome: 'delivered', ...(outcome.note ? { note: outcome.note } : {}) };
  }
  await deps.metrics.recordNotification(channel.kind, outcome.status);
  if (outcome.status === 'permanent') {
    log.error(fields, 'notification failed permanently');
    throw new UnrecoverableError(`permanent delivery failure: ${outcome.reason}`);
  }
  if (outcome.maybeDelivered && !channel.retryWhenMaybeDelivered) {
    await deps.redis.set(marker, 'uncertain', 'EX', DELIVERED_TTL_SECONDS);
    log.warn(fields, 'notification may have arrived; not retried to avoid a duplicate');
    throw new UnrecoverableError(
      `delivery uncertain, not retried (${channel.kind} cannot drop duplicates): ${outcome.reason}`,
    );
  }
  log.warn(fields, 'notification will be retried');
  throw new RetryableDeliveryError(outcome.reason, outcome);
}
