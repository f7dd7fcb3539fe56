import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { PimwatchConfig } from '../config/schema.js';
import { isConsoleRoute, registerConsole } from '../console/routes.js';
import { formatIssues } from '../errors.js';
import { liveWorkers } from '../jobs/heartbeat.js';
import type { MetricsRecorder } from '../jobs/metrics-recorder.js';
import type { Queues } from '../jobs/queues.js';
import { enqueueScan, SCAN_JOB } from '../jobs/scan-trigger.js';
import { tenantsWithoutScheduler } from '../jobs/schedulers.js';
import type { Logger } from '../log.js';
import { ALERT_IDS } from '../model/alerts.js';
import { INCIDENT_STATES } from '../model/lifecycle.js';
import { renderFeedEvent } from '../notifiers/feed-event.js';
import { renderContextFor } from '../notifiers/links.js';
import { toOcsfDetectionFinding } from '../notifiers/ocsf.js';
import { FeedCursorConflictError, FeedQueryError } from '../store/errors.js';
import { MAX_FEED_PAGE, type StateStore } from '../store/state-store.js';
import { type ApiKey, authenticate } from './auth.js';
import { createMetricsEndpoint } from './metrics.js';
import {
  asRedisUnavailable,
  REDIS_RETRY_AFTER_SECONDS,
  RedisUnavailableError,
  withinDeadline,
} from './redis-deadline.js';

export interface ApiDeps {
  config: PimwatchConfig;
  /** A plain (non-blocking) connection: health checks and metrics. */
  redis: Redis;
  queues: Queues;
  store: StateStore;
  recorder: MetricsRecorder;
  apiKeys: readonly ApiKey[];
  logger: Logger;
}

const triggerBody = z.object({ tenantId: z.guid('must be a tenant id (a GUID)') }).strict();
const incidentsQuery = z
  .object({
    state: z.enum([...INCIDENT_STATES, 'active']).optional(),
    alert: z.enum(ALERT_IDS).optional(),
  })
  .strict();
const feedQuery = z
  .object({
    // Whether the cursor is a stream id within the feed is the store's call: a 409 with the feed's bounds.
    cursor: z.string().max(64, 'must be a cursor this feed handed out (at most 64 characters)').optional(),
    limit: z.coerce.number().int().min(1).max(MAX_FEED_PAGE).default(100),
    tenantId: z.guid().optional(),
    format: z.enum(['json', 'ndjson', 'ocsf', 'ocsf-ndjson']).default('json'),
  })
  .strict();

/** Probes a load balancer or orchestrator calls without a key. */
const OPEN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/** Lets a 400 say "required" only for an absent value, and what is wrong with a present one. */
const REPORT_INPUT = { reportInput: true } as const;

function badRequest(reply: FastifyReply, what: string, error: z.ZodError) {
  return reply.code(400).send({ error: `invalid ${what}`, problems: formatIssues(error.issues) });
}

/**
 * The HTTP API: trigger scans, read scans and incidents, the SOC feed, health and metrics. It only
 * enqueues jobs and reads state; workers do the scanning. Everything under /api and /metrics needs an
 * API key as a bearer token.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const { config, queues, store } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;
  const metrics = createMetricsEndpoint({ config, redis: deps.redis, recorder: deps.recorder, store });
  const tenantById = (id: string) => config.tenants.find((t) => t.id.toLowerCase() === id.toLowerCase());

  /** Redis work of one request, given up after `api.redisTimeoutMs` (then a 503 with Retry-After). */
  const bounded = <T>(work: (signal: AbortSignal) => Promise<T>) =>
    withinDeadline(work, config.api.redisTimeoutMs);

  app.addHook('onRequest', async (request, reply) => {
    // The matched route decides, not the raw URL: `/healthz?x=1` and `/readyz/` are the open probes too.
    if (OPEN_PATHS.has(request.routeOptions.url ?? '') || isConsoleRoute(request)) return;
    const caller = authenticate(request.headers.authorization, deps.apiKeys);
    if (!caller) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="pimwatch"')
        .send({ error: 'an API key is required: Authorization: Bearer <key>' });
    }
    (request as { caller?: string }).caller = caller;
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const unavailable = asRedisUnavailable(error);
    if (unavailable instanceof RedisUnavailableError) {
      return reply
        .code(503)
        .header('retry-after', String(REDIS_RETRY_AFTER_SECONDS))
        .send({ error: 'redis is unavailable; try again later' });
    }
    if (error instanceof FeedCursorConflictError) {
      return reply
        .code(409)
        .send({ error: error.message, firstCursor: error.firstCursor, lastCursor: error.lastCursor });
    }
    if (error instanceof FeedQueryError) return reply.code(400).send({ error: error.message });
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) deps.logger.error({ err: error.message }, 'api request failed');
    return reply.code(status).send({ error: status === 500 ? 'internal error' : error.message });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    let workers: string[];
    let unscheduled: string[];
    try {
      [workers, unscheduled] = await bounded(async () => {
        await deps.redis.ping();
        return Promise.all([
          liveWorkers(deps.redis, config.redis.keyPrefix, config.api.workerStaleAfterMs),
          tenantsWithoutScheduler(queues.scan, config.tenants),
        ]);
      });
    } catch (error) {
      const cause = asRedisUnavailable(error);
      if (!(cause instanceof RedisUnavailableError)) throw error;
      return reply
        .code(503)
        .header('retry-after', String(REDIS_RETRY_AFTER_SECONDS))
        .send({ status: 'unavailable', redis: `unreachable: ${cause.message}` });
    }
    const reasons = [
      ...(workers.length === 0 ? ['no worker seen lately'] : []),
      ...(unscheduled.length > 0 ? [`${unscheduled.length} tenant(s) have no job scheduler`] : []),
    ];
    const body = { redis: 'ok', workers: workers.length, tenantsWithoutScheduler: unscheduled };
    if (reasons.length > 0) {
      return reply.code(503).send({ status: 'unavailable', ...body, reason: reasons.join('; ') });
    }
    return { status: 'ready', ...body };
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await bounded(() => metrics.render());
    return reply.header('content-type', metrics.contentType).send(text);
  });

  app.post('/api/v1/scans', async (request, reply) => {
    const body = triggerBody.safeParse(request.body ?? {}, REPORT_INPUT);
    if (!body.success) return badRequest(reply, 'request body', body.error);
    const tenant = tenantById(body.data.tenantId);
    if (!tenant) return reply.code(404).send({ error: `tenant ${body.data.tenantId} is not configured` });
    // Nothing waits for Redis to come back (no offline queue, no re-sending after a reconnect), and
    // enqueueScan reads before it writes and stops once given up on, so the add is never sent late.
    const enqueued = await bounded((signal) =>
      enqueueScan(
        queues.scan,
        config.worker,
        {
          tenantId: tenant.id,
          trigger: 'api',
          requestedBy: (request as { caller?: string }).caller ?? 'api',
        },
        signal,
      ),
    );
    return reply.code(enqueued.existing ? 200 : 202).send({
      scanId: enqueued.scanId,
      tenantId: tenant.id,
      status: enqueued.existing ? 'joined' : 'queued',
      joined: enqueued.existing,
      statusUrl: `/api/v1/scans/${encodeURIComponent(enqueued.scanId)}`,
    });
  });

  app.get<{ Params: { id: string } }>('/api/v1/scans/:id', async (request, reply) => {
    const found = await bounded(async () => {
      const job = await queues.scan.getJob(request.params.id);
      return job && job.name === SCAN_JOB ? { job, state: await job.getState() } : undefined;
    });
    if (!found) return reply.code(404).send({ error: `no scan ${request.params.id}` });
    const { job, state } = found;
    const result = job.returnvalue as { summary?: unknown; notificationsQueued?: number } | null;
    return {
      scanId: job.id,
      tenantId: (job.data as { tenantId?: string }).tenantId,
      trigger: (job.data as { trigger?: string }).trigger,
      requestedBy: (job.data as { requestedBy?: string }).requestedBy,
      state,
      progress: job.progress,
      attemptsMade: job.attemptsMade,
      queuedAt: new Date(job.timestamp).toISOString(),
      ...(job.processedOn ? { startedAt: new Date(job.processedOn).toISOString() } : {}),
      ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
      ...(result?.summary
        ? { summary: result.summary, notificationsQueued: result.notificationsQueued }
        : {}),
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    };
  });

  app.get<{ Params: { id: string } }>('/api/v1/tenants/:id/incidents', async (request, reply) => {
    const tenant = tenantById(request.params.id);
    if (!tenant) return reply.code(404).send({ error: `tenant ${request.params.id} is not configured` });
    const query = incidentsQuery.safeParse(request.query, REPORT_INPUT);
    if (!query.success) return badRequest(reply, 'query', query.error);
    const state = query.data.state === 'active' ? (['new', 'open', 'reopened'] as const) : query.data.state;
    const incidents = await bounded(() =>
      store.listIncidents(tenant.id, {
        ...(state ? { state } : {}),
        ...(query.data.alert ? { alert: query.data.alert } : {}),
      }),
    );
    return { tenantId: tenant.id, tenantName: tenant.name, count: incidents.length, incidents };
  });

  app.get('/api/v1/feed', async (request, reply) => {
    const query = feedQuery.safeParse(request.query, REPORT_INPUT);
    if (!query.success) return badRequest(reply, 'query', query.error);
    const { cursor, limit, tenantId, format } = query.data;
    const page = await bounded(() =>
      store.readFeed({
        ...(cursor !== undefined ? { cursor } : {}),
        limit,
        ...(tenantId ? { tenantId } : {}),
      }),
    );
    const events = page.events.map(({ cursor: eventCursor, transition }) => {
      const tenant = tenantById(transition.tenantId) ?? {
        id: transition.tenantId,
        name: transition.tenantId,
      };
      const event = renderFeedEvent(transition, renderContextFor(tenant, config.notifiers));
      return {
        cursor: eventCursor,
        event: format.startsWith('ocsf') ? toOcsfDetectionFinding(event) : event,
      };
    });
    // An OCSF event may hold nothing outside its class: its cursor stays beside it, never inside.
    const item = (e: (typeof events)[number]) =>
      format.startsWith('ocsf') ? { cursor: e.cursor, event: e.event } : { cursor: e.cursor, ...e.event };
    if (format.endsWith('ndjson')) {
      reply
        .header('content-type', 'application/x-ndjson')
        .header('x-next-cursor', page.nextCursor)
        .header('x-feed-trimmed', String(page.trimmed));
      // OCSF NDJSON lines are bare events: the page's cursor is in X-Next-Cursor.
      const line = (e: (typeof events)[number]) => (format === 'ocsf-ndjson' ? e.event : item(e));
      return reply.send(events.map((e) => `${JSON.stringify(line(e))}\n`).join(''));
    }
    return {
      events: events.map(item),
      nextCursor: page.nextCursor,
      trimmed: page.trimmed,
    };
  });

  await registerConsole(app, deps);
  return app;
}
