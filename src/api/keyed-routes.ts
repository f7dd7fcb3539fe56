import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from './app.js';
import { type ApiKey, authenticate } from './auth.js';
import { feedRoutes } from './feed-routes.js';
import { incidentRoutes } from './incident-routes.js';
import { createMetricsEndpoint } from './metrics.js';
import { boundedRedis } from './route-support.js';
import { scanRoutes } from './scan-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the API key the request presented (set in the API's authenticated context). */
    caller?: string;
  }
}

/**
 * Answers 401 unless the request presents one of the API keys, and otherwise remembers whose key it
 * was. Returns whether the request may go on.
 */
export function requireApiKey(
  request: FastifyRequest,
  reply: FastifyReply,
  keys: readonly ApiKey[],
): boolean {
  const caller = authenticate(request.headers.authorization, keys);
  if (!caller) {
    reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="pimwatch"')
      .send({ error: 'an API key is required: Authorization: Bearer <key>' });
    return false;
  }
  request.caller = caller;
  return true;
}

/**
 * Everything that needs an API key as a bearer token: `/metrics` and the `/api/v1` routes. The key
 * check is this context's own hook, so routes registered elsewhere (probes, console) never see it and
 * no route here can be reached without it.
 */
export const keyedRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.addHook('onRequest', async (request, reply) => {
    if (!requireApiKey(request, reply, deps.apiKeys)) return reply;
  });

  const metrics = createMetricsEndpoint(deps);
  app.get('/metrics', async (_request, reply) => {
    const text = await boundedRedis(deps.config)(() => metrics.render());
    return reply.header('content-type', metrics.contentType).send(text);
  });

  await app.register(scanRoutes, { ...deps, prefix: '/api/v1' });
  await app.register(incidentRoutes, { ...deps, prefix: '/api/v1' });
  await app.register(feedRoutes, { ...deps, prefix: '/api/v1' });
};
