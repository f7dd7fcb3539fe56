import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { PimwatchConfig } from '../config/schema.js';
import { registerConsole } from '../console/routes.js';
import type { MetricsRecorder } from '../jobs/metrics-recorder.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../store/state-store.js';
import type { ApiKey } from './auth.js';
import { apiErrorHandler } from './error-handler.js';
import { keyedRoutes, requireApiKey } from './keyed-routes.js';
import { probeRoutes } from './probe-routes.js';
import { zodInputCompiler } from './request-input.js';

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

/**
 * The HTTP API: trigger scans, read scans and incidents, the SOC feed, health and metrics. It only
 * enqueues jobs and reads state; workers do the scanning. Each part is a Fastify plugin: the open probes,
 * the keyed context (`/metrics` and `/api/v1`, behind an API key as a bearer token), and the console
 * with its own sign-in.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(zodInputCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(apiErrorHandler(deps.logger));
  // A path that matches no route says whether it exists only to a caller with a key, as the API's
  // routes do: without one, every unknown path is a 401.
  app.setNotFoundHandler(async (request, reply) => {
    if (!requireApiKey(request, reply, deps.apiKeys)) return reply;
    return reply.code(404).send({
      message: `Route ${request.method}:${request.url} not found`,
      error: 'Not Found',
      statusCode: 404,
    });
  });
  await app.register(probeRoutes, deps);
  await app.register(keyedRoutes, deps);
  await registerConsole(app, deps);
  return app;
}
