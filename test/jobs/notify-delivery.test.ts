import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../src/api/server.js';
import type { PimwatchConfig } from '../../src/config/schema.js';
import type { JobOf } from '../../src/jobs/job-map.js';
import { MetricsRecorder } from '../../src/jobs/metrics-recorder.js';
import {
  createNotificationEnqueuer,
  createNotifyProcessor,
  NOTIFY_JOB,
  RetryableDeliveryError,
} from '../../src/jobs/notify-job.js';
import { enqueueScan } from '../../src/jobs/scan-trigger.js';
import { type Logger, silentLogger } from '../../src/log.js';
import type { Transition } from '../../src/model/lifecycle.js';
import { deliveryKey } from '../../src/notifiers/channels.js';
import { renderEmail } from '../../src/notifiers/email.js';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import { renderContextFor } from '../../src/notifiers/links.js';
import { renderTeamsCard, renderTeamsDigest, type TeamsMessage } from '../../src/notifiers/teams-card.js';
import type { StateStore } from '../../src/store/state-store.js';
import { adaptiveCardProblems } from '../notifiers/adaptive-card.js';
import { demoFixture } from '../support/demo-fixture.js';
import { type HttpSink, type RecordedRequest, startHttpSink } from '../support/http-sink.js';
import { API_KEY, type ServiceEnv, startServiceEnv } from '../support/service-harness.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { waitFor } from '../support/wait-for.js';
import { newWebhookSecret } from '../support/webhook-secret.js';
import { startWorkerHarness } from '../support/worker-harness.js';

/**
 * The notify path end to end inside one worker: a real scan of the demo tenant (through the emulator)
 * commits transitions, the scan job queues notify jobs, and the worker's notify processor delivers them
 * to local sinks. Routing rules pick one or two alerts so each test knows exactly what must arrive.
 */

const TENANT_NAME = 'Harbourline Freight';
/** A Workflows URL's query is its credential. */
const TEAMS_PATH =
  '/workflows/4f1c/triggers/manual/paths/invoke?api-version=2016-06-01&sig=TeamsSig0123456789abc';
/** A webhook URL whose path carries a token, as many SIEM intake URLs do. */
const HOOK_PATH = '/intake/hook-token-7d1e93ab/pimwatch';
const SIGNING_SECRET = newWebhookSecret();

let env: ServiceEnv;
let tenantId: string;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  const fixture = await demoFixture();
  tenantId = fixture.tenantId;
  env = await startServiceEnv([fixture], { timeShiftTo: new Date() });
}, 60_000);

afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close().catch(() => {});
});

afterAll(async () => {
  await env?.stop();
});

let secretCounter = 0;
/** Puts a secret in this process's environment (where the in-process worker reads it) and refers to it. */
function secretRef(value: string): { env: string } {
  secretCounter += 1;
  const name = `PIMWATCH_TEST_NOTIFY_SECRET_${secretCounter}`;
  process.env[name] = value;
  return { env: name };
}

async function sink(options: Parameters<typeof startHttpSink>[0] = {}): Promise<HttpSink> {
  const s = await startHttpSink(options);
  open.push(s);
  return s;
}

interface Service {
  config: PimwatchConfig;
  store: StateStore;
  scanQueue: Queue;
  notifyQueue: Queue;
  metrics: MetricsRecorder;
  redis: Redis;
}

/** A worker (its own key prefix) with these notifiers, plus what a test needs to look into Redis. */
async function startService(
  notifiers: Record<string, unknown>,
  logger: Logger = silentLogger,
): Promise<Service> {
  const { config } = env.writeConfig({
    tenants: [{ id: tenantId, name: TENANT_NAME }],
    notifiers: { allowLoopbackWebhooks: true, ...notifiers },
  });
  const harness = await startWorkerHarness(config, logger);
  open.push(harness);
  const { store, scanQueue, notifyQueue, redis } = harness;
  return {
    config,
    store,
    scanQueue,
    notifyQueue,
    metrics: new MetricsRecorder(redis, config.redis.keyPrefix),
    redis,
  };
}

/** One scan through the scan queue; its committed transitions. */
async function scan(service: Service): Promise<{ scanId: string; transitions: Transition[] }> {
  const { scanId } = await enqueueScan(service.scanQueue, service.config.worker, {
    tenantId,
    trigger: 'api',
    requestedBy: 'notify-delivery test',
  });
  await waitFor('the scan to complete', async () => {
    const job = await service.scanQueue.getJob(scanId);
    const state = await job?.getState();
    if (state === 'failed') throw new Error(`scan failed: ${job?.failedReason}`);
    return state === 'completed' ? true : undefined;
  });
  const transitions = await service.store.getAppliedTransitions(tenantId, scanId);
  return { scanId, transitions: transitions ?? [] };
}

const UNFINISHED = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Every notify job, once there are at least `count` and none is still waiting, running or delayed. */
async function finishedNotifyJobs(service: Service, count: number, timeoutMs = 30_000): Promise<Job[]> {
  return waitFor(
    `${count} finished notify jobs`,
    async () => {
      const unfinished = await service.notifyQueue.getJobCountByTypes(...UNFINISHED);
      const finished = await service.notifyQueue.getJobs(['completed', 'failed']);
      return unfinished === 0 && finished.length >= count ? finished : undefined;
    },
    timeoutMs,
  );
}

function ctx() {
  return renderContextFor({ id: tenantId, name: TENANT_NAME }, {});
}

function sortedJson(values: unknown[]): string[] {
  return values.map((v) => JSON.stringify(v)).sort();
}

/** The receiver's side, with the `standardwebhooks` library as a SOC would use it. */
function signatureValid(request: RecordedRequest, secret: string): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

describe('Teams delivery through the notify job', () => {
  it('queues one job per transition and per-transition channel, one per digest; the sinks get valid cards', async () => {
    const [perTransition, digest] = [await sink(), await sink()];
    const service = await startService({
      teams: [
        { name: 'ops', webhookUrl: secretRef(perTransition.origin + TEAMS_PATH) },
        { name: 'ops-digest', webhookUrl: secretRef(digest.origin + TEAMS_PATH), mode: 'digest' },
      ],
      routing: [{ channels: ['ops', 'ops-digest'], alerts: ['RolesAssignedOutsidePimAlert'] }],
    });
    const { scanId, transitions } = await scan(service);
    const routed = transitions.filter((t) => t.alert === 'RolesAssignedOutsidePimAlert');
    expect(routed.length).toBeGreaterThan(1);

    const jobs = await finishedNotifyJobs(service, routed.length + 1);
    expect(jobs).toHaveLength(routed.length + 1);
    expect(jobs.every((j) => j.name === NOTIFY_JOB && j.finishedOn && !j.failedReason)).toBe(true);
    const byChannel = (name: string) => jobs.filter((j) => j.data.channel === name);
    expect(
      byChannel('ops')
        .map((j) => j.data.eventIds)
        .sort(),
    ).toEqual(routed.map((t) => [t.eventId]).sort());
    expect(byChannel('ops-digest').map((j) => [...j.data.eventIds].sort())).toEqual([
      routed.map((t) => t.eventId).sort(),
    ]);
    // Job data holds ids only.
    expect(Object.keys(jobs[0]!.data).sort()).toEqual(['channel', 'eventIds', 'scanId', 'tenantId']);

    const cards = perTransition.requests.map((r) => JSON.parse(r.body) as TeamsMessage);
    expect(perTransition.requests.every((r) => r.method === 'POST' && r.path === TEAMS_PATH)).toBe(true);
    expect(sortedJson(cards)).toEqual(sortedJson(routed.map((t) => renderTeamsCard(t, ctx()))));
    for (const card of cards) {
      expect(card.type).toBe('message');
      expect(card.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(adaptiveCardProblems(card.attachments[0].content)).toEqual([]);
    }
    expect(digest.requests).toHaveLength(1);
    expect(JSON.parse(digest.requests[0]!.body)).toEqual(renderTeamsDigest(routed, ctx()));

    // The scan job retried after it committed queues the same job ids again: nothing new is added.
    const enqueue = createNotificationEnqueuer({
      config: service.config,
      queue: service.notifyQueue,
      logger: silentLogger,
    });
    await enqueue(service.config.tenants[0]!, scanId, transitions);
    expect(await service.notifyQueue.getJobCounts()).toMatchObject({
      completed: routed.length + 1,
      waiting: 0,
    });
    expect(perTransition.requests).toHaveLength(routed.length);
  }, 60_000);

  it('retries a 429 after the Retry-After the sink asked for, and delivers the card exactly once', async () => {
    const teams = await sink();
    teams.respondWith({
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"error":"too many requests"}',
    });
    const service = await startService({
      teams: [{ name: 'ops', webhookUrl: secretRef(teams.origin + TEAMS_PATH) }],
      routing: [{ channels: ['ops'], alerts: ['InvalidLicenseAlert'] }],
      // Without Retry-After the job would wait a minute: finishing within the test's time proves it was read.
      delivery: { backoffMs: 60_000, attempts: 3 },
    });
    const { transitions } = await scan(service);
    const routed = transitions.filter((t) => t.alert === 'InvalidLicenseAlert');
    expect(routed).toHaveLength(1);

    const [job] = await finishedNotifyJobs(service, 1, 20_000);
    expect(await job!.getState()).toBe('completed');
    expect(job!.attemptsMade).toBe(2);
    expect(job!.returnvalue).toEqual({ channel: 'ops', outcome: 'delivered' });
    expect(teams.requests).toHaveLength(2);
    const [throttled, accepted] = teams.requests;
    expect(accepted!.body).toBe(throttled!.body);
    expect(JSON.parse(accepted!.body)).toEqual(renderTeamsCard(routed[0]!, ctx()));
    expect(accepted!.receivedAt - throttled!.receivedAt).toBeGreaterThanOrEqual(950);
    const { counters } = await service.metrics.read();
    expect(counters).toMatchObject({
      'notifications:teams:retryable': 1,
      'notifications:teams:delivered': 1,
    });
  }, 60_000);

  it('records a 400 as a permanent failure with its reason, in the job and the metrics, without retrying', async () => {
    const teams = await sink({
      defaultResponse: {
        status: 400,
        body: '{"error":{"code":"InvalidRequestContent","message":"Bad card"}}',
      },
    });
    const service = await startService({
      teams: [{ name: 'ops', webhookUrl: secretRef(teams.origin + TEAMS_PATH) }],
      routing: [{ channels: ['ops'], alerts: ['InvalidLicenseAlert'] }],
      delivery: { backoffMs: 100, attempts: 6 },
    });
    await scan(service);
    const [job] = await finishedNotifyJobs(service, 1);
    expect(await job!.getState()).toBe('failed');
    expect(job!.attemptsMade).toBe(1);
    expect(job!.failedReason).toMatch(
      /^permanent delivery failure: Teams webhook for channel ops answered 400/,
    );
    expect(job!.failedReason).toContain('Bad card');
    expect(teams.requests).toHaveLength(1);
    const { counters } = await service.metrics.read();
    expect(counters['notifications:teams:permanent']).toBe(1);
    expect(counters['notifications:teams:retryable']).toBeUndefined();

    const api = await startApiServer(service.config, silentLogger, 0);
    open.push(api);
    const metrics = await (
      await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } })
    ).text();
    expect(metrics).toContain('pimwatch_notifications_total{channel_kind="teams",outcome="permanent"} 1');
  }, 60_000);
});

describe('webhook URLs', () => {
  it('refuse plain http to a loopback sink unless notifiers.allowLoopbackWebhooks says so', async () => {
    const teams = await sink();
    const service = await startService({
      allowLoopbackWebhooks: false,
      teams: [{ name: 'ops', webhookUrl: secretRef(teams.origin + TEAMS_PATH) }],
      routing: [{ channels: ['ops'], alerts: ['InvalidLicenseAlert'] }],
    });
    await scan(service);
    const [job] = await finishedNotifyJobs(service, 1);
    expect(await job!.getState()).toBe('failed');
    expect(job!.attemptsMade).toBe(1);
    expect(job!.failedReason).toBe(
      'permanent delivery failure: webhook URL for channel ops uses plain http to a loopback address, ' +
        'which needs notifiers.allowLoopbackWebhooks (tests only)',
    );
    expect(teams.requests).toHaveLength(0);
  }, 60_000);
});

describe('signed webhook delivery', () => {
  it('signs what the standardwebhooks library verifies; the retried delivery carries the same webhook-id', async () => {
    const hook = await sink({ defaultResponse: { status: 200 } });
    const ocsf = await sink({ defaultResponse: { status: 204 } });
    hook.respondWith({ status: 503, body: 'receiver restarting' });
    const service = await startService({
      webhooks: [
        {
          name: 'siem',
          url: secretRef(hook.origin + HOOK_PATH),
          secrets: [secretRef(SIGNING_SECRET)],
          retry: { schedule: ['PT0.4S', 'PT0.4S'] },
        },
        {
          name: 'siem-ocsf',
          url: secretRef(ocsf.origin + HOOK_PATH),
          secrets: [secretRef(SIGNING_SECRET)],
          format: 'ocsf',
        },
      ],
      routing: [{ channels: ['siem', 'siem-ocsf'], alerts: ['InvalidLicenseAlert'] }],
      delivery: { backoffMs: 400, attempts: 3 },
    });
    const { transitions } = await scan(service);
    const [transition] = transitions.filter((t) => t.alert === 'InvalidLicenseAlert');
    const jobs = await finishedNotifyJobs(service, 2);
    expect(jobs.map((j) => [j.data.channel, j.attemptsMade, j.failedReason ?? null]).sort()).toEqual([
      ['siem', 2, expect.stringContaining('answered 503')],
      ['siem-ocsf', 1, null],
    ]);

    expect(hook.requests).toHaveLength(2);
    for (const request of [...hook.requests, ...ocsf.requests]) {
      expect(signatureValid(request, SIGNING_SECRET)).toBe(true);
      expect(signatureValid({ ...request, body: `${request.body} ` }, SIGNING_SECRET)).toBe(false);
      expect(signatureValid(request, newWebhookSecret())).toBe(false);
      expect(request.headers['webhook-id']).toBe(transition!.eventId);
    }
    const [first, redelivery] = hook.requests;
    // No Retry-After from the receiver: the channel's retry schedule decided the wait.
    expect(redelivery!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(400);
    expect(redelivery!.body).toBe(first!.body);
    expect(JSON.parse(redelivery!.body)).toEqual(renderFeedEvent(transition!, ctx()));
    expect(JSON.parse(ocsf.requests[0]!.body)).toMatchObject({
      class_uid: 2004,
      metadata: { uid: transition!.eventId },
    });
  }, 60_000);
});

describe('email delivery', () => {
  it('sends a digest through SMTP that mailparser reads back: subject, recipients, both bodies, links', async () => {
    const smtp: SmtpSink = await startSmtpSink();
    open.push(smtp);
    const recipients = ['soc@harbourline.example', 'identity-team@harbourline.example'];
    const service = await startService({
      email: [
        {
          name: 'soc-mail',
          from: 'pimwatch@harbourline.example',
          to: recipients,
          transport: { type: 'smtp', host: smtp.host, port: smtp.port, requireTls: false },
        },
      ],
      routing: [{ channels: ['soc-mail'], alerts: ['RolesAssignedOutsidePimAlert'] }],
    });
    const { transitions } = await scan(service);
    const routed = transitions.filter((t) => t.alert === 'RolesAssignedOutsidePimAlert');
    const [job] = await finishedNotifyJobs(service, 1);
    expect(job!.returnvalue).toEqual({ channel: 'soc-mail', outcome: 'delivered' });
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    const n = routed.length;
    expect(mail.subject).toBe(`[pimwatch] ${TENANT_NAME}: ${n} high – ${n} PIM alert changes`);
    expect(mail.envelope).toEqual({ from: 'pimwatch@harbourline.example', to: recipients });
    expect(mail.to).toEqual(recipients);
    expect(mail.messageId).toBe(`<${deliveryKey('soc-mail', routed)}@harbourline.example>`);
    const expected = renderEmail(routed, ctx());
    expect(mail.html).toBe(expected.html);
    expect(mail.text?.trim()).toBe(expected.text.trim());
    for (const t of routed) {
      const name = t.incident.assigneeDisplayName!;
      expect(mail.text).toContain(name);
      expect(mail.html).toContain(name);
    }
    // One alert: its PIM alert page once, and the closing link to all PIM alerts.
    expect(mail.htmlLinks).toHaveLength(2);
    for (const link of mail.htmlLinks) {
      expect(link.startsWith(`https://entra.microsoft.com/${tenantId}/#view/`)).toBe(true);
      expect(mail.text).toContain(link);
    }
  }, 60_000);

  // regression guard: the enqueuer built senders, so a Graph mail channel stopped the worker from starting.
  it("sends through Graph sendMail, which the emulator's tenant records", async () => {
    const mailbox = 'adm-priya.raman@harbourlinefreight.onmicrosoft.com';
    const service = await startService({
      email: [
        {
          name: 'graph-mail',
          to: ['soc@harbourline.example'],
          mode: 'perTransition',
          transport: { type: 'graph', tenantId, mailbox },
        },
      ],
      routing: [{ channels: ['graph-mail'], alerts: ['InvalidLicenseAlert'] }],
    });
    const before = env.emulator.tenant(tenantId).sentMail.length;
    const { transitions } = await scan(service);
    const routed = transitions.filter((t) => t.alert === 'InvalidLicenseAlert');
    const [job] = await finishedNotifyJobs(service, 1);
    expect(job!.failedReason).toBeFalsy();
    const sent = env.emulator.tenant(tenantId).sentMail.slice(before);
    expect(sent).toHaveLength(1);
    const expected = renderEmail(routed, ctx());
    expect(sent[0]).toMatchObject({
      sender: mailbox,
      saveToSentItems: false,
      message: {
        subject: expected.subject,
        body: { contentType: 'HTML', content: expected.html },
        toRecipients: [{ emailAddress: { address: 'soc@harbourline.example' } }],
      },
    });
    expect(env.emulator.sentMail.slice(before)).toHaveLength(1);
  }, 60_000);
});

describe('never twice', () => {
  it('does not post a Teams card again after the sink accepted it but answered too late', async () => {
    const teams = await sink();
    // The sink takes the card and then keeps the client waiting past its timeout.
    let answer = () => {};
    teams.respondWith({ status: 202, release: new Promise<void>((resolve) => (answer = resolve)) });
    open.push({ close: async () => answer() });
    const service = await startService({
      teams: [{ name: 'ops', webhookUrl: secretRef(teams.origin + TEAMS_PATH), timeoutMs: 300 }],
      routing: [{ channels: ['ops'], alerts: ['InvalidLicenseAlert'] }],
      delivery: { backoffMs: 100, attempts: 6 },
    });
    await scan(service);
    const [job] = await finishedNotifyJobs(service, 1);
    expect(await job!.getState()).toBe('failed');
    expect(job!.attemptsMade).toBe(1);
    expect(job!.failedReason).toMatch(/^delivery uncertain, not retried/);
    expect(teams.requests).toHaveLength(1);

    // Someone retries the failed job by hand: it runs again and still does not post.
    await job!.retry('failed');
    const again = await waitFor('the retried job to finish', async () => {
      const j = await service.notifyQueue.getJob(job!.id!);
      return (await j?.getState()) === 'completed' ? j : undefined;
    });
    expect(again!.returnvalue).toEqual({ channel: 'ops', outcome: 'alreadyDelivered' });
    expect(teams.requests).toHaveLength(1);
  }, 60_000);

  // regression guard: both runs found no "sent" marker and both posted.
  it('posts once when two runs of one job overlap (a stalled job handed to another worker)', async () => {
    const teams = await sink();
    const service = await startService({
      teams: [{ name: 'ops', webhookUrl: secretRef(teams.origin + TEAMS_PATH) }],
      // Nothing is routed: this test runs the notify processor itself.
      routing: [],
    });
    const { scanId, transitions } = await scan(service);
    const transition = transitions.find((t) => t.alert === 'InvalidLicenseAlert')!;
    const processor = createNotifyProcessor({
      config: service.config,
      store: service.store,
      metrics: service.metrics,
      redis: service.redis,
      logger: silentLogger,
    });
    const job = (attemptsMade: number) =>
      ({
        id: 'n-overlap',
        name: NOTIFY_JOB,
        attemptsMade,
        data: { tenantId, scanId, channel: 'ops', eventIds: [transition.eventId] },
      }) as unknown as JobOf<'notify'>;

    // The sink holds the first run's post until the second run is over.
    let answer = () => {};
    teams.respondWith({ status: 202, release: new Promise<void>((resolve) => (answer = resolve)) });
    const first = processor(job(0));
    await teams.waitForRequests(1);
    const second = await processor(job(0)).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    answer();
    expect(await first).toEqual({ channel: 'ops', outcome: 'delivered' });
    // The overlapping run neither posted nor gave up: it is retried, and then finds the delivery made.
    expect('error' in second && second.error).toBeInstanceOf(RetryableDeliveryError);
    expect(await processor(job(1))).toEqual({ channel: 'ops', outcome: 'alreadyDelivered' });
    expect(teams.requests).toHaveLength(1);
  }, 60_000);
});

describe('logs', () => {
  // regression guard: a receiver quoting the request line put the URL's path (with its token) in the logs.
  it('never contain a webhook URL, its sig token or the signing secret, even when receivers quote them', async () => {
    const quoteRequest = (r: RecordedRequest) => `rejected POST ${r.path} (host ${r.headers.host}) sig ok?`;
    const teams = await sink({ defaultResponse: { status: 400, body: quoteRequest } });
    const hook = await sink({
      defaultResponse: { status: 503, body: (r) => `${quoteRequest(r)} secret=${SIGNING_SECRET}` },
    });
    const gone = await startHttpSink();
    const goneOrigin = gone.origin;
    await gone.close();
    const lines: string[] = [];
    // No redaction configured: the test shows secrets are never handed to the logger at all.
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const urls = {
      teams: teams.origin + TEAMS_PATH,
      hook: hook.origin + HOOK_PATH,
      gone: goneOrigin + HOOK_PATH,
    };
    const service = await startService(
      {
        teams: [{ name: 'ops', webhookUrl: secretRef(urls.teams) }],
        webhooks: [
          {
            name: 'siem',
            url: secretRef(urls.hook),
            secrets: [secretRef(SIGNING_SECRET)],
            retry: { schedule: ['PT0.1S'] },
          },
          {
            name: 'siem-down',
            url: secretRef(urls.gone),
            secrets: [secretRef(SIGNING_SECRET)],
            retry: { schedule: ['PT0.1S'] },
          },
        ],
        routing: [{ channels: ['ops', 'siem', 'siem-down'], alerts: ['InvalidLicenseAlert'] }],
        delivery: { backoffMs: 100, attempts: 2 },
      },
      logger,
    );
    await scan(service);
    const jobs = await finishedNotifyJobs(service, 3);
    expect(jobs.map((j) => j.data.channel).sort()).toEqual(['ops', 'siem', 'siem-down']);
    expect(teams.requests.length + hook.requests.length).toBe(3);

    const log = lines.join('');
    // The failures were logged, by channel name...
    expect(log).toContain('notification failed permanently');
    expect(log).toContain('Teams webhook for channel ops answered 400');
    expect(log).toContain('webhook for channel siem answered 503');
    expect(log).toContain('webhook for channel siem-down could not be reached');
    // ...once per attempt (regression guard: the channel and the job each logged every outcome)...
    const outcomes = lines
      .map((line) => JSON.parse(line) as { channel?: string; msg: string })
      .filter((line) => line.msg.startsWith('notification '));
    for (const job of jobs) {
      const attempts = outcomes.filter((line) => line.channel === job.data.channel);
      expect(attempts).toHaveLength(job.attemptsMade);
    }
    // ...and nothing that identifies or unlocks a receiver.
    const secrets = [
      urls.teams,
      urls.hook,
      urls.gone,
      'TeamsSig0123456789abc',
      'hook-token-7d1e93ab',
      SIGNING_SECRET,
      new URL(teams.origin).host,
      new URL(hook.origin).host,
      new URL(goneOrigin).host,
    ];
    const stored = jobs.map(
      (j) => `${j.failedReason ?? ''} ${JSON.stringify(j.stacktrace)} ${JSON.stringify(j.data)}`,
    );
    for (const secret of secrets) {
      expect(log).not.toContain(secret);
      for (const text of stored) expect(text).not.toContain(secret);
    }
  }, 60_000);
});
