import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ALERT_IDS } from '../model/alerts.js';
import { INCIDENT_STATES } from '../model/lifecycle.js';
import type { ApiDeps } from './app.js';
import { boundedRedis, tenantById } from './route-support.js';

const incidentsQuery = z
  .object({
    state: z.enum([...INCIDENT_STATES, 'active']).optional(),
    alert: z.enum(ALERT_IDS).optional(),
  })
  .strict();

const tenantParams = z.object({ id: z.string() });

/** `GET /tenants/:id/incidents`: what pimwatch remembers about a tenant's incidents, filtered. */
export const incidentRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { config, store } = deps;
  app.get(
    '/tenants/:id/incidents',
    {
      schema: { params: tenantParams, querystring: incidentsQuery },
      // An unknown tenant is a 404 whatever the query says, so this runs before the query is parsed.
      preValidation: async (request, reply) => {
        const { id } = request.params as { id: string };
        if (!tenantById(config, id)) return reply.code(404).send({ error: `tenant ${id} is not configured` });
      },
    },
    async (request) => {
      const tenant = tenantById(config, request.params.id)!;
      const { state, alert } = request.query;
      const states = state === 'active' ? (['new', 'open', 'reopened'] as const) : state;
      const incidents = await boundedRedis(config)(() =>
        store.listIncidents(tenant.id, { ...(states ? { state: states } : {}), ...(alert ? { alert } : {}) }),
      );
      return { tenantId: tenant.id, tenantName: tenant.name, count: incidents.length, incidents };
    },
  );
};
