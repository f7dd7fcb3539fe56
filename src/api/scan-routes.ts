import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { enqueueScan, SCAN_JOB } from '../jobs/scan-trigger.js';
import type { ApiDeps } from './app.js';
import { boundedRedis, tenantById } from './route-support.js';

// No body at all reads as an empty one, so the 400 names the missing tenantId.
const triggerBody = z.preprocess(
  (body) => body ?? {},
  z.object({ tenantId: z.guid('must be a tenant id (a GUID)') }).strict(),
);

const scanParams = z.object({ id: z.string() });

/** `POST /scans` asks the workers for a scan (or joins the running one); `GET /scans/:id` follows it. */
export const scanRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { config, queues } = deps;
  const bounded = boundedRedis(config);

  app.post('/scans', { schema: { body: triggerBody } }, async (request, reply) => {
    const tenant = tenantById(config, request.body.tenantId);
    if (!tenant) return reply.code(404).send({ error: `tenant ${request.body.tenantId} is not configured` });
    // Nothing waits for Redis to come back (no offline queue, no re-sending after a reconnect), and
    // enqueueScan reads before it writes and stops once given up on, so the add is never sent late.
    const enqueued = await bounded((signal) =>
      enqueueScan(
        queues.scan,
        config.worker,
        { tenantId: tenant.id, trigger: 'api', requestedBy: request.caller ?? 'api' },
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

  app.get('/scans/:id', { schema: { params: scanParams } }, async (request, reply) => {
    const found = await bounded(async () => {
      const job = await queues.scan.getJob(request.params.id);
      return job && job.name === SCAN_JOB ? { job, state: await job.getState() } : undefined;
    });
    if (!found) return reply.code(404).send({ error: `no scan ${request.params.id}` });
    const { job, state } = found;
    const result = job.returnvalue as { summary?: unknown; notificationsQueued?: number } | null;
    const data = job.data as { tenantId?: string; trigger?: string; requestedBy?: string };
    return {
      scanId: job.id,
      tenantId: data.tenantId,
      trigger: data.trigger,
      requestedBy: data.requestedBy,
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
};
