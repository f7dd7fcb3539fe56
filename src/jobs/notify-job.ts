import { createHash } from 'node:crypto';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { PimwatchConfig, TenantConfig } from '../config/schema.js';
import { type GraphSession, openGraphSession } from '../graph/session.js';
import type { Logger } from '../log.js';
import type { Transition } from '../model/lifecycle.js';
import { buildChannels, deliveryKey, type NotificationChannel } from '../notifiers/channels.js';
import { type DeliveryOutcome, retryDelayMs } from '../notifiers/delivery.js';
import { renderContextFor } from '../notifiers/links.js';
import { routeTransition, routingRulesFor } from '../notifiers/routing.js';
import type { StateStore } from '../store/state-store.js';
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

/** A BullMQ job id: stable for one delivery, free of `:` (which BullMQ refuses in custom ids). */
function jobIdFor(key: string): string {
  return `n-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

function deliveredKey(keyPrefix: string, key: string): string {
  return `${keyPrefix}:delivered:${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/** How long "this was delivered" is remembered: longer than any job can be retried. */
const DELIVERED_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Turns a scan's transitions into notify jobs: one per transition and per-transition channel, one per
 * scan and digest channel, each with a job id derived from what it delivers, so the same delivery is
 * never queued twice (a retried scan job queues nothing new).
 */
export function createNotificationEnqueuer(deps: { config: PimwatchConfig; queue: Queue; logger: Logger }) {
  const channels = buildChannels(deps.config.notifiers, { logger: deps.logger });
  const { attempts } = deps.config.notifiers.delivery;
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
      const groups =
        channel.mode === 'digest' && channel.kind !== 'webhook' ? [routed] : routed.map((t) => [t]);
      for (const group of groups) {
        const key = deliveryKey(name, group);
        jobs.push({
          name: NOTIFY_JOB,
          data: { tenantId: tenant.id, scanId, channel: name, eventIds: group.map((t) => t.eventId) },
          opts: {
            jobId: jobIdFor(key),
            attempts,
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
}

/** BullMQ's custom backoff: the receiver's Retry-After when it gave one, otherwise doubling delays. */
export function deliveryBackoff(config: PimwatchConfig) {
  return (attemptsMade: number, _type: string | undefined, error: Error | undefined): number => {
    const outcome: DeliveryOutcome =
      error instanceof RetryableDeliveryError ? error.outcome : { status: 'retryable', reason: 'error' };
    return retryDelayMs(outcome, attemptsMade, config.notifiers.delivery);
  };
}

/**
 * Delivers one notification. A delivery already made (marker in Redis) is never made again, so a job
 * that runs twice (its worker died after sending, or it was retried) sends once. Permanent failures
 * (a 4xx other than 408/429, a bad address) fail the job at once with the reason; transient ones are
 * retried with backoff. A Teams post that timed out after it was sent is not retried: Teams cannot
 * drop a duplicate, and "never twice" wins over "maybe once more".
 */
export function createNotifyProcessor(deps: NotifyJobDeps) {
  const openSession =
    deps.openSession ??
    ((tenant: TenantConfig) =>
      // A sendMail retried inside the HTTP layer after a timeout could go out twice: no retries there.
      openGraphSession(tenant, { ...deps.config.graph, maxRetries: 0 }));
  const sessions = new Map<string, GraphSession>();
  const channels = buildChannels(deps.config.notifiers, {
    logger: deps.logger,
    graphSessionFor: (tenantId) => {
      const tenant = deps.config.tenants.find((t) => t.id.toLowerCase() === tenantId.toLowerCase());
      if (!tenant) throw new Error(`mail transport tenant ${tenantId} is not configured`);
      let session = sessions.get(tenant.id);
      if (!session) {
        session = openSession(tenant);
        sessions.set(tenant.id, session);
      }
      return session.http;
    },
  });

  return async (job: Job): Promise<{ channel: string; outcome: string; note?: string }> => {
    const parsed = notifyPayloadSchema.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid notify job data: ${parsed.error.issues[0]?.message}`);
    const { tenantId, scanId, channel: channelName, eventIds } = parsed.data;
    const log = deps.logger.child({ jobId: job.id, tenantId, scanId, channel: channelName });
    const tenant = deps.config.tenants.find((t) => t.id.toLowerCase() === tenantId.toLowerCase());
    const channel: NotificationChannel | undefined = channels.get(channelName);
    if (!tenant) throw new UnrecoverableError(`tenant ${tenantId} is no longer configured`);
    if (!channel) throw new UnrecoverableError(`channel ${channelName} is no longer configured`);

    const applied = await deps.store.getAppliedTransitions(tenantId, scanId);
    if (!applied) throw new UnrecoverableError(`the transitions of scan ${scanId} are no longer kept`);
    const wanted = new Set(eventIds);
    const transitions = applied.filter((t) => wanted.has(t.eventId));
    if (transitions.length !== wanted.size) {
      throw new UnrecoverableError(`scan ${scanId} has no transition with some of the event ids of this job`);
    }
    const key = deliveryKey(channelName, transitions);
    const marker = deliveredKey(deps.config.redis.keyPrefix, key);
    if ((await deps.redis.exists(marker)) === 1) {
      await deps.metrics.recordNotification(channel.kind, 'skipped');
      log.info('already delivered; not sending again');
      return { channel: channelName, outcome: 'alreadyDelivered' };
    }

    const rendered = channel.render(transitions, renderContextFor(tenant, deps.config.notifiers));
    const outcome = await channel.send(rendered);
    if (outcome.status === 'delivered') {
      await deps.redis.set(marker, String(Date.now()), 'EX', DELIVERED_TTL_SECONDS);
      await deps.metrics.recordNotification(channel.kind, 'delivered');
      log.info({ transitions: transitions.length }, 'notification delivered');
      return { channel: channelName, outcome: 'delivered', ...(outcome.note ? { note: outcome.note } : {}) };
    }
    await deps.metrics.recordNotification(channel.kind, outcome.status);
    if (outcome.status === 'permanent') {
      log.warn({ reason: outcome.reason }, 'notification failed permanently');
      throw new UnrecoverableError(`permanent delivery failure: ${outcome.reason}`);
    }
    if (outcome.maybeDelivered && channel.kind === 'teams') {
      await deps.redis.set(marker, 'uncertain', 'EX', DELIVERED_TTL_SECONDS);
      log.warn({ reason: outcome.reason }, 'Teams post may have arrived; not retried to avoid a duplicate');
      throw new UnrecoverableError(
        `delivery uncertain, not retried (Teams cannot drop duplicates): ${outcome.reason}`,
      );
    }
    log.warn({ reason: outcome.reason, attempt: job.attemptsMade + 1 }, 'notification will be retried');
    throw new RetryableDeliveryError(outcome.reason, outcome);
  };
}
