import type { FastifyPluginAsync } from 'fastify';
import { liveWorkers } from '../jobs/heartbeat.js';
import { tenantsWithoutScheduler } from '../jobs/schedulers.js';
import type { ApiDeps } from './app.js';
import { asRedisUnavailable, RedisUnavailableError } from './redis-deadline.js';
import { boundedRedis, serviceUnavailable } from './route-support.js';

/** Live workers and tenants without a job scheduler, or the Redis outage that hides them. */
async function readiness(deps: ApiDeps) {
  const { config } = deps;
  try {
    const [workers, unscheduled] = await boundedRedis(config)(async () => {
      await deps.redis.ping();
      return Promise.all([
        liveWorkers(deps.redis, config.redis.keyPrefix, config.api.workerStaleAfterMs),
        tenantsWithoutScheduler(deps.queues.scan, config.tenants),
      ]);
    });
    return { workers, unscheduled };
  } catch (error) {
    const cause = asRedisUnavailable(error);
    if (!(cause instanceof RedisUnavailableError)) throw error;
    return { unreachable: cause.message };
  }
}

/**
 * `/healthz` and `/readyz`: the probes a load balancer or orchestrator calls, open without a key
 * because they are registered outside the API's authenticated context.
 */
export const probeRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const ready = await readiness(deps);
    if ('unreachable' in ready) {
      return serviceUnavailable(reply, { status: 'unavailable', redis: `unreachable: ${ready.unreachable}` });
    }
    const { workers, unscheduled } = ready;
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
};
