import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../api/app.js';
import { ConfigError } from '../errors.js';
import { enqueueScan, SCAN_JOB } from '../jobs/scan-trigger.js';
import { ALERT_IDS, SEVERITIES } from '../model/alerts.js';
import { INCIDENT_STATES, type IncidentState } from '../model/lifecycle.js';
import { renderFeedEvent } from '../notifiers/feed-event.js';
import { renderContextFor } from '../notifiers/links.js';
import type { SafeHtml } from '../util/html.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { AccessRefusedError, EntraSignIn } from './entra-sign-in.js';
import * as pages from './pages.js';
import {
  csrfMatches,
  isLoopbackHost,
  readCookie,
  SESSION_COOKIE,
  safeReturnPath,
  sessionCookie,
  setSecurityHeaders,
} from './security.js';
import { type Session, SessionStore } from './sessions.js';

const LOCAL_OPERATOR = { id: 'loopback', name: 'Local operator', username: 'loopback' };
const ACTIVE: readonly IncidentState[] = ['new', 'open', 'reopened'];

const tenantQuery = z
  .object({
    state: z.enum([...INCIDENT_STATES, 'active', '']).optional(),
    alert: z.enum([...ALERT_IDS, '']).optional(),
    severity: z.enum([...SEVERITIES, '']).optional(),
  })
  .strict();

interface ConsoleContext {
  deps: ApiDeps;
  sessions: SessionStore;
  signIn: EntraSignIn | undefined;
  secureCookies: boolean;
}

/**
 * The operator console under `/`: read-only pages over the store, plus "scan now" through the same
 * guard as the API. People sign in through Entra ID; API keys are for machines and open nothing here:
 * the console is its own plugin, outside the API's keyed context.
 */
export async function registerConsole(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const consoleConfig = deps.config.console;
  if (!consoleConfig) return;
  const host = deps.config.api.host;
  if (consoleConfig.auth === 'none') {
    if (!isLoopbackHost(host)) {
      throw new ConfigError('configuration', [
        `console.auth: none is only allowed when api.host is a loopback address (it is ${host}); configure Entra ID sign-in`,
      ]);
    }
    deps.logger.warn(
      { host },
      'CONSOLE SIGN-IN IS OFF (console.auth: none): anyone on this machine can use the console',
    );
  }
  const signIn =
    consoleConfig.auth === 'none'
      ? undefined
      : new EntraSignIn(
          consoleConfig.auth,
          deps.config.graph.authorityHost,
          deps.config.graph.caFile ? readFileSync(deps.config.graph.caFile, 'utf8') : undefined,
        );
  const ctx: ConsoleContext = {
    deps,
    sessions: new SessionStore(deps.redis, deps.config.redis.keyPrefix, {
      idleMs: consoleConfig.session.idleTimeoutMinutes * 60_000,
      absoluteMs: consoleConfig.session.absoluteTimeoutHours * 3_600_000,
    }),
    signIn,
    secureCookies: !isLoopbackHost(host),
  };
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    scope.addHook('onSend', async (_request, reply) => {
      setSecurityHeaders(reply);
    });
    scope.addHook('onClose', async () => {
      await signIn?.close();
    });
    registerAuthRoutes(scope, ctx);
    registerPageRoutes(scope, ctx);
    registerScanRoutes(scope, ctx);
  });
}

function sendPage(reply: FastifyReply, status: number, frame: pages.PageFrame, body: SafeHtml) {
  return reply.code(status).type('text/html; charset=utf-8').send(pages.layout(frame, body));
}

/** A page that only says something: a refusal, a sign-out, an error. No session: a signed-out frame. */
function sendMessage(
  reply: FastifyReply,
  status: number,
  frame: pages.PageFrame | null,
  title: string,
  message: string,
  link?: { href: string; text: string },
) {
  return sendPage(reply, status, frame ?? { title, user: null }, pages.messagePage(title, message, link));
}

const SIGN_IN_AGAIN = { href: '/login', text: 'Sign in again' };

/** The session of a request, or (without sign-in) a local operator's session made on first visit. */
async function sessionOf(
  ctx: ConsoleContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Session | null> {
  const id = readCookie(request.headers.cookie, SESSION_COOKIE);
  const session = await ctx.sessions.touch(id);
  if (session || ctx.signIn) return session;
  const fresh = await ctx.sessions.create(LOCAL_OPERATOR);
  reply.header('set-cookie', sessionCookie(fresh, ctx.secureCookies));
  return ctx.sessions.touch(fresh);
}

function frameOf(ctx: ConsoleContext, session: Session, title: string): pages.PageFrame {
  return ctx.signIn
    ? { title, user: session.user, csrfToken: session.csrfToken }
    : { title, user: null, csrfToken: session.csrfToken, anonymous: true };
}

/** What a console page does for a signed-in person. */
type PageRender = (request: FastifyRequest, reply: FastifyReply, session: Session) => Promise<unknown>;

/** Runs `render` for a signed-in person; anyone else is sent to sign in (GET) or refused. */
function page(ctx: ConsoleContext, render: PageRender) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await sessionOf(ctx, request, reply);
    if (!session) {
      if (request.method !== 'GET') {
        return sendMessage(
          reply,
          403,
          null,
          'Signed out',
          'Your session has ended; sign in again.',
          SIGN_IN_AGAIN,
        );
      }
      return reply.redirect(`/login?returnTo=${encodeURIComponent(request.url)}`, 302);
    }
    return render(request, reply, session);
  };
}

function registerAuthRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/console/assets/console.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').send(CONSOLE_JS),
  );
  app.get('/console/assets/console.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').send(CONSOLE_CSS),
  );
  app.get<{ Querystring: { returnTo?: string } }>('/login', async (request, reply) => {
    if (!ctx.signIn) return reply.redirect('/', 302);
    const { url, state, pending } = await ctx.signIn.start(safeReturnPath(request.query.returnTo));
    await ctx.sessions.savePendingLogin(state, pending);
    return reply.redirect(url, 302);
  });
  // The callback's query holds a one-time code: keep it out of the request log.
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/auth/callback',
    { logLevel: 'warn' },
    async (request, reply) => {
      const { code, state, error, error_description: description } = request.query;
      const pending = state ? await ctx.sessions.takePendingLogin(state) : null;
      const refuse = (status: number, title: string, message: string) =>
        sendMessage(reply, status, null, title, message, SIGN_IN_AGAIN);
      if (!ctx.signIn || !pending)
        return refuse(400, 'Sign-in expired', 'This sign-in was not started here or took too long.');
      if (error || !code)
        return refuse(401, 'Sign-in failed', `Entra ID answered: ${error ?? 'no code'} ${description ?? ''}`);
      try {
        const user = await ctx.signIn.finish(code, pending);
        const id = await ctx.sessions.create(user);
        ctx.deps.logger.info({ user: user.username }, 'console sign-in');
        reply.header('set-cookie', sessionCookie(id, ctx.secureCookies));
        return reply.redirect(pending.returnTo, 303);
      } catch (err) {
        if (err instanceof AccessRefusedError) {
          ctx.deps.logger.warn({ user: err.user?.username, reason: err.message }, 'console sign-in refused');
          const who = err.user ? `${err.user.name} (${err.user.username}): ` : '';
          return refuse(403, 'Access refused', `${who}${err.message}.`);
        }
        ctx.deps.logger.warn({ err: (err as Error).message }, 'console sign-in failed');
        return refuse(502, 'Sign-in failed', 'Entra ID could not complete the sign-in; try again.');
      }
    },
  );
  app.post<{ Body: { csrf?: string } }>('/logout', async (request, reply) => {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    const session = await ctx.sessions.touch(id);
    if (session && !csrfMatches(request.body?.csrf, session.csrfToken)) {
      return sendMessage(
        reply,
        403,
        frameOf(ctx, session, 'Refused'),
        'Refused',
        'The form was not issued by this console (CSRF token mismatch).',
      );
    }
    await ctx.sessions.destroy(id);
    reply.header('set-cookie', sessionCookie('', ctx.secureCookies, 0));
    return sendMessage(reply, 200, null, 'Signed out', 'Your console session has ended.', SIGN_IN_AGAIN);
  });
}

/** The route's parameters and the configured tenant its `:tenantId` names (undefined if none). */
function routeTenant<P extends { tenantId: string }>(ctx: ConsoleContext, request: FastifyRequest) {
  const params = request.params as P;
  return { params, tenant: tenantOf(ctx, params.tenantId) };
}

function tenantOf(ctx: ConsoleContext, id: string) {
  return ctx.deps.config.tenants.find((t) => t.id.toLowerCase() === id.toLowerCase());
}

function notFound(ctx: ConsoleContext, reply: FastifyReply, session: Session, what: string) {
  return sendMessage(
    reply,
    404,
    frameOf(ctx, session, 'Not found'),
    'Not found',
    `${what} is not known here.`,
    { href: '/', text: 'Tenants' },
  );
}

function registerPageRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const { store, config } = ctx.deps;
  app.get(
    '/',
    page(ctx, async (_request, reply, session) => {
      const rows = await Promise.all(
        config.tenants.map(async (t) => ({
          id: t.id,
          name: t.name,
          scans: await store.listScans(t.id, 20),
          open: await store.listIncidents(t.id, { state: ACTIVE }),
        })),
      );
      return sendPage(reply, 200, frameOf(ctx, session, 'Tenants'), pages.tenantsPage(rows));
    }),
  );
  app.get('/tenants/:tenantId', page(ctx, renderTenantPage(ctx)));
  app.get(
    '/tenants/:tenantId/incidents/:fingerprint',
    page(ctx, async (request, reply, session) => {
      const { params, tenant } = routeTenant<{ tenantId: string; fingerprint: string }>(ctx, request);
      const record = tenant ? await store.getIncident(tenant.id, params.fingerprint) : null;
      if (!tenant || !record) return notFound(ctx, reply, session, 'This incident');
      const suppressions = (await store.listSuppressions(tenant.id, { includeExpired: true })).filter(
        (s) =>
          s.fingerprint === record.fingerprint ||
          (s.alert === record.alert && !!s.principalId && s.principalId === record.incident.assigneeId),
      );
      const feed = await store.readFeed({ tenantId: tenant.id, limit: 1000 });
      const transitions = feed.events
        .map((e) => e.transition)
        .filter((t) => t.fingerprint === record.fingerprint);
      return sendPage(
        reply,
        200,
        frameOf(ctx, session, 'Incident'),
        pages.incidentPage(tenant, record, suppressions, transitions),
      );
    }),
  );
  app.get('/feed', page(ctx, renderFeedPage(ctx)));
}

/** A tenant's incidents, filtered by the query (a filter it does not know: all of them, with a 400). */
function renderTenantPage(ctx: ConsoleContext): PageRender {
  const { store } = ctx.deps;
  return async (request, reply, session) => {
    const tenant = tenantOf(ctx, (request.params as { tenantId: string }).tenantId);
    if (!tenant) return notFound(ctx, reply, session, 'This tenant');
    const parsed = tenantQuery.safeParse(request.query);
    const q = parsed.success ? parsed.data : {};
    const state = q.state === 'active' ? ACTIVE : q.state || undefined;
    const incidents = (
      await store.listIncidents(tenant.id, {
        ...(state ? { state } : {}),
        ...(q.alert ? { alert: q.alert } : {}),
      })
    ).filter((i) => !q.severity || i.severity === q.severity);
    const filter = {
      ...(q.state ? { state: q.state } : {}),
      ...(q.alert ? { alert: q.alert } : {}),
      ...(q.severity ? { severity: q.severity } : {}),
    };
    const body = pages.tenantPage(
      tenant,
      incidents,
      await store.listScans(tenant.id, 50),
      filter,
      session.csrfToken,
    );
    return sendPage(reply, parsed.success ? 200 : 400, frameOf(ctx, session, tenant.name), body);
  };
}

/** The SOC feed, 50 events a page, as the console shows it. */
function renderFeedPage(ctx: ConsoleContext): PageRender {
  const { store, config } = ctx.deps;
  return async (request, reply, session) => {
    const cursor = (request.query as { cursor?: string }).cursor;
    const feed = await store.readFeed({ ...(cursor ? { cursor } : {}), limit: 50 }).catch(() => null);
    if (!feed)
      return sendMessage(
        reply,
        400,
        frameOf(ctx, session, 'Feed'),
        'Feed',
        'That cursor is not one this feed handed out.',
        {
          href: '/feed',
          text: 'From the start',
        },
      );
    const rows = feed.events.map(({ cursor: c, transition }) => {
      const tenant = tenantOf(ctx, transition.tenantId) ?? {
        id: transition.tenantId,
        name: transition.tenantId,
      };
      return {
        cursor: c,
        tenantName: tenant.name,
        transition,
        event: renderFeedEvent(transition, renderContextFor(tenant, config.notifiers)),
      };
    });
    const next = feed.events.length === 50 ? feed.nextCursor : undefined;
    return sendPage(reply, 200, frameOf(ctx, session, 'Feed'), pages.feedPage(rows, next));
  };
}

const FINISHED = new Set(['completed', 'failed']);

async function scanJobStatus(ctx: ConsoleContext, tenantId: string, scanId: string) {
  const job = await ctx.deps.queues.scan.getJob(scanId);
  if (
    !job ||
    job.name !== SCAN_JOB ||
    (job.data as { tenantId?: string }).tenantId?.toLowerCase() !== tenantId.toLowerCase()
  )
    return undefined;
  const state = await job.getState();
  const progress = job.progress as { percent?: number } | number;
  const percent = typeof progress === 'number' ? progress : (progress?.percent ?? 0);
  return {
    state,
    percent: FINISHED.has(state) ? 100 : percent,
    finished: FINISHED.has(state),
    failedReason: job.failedReason,
  };
}

function registerScanRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const { store, queues, config } = ctx.deps;
  app.post(
    '/tenants/:tenantId/scan',
    page(ctx, async (request, reply, session) => {
      const tenant = tenantOf(ctx, (request.params as { tenantId: string }).tenantId);
      if (!tenant) return notFound(ctx, reply, session, 'This tenant');
      if (!csrfMatches((request.body as { csrf?: unknown } | undefined)?.csrf, session.csrfToken)) {
        ctx.deps.logger.warn(
          { user: session.user.username, tenantId: tenant.id },
          'console scan refused: CSRF token mismatch',
        );
        return sendMessage(
          reply,
          403,
          frameOf(ctx, session, 'Refused'),
          'Refused',
          'The form was not issued by this console (CSRF token mismatch); nothing was started.',
        );
      }
      const enqueued = await enqueueScan(queues.scan, config.worker, {
        tenantId: tenant.id,
        trigger: 'api',
        requestedBy: `console:${session.user.username}`,
      });
      return reply.redirect(
        `/tenants/${encodeURIComponent(tenant.id)}/scans/${encodeURIComponent(enqueued.scanId)}`,
        303,
      );
    }),
  );
  app.get(
    '/tenants/:tenantId/scans/:scanId/status',
    page(ctx, async (request, reply) => {
      const params = request.params as { tenantId: string; scanId: string };
      const status = await scanJobStatus(ctx, params.tenantId, params.scanId);
      if (!status) return reply.code(404).send({ error: 'no such scan job' });
      return reply.send({ state: status.state, percent: status.percent, finished: status.finished });
    }),
  );
  app.get(
    '/tenants/:tenantId/scans/:scanId',
    page(ctx, async (request, reply, session) => {
      const { params, tenant } = routeTenant<{ tenantId: string; scanId: string }>(ctx, request);
      if (!tenant) return notFound(ctx, reply, session, 'This tenant');
      const summary = (await store.listScans(tenant.id)).find((s) => s.scanId === params.scanId);
      const status = summary ? undefined : await scanJobStatus(ctx, tenant.id, params.scanId);
      if (status && !status.finished) {
        const frame = { ...frameOf(ctx, session, 'Scanning'), refreshWithoutScript: true };
        return sendPage(
          reply,
          200,
          frame,
          pages.scanProgressPage(tenant, params.scanId, status.state, status.percent),
        );
      }
      if (status?.failedReason) {
        return sendMessage(
          reply,
          200,
          frameOf(ctx, session, 'Scan failed'),
          'Scan failed',
          status.failedReason,
          {
            href: `/tenants/${encodeURIComponent(tenant.id)}`,
            text: tenant.name,
          },
        );
      }
      const transitions = await store.getAppliedTransitions(tenant.id, params.scanId);
      if (!summary && !transitions) return notFound(ctx, reply, session, 'This scan');
      return sendPage(
        reply,
        200,
        frameOf(ctx, session, `Scan ${params.scanId}`),
        pages.scanPage(tenant, params.scanId, summary, transitions),
      );
    }),
  );
}
