import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PimwatchConfig } from '../config/schema.js';
import { type FeedEvent, renderFeedEvent } from '../notifiers/feed-event.js';
import { renderContextFor } from '../notifiers/links.js';
import { toOcsfDetectionFinding } from '../notifiers/ocsf.js';
import { type FeedPage, MAX_FEED_PAGE } from '../store/state-store.js';
import type { ApiDeps } from './app.js';
import { boundedRedis, tenantById } from './route-support.js';

const feedQuery = z
  .object({
    // Whether the cursor is a stream id within the feed is the store's call: a 409 with the feed's bounds.
    cursor: z.string().max(64, 'must be a cursor this feed handed out (at most 64 characters)').optional(),
    limit: z.coerce.number().int().min(1).max(MAX_FEED_PAGE).default(100),
    tenantId: z.guid().optional(),
    format: z.enum(['json', 'ndjson', 'ocsf', 'ocsf-ndjson']).default('json'),
  })
  .strict();

type FeedFormat = z.output<typeof feedQuery>['format'];

/** A page's events rendered for the SOC, each beside (never inside) its cursor. */
function renderEvents(page: FeedPage, format: FeedFormat, config: PimwatchConfig) {
  return page.events.map(({ cursor, transition }) => {
    const tenant = tenantById(config, transition.tenantId) ?? {
      id: transition.tenantId,
      name: transition.tenantId,
    };
    const event: FeedEvent = renderFeedEvent(transition, renderContextFor(tenant, config.notifiers));
    return { cursor, event: format.startsWith('ocsf') ? toOcsfDetectionFinding(event) : event };
  });
}

/** `GET /feed`: the SOC feed's pull API, as JSON or NDJSON, in pimwatch's own shape or OCSF. */
export const feedRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { config, store } = deps;
  app.get('/feed', { schema: { querystring: feedQuery } }, async (request, reply) => {
    const { cursor, limit, tenantId, format } = request.query;
    const page = await boundedRedis(config)(() =>
      store.readFeed({
        ...(cursor !== undefined ? { cursor } : {}),
        limit,
        ...(tenantId ? { tenantId } : {}),
      }),
    );
    const events = renderEvents(page, format, config);
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
    return { events: events.map(item), nextCursor: page.nextCursor, trimmed: page.trimmed };
  });
};
