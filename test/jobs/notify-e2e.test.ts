import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PimwatchConfig } from '../../src/config/schema.js';
import { mergeDetectorsConfig } from '../../src/detectors/config-schema.js';
import { remediateIncident } from '../../src/graph/alert-actions.js';
import { openGraphSession } from '../../src/graph/session.js';
import type { Transition } from '../../src/model/lifecycle.js';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import { renderContextFor } from '../../src/notifiers/links.js';
import { renderTeamsCard } from '../../src/notifiers/teams-card.js';
import { planRemediation } from '../../src/reconcile/remediation-plan.js';
import { assessTenant } from '../../src/scan/run-scan.js';
import type { StateStore } from '../../src/store/state-store.js';
import { demoFixture } from '../support/demo-fixture.js';
import { type HttpSink, startHttpSink } from '../support/http-sink.js';
import { type ServiceEnv, startServiceEnv } from '../support/service-harness.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { newWebhookSecret } from '../support/webhook-secret.js';
import { startWorkerHarness, type WorkerHarness } from '../support/worker-harness.js';

/**
 * Two scans of the demo tenant with a change between them, through the worker, to real sinks: the
 * first scan announces every incident it opens, the second only what changed (an incident fixed through
 * PIM's remediate action resolves; a suppressed incident whose suppression was lifted is announced),
 * and nothing else. A suppressed incident is in the feed but is sent to nobody.
 */

const TENANT_NAME = 'Harbourline Freight';
/** Demo: three sequential activations of one role by this engineer (SequentialActivationRenewalsAlert). */
const SEQUENTIAL_USER = 'ec2d5843-e103-4e05-beb5-9ae9e7398329';
/** Demo: a service principal given a role by an automation app, outside PIM (RolesAssignedOutsidePimAlert). */
const OUTSIDE_PIM_PRINCIPAL = 'dca61bda-d83e-4e9a-b4c8-b91445356de6';
const SIGNING_SECRET = newWebhookSecret();

let env: ServiceEnv;
let tenantId: string;
let config: PimwatchConfig;
let teams: HttpSink;
let siem: HttpSink;
let smtp: SmtpSink;
let harness: WorkerHarness;
let store: StateStore;

beforeAll(async () => {
  const fixture = await demoFixture();
  tenantId = fixture.tenantId;
  env = await startServiceEnv([fixture], { timeShiftTo: new Date() });
  [teams, siem, smtp] = await Promise.all([
    startHttpSink(),
    startHttpSink({ defaultResponse: { status: 204 } }),
    startSmtpSink(),
  ]);
  process.env.PIMWATCH_E2E_TEAMS_URL = `${teams.origin}/workflows/e2e/triggers/manual/paths/invoke?sig=E2eSig`;
  process.env.PIMWATCH_E2E_SIEM_URL = `${siem.origin}/intake`;
  process.env.PIMWATCH_E2E_SIEM_SECRET = SIGNING_SECRET;
  ({ config } = env.writeConfig({
    tenants: [{ id: tenantId, name: TENANT_NAME }],
    notifiers: {
      allowLoopbackWebhooks: true,
      teams: [{ name: 'ops', webhookUrl: { env: 'PIMWATCH_E2E_TEAMS_URL' } }],
      webhooks: [
        {
          name: 'siem',
          url: { env: 'PIMWATCH_E2E_SIEM_URL' },
          secrets: [{ env: 'PIMWATCH_E2E_SIEM_SECRET' }],
        },
      ],
      email: [
        {
          name: 'soc-mail',
          from: 'pimwatch@harbourline.example',
          to: ['soc@harbourline.example'],
          transport: { type: 'smtp', host: smtp.host, port: smtp.port, requireTls: false },
        },
      ],
      routing: [{ name: 'everything', channels: ['ops', 'siem', 'soc-mail'] }],
    },
  }));
  harness = await startWorkerHarness(config);
  store = harness.store;
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await Promise.all([teams?.close(), siem?.close(), smtp?.close()]);
  await env?.stop();
});

const scan = (): Promise<Transition[]> => harness.scan(tenantId);
const settledNotifyJobs = (count: number): Promise<Job[]> => harness.settledNotifyJobs(count);

const ctx = () => renderContextFor({ id: tenantId, name: TENANT_NAME }, {});
const sortedJson = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();
const eventIdsOf = (requests: HttpSink['requests']) =>
  requests.map((r) => String(r.headers['webhook-id'])).sort();
const ids = (transitions: Transition[]) => transitions.map((t) => t.eventId).sort();
const what = (t: Transition) =>
  `${t.type} ${t.alert} ${t.incident.assigneeId ?? t.incident.roleTemplateId ?? ''}`;

/** What every sink must have received for these transitions, and nothing more. */
function expectDelivered(sent: Transition[], from: { teams: number; siem: number; mails: number }) {
  const cards = teams.requests.slice(from.teams).map((r) => JSON.parse(r.body) as unknown);
  expect(sortedJson(cards)).toEqual(sortedJson(sent.map((t) => renderTeamsCard(t, ctx()))));
  const events = siem.requests.slice(from.siem);
  expect(eventIdsOf(events)).toEqual(ids(sent));
  expect(sortedJson(events.map((r) => JSON.parse(r.body) as unknown))).toEqual(
    sortedJson(sent.map((t) => renderFeedEvent(t, ctx()))),
  );
  const mails = smtp.mails.slice(from.mails);
  expect(mails).toHaveLength(1);
  expect(mails[0]!.subject).toMatch(new RegExp(` – ${sent.length} PIM alert changes?$`));
  for (const t of sent) expect(mails[0]!.text).toContain(t.incident.assigneeDisplayName ?? TENANT_NAME);
}

describe('two scans of the demo tenant', () => {
  it('notify exactly the transitions: every opening, then only the resolved and the newly announced', async () => {
    await store.addSuppression({
      tenantId,
      principalId: SEQUENTIAL_USER,
      alert: 'SequentialActivationRenewalsAlert',
      reason: 'Release week: the on-call engineer extends by design',
      author: 'notify e2e test',
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    });

    // Scan 1: everything opens; the suppressed incident is recorded but sent nowhere.
    const first = await scan();
    expect(first.length).toBeGreaterThan(20);
    expect(new Set(first.map((t) => t.type))).toEqual(new Set(['opened']));
    const suppressed = first.filter((t) => t.suppressed);
    expect(suppressed.map(what)).toEqual([`opened SequentialActivationRenewalsAlert ${SEQUENTIAL_USER}`]);
    const sentFirst = first.filter((t) => !t.suppressed);
    // One Teams card and one webhook event per transition, one digest mail for the scan.
    const jobsFirst = await settledNotifyJobs(2 * sentFirst.length + 1);
    expect(jobsFirst).toHaveLength(2 * sentFirst.length + 1);
    expect(jobsFirst.filter((j) => j.failedReason)).toEqual([]);
    expectDelivered(sentFirst, { teams: 0, siem: 0, mails: 0 });
    const feed = await store.readFeed({ limit: 1000 });
    expect(feed.events.map((e) => e.transition.eventId)).toEqual(first.map((t) => t.eventId));

    // The change: PIM remediates one incident (takes the role away), and the suppression is lifted.
    const tenant = config.tenants[0]!;
    const session = openGraphSession(tenant, config.graph);
    try {
      const assessed = await assessTenant({
        tenant,
        session,
        detectors: mergeDetectorsConfig(config.detectors, tenant.detectors),
        reconcile: config.reconcile,
        now: new Date(),
      });
      const target = assessed.reconciled.incidents.find(
        (i) => i.alert === 'RolesAssignedOutsidePimAlert' && i.assigneeId === OUTSIDE_PIM_PRINCIPAL,
      );
      const plan = planRemediation(assessed.snapshot, target!);
      expect(plan.possible).toBe(true);
      expect(await remediateIncident(session.http, plan)).toMatchObject({ ok: true });
    } finally {
      await session.close();
    }
    const [suppression] = await store.listSuppressions(tenantId);
    expect(await store.removeSuppression(tenantId, suppression!.id)).toBe(true);

    // Scan 2: exactly the remediated incident resolves and the hidden one is announced.
    const from = { teams: teams.requests.length, siem: siem.requests.length, mails: smtp.mails.length };
    const second = await scan();
    expect(second.map(what).sort()).toEqual(
      [
        `opened SequentialActivationRenewalsAlert ${SEQUENTIAL_USER}`,
        `resolved RolesAssignedOutsidePimAlert ${OUTSIDE_PIM_PRINCIPAL}`,
      ].sort(),
    );
    expect(second.every((t) => t.suppressed === null)).toBe(true);
    // The announcement is a new event, not the one the suppressed opening had.
    expect(ids(second)).not.toContain(suppressed[0]!.eventId);
    const jobsAll = await settledNotifyJobs(jobsFirst.length + 2 * second.length + 1);
    expect(jobsAll).toHaveLength(jobsFirst.length + 2 * second.length + 1);
    expect(jobsAll.filter((j) => j.failedReason)).toEqual([]);
    expectDelivered(second, from);

    // Across both scans: every sent transition exactly once per channel, nothing for still-open ones.
    expect(eventIdsOf(siem.requests)).toEqual(ids([...sentFirst, ...second]));
    expect(teams.requests).toHaveLength(sentFirst.length + second.length);
    expect(smtp.mails).toHaveLength(2);
  }, 120_000);
});
