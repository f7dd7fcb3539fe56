import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretRef } from '../../src/config/secret.js';
import {
  buildChannels,
  type ChannelDescription,
  deliveryKey,
  describeChannels,
} from '../../src/notifiers/channels.js';
import { type NotifiersConfigInput, notifiersConfigSchema } from '../../src/notifiers/config-schema.js';
import { routeTransition } from '../../src/notifiers/routing.js';
import type { TeamsMessage } from '../../src/notifiers/teams-card.js';
import { type HttpSink, startHttpSink } from '../support/http-sink.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { newWebhookSecret } from '../support/webhook-secret.js';
import { CTX, oneTransitionPerAlert, scanOfTransitions } from './sample-transitions.js';

const TEAMS_SIG = 'sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Wf7TeamsSignatureSecret0123456789';
const SIGNING_SECRET = newWebhookSecret();
const SMTP_PASSWORD = 'smtp-Pa55word-never-logged';

describe('buildChannels', () => {
  let teamsSink: HttpSink;
  let hookSink: HttpSink;
  let smtp: SmtpSink;
  let secrets: Record<string, string>;
  const readSecret = (ref: SecretRef, what: string) => {
    const name = 'env' in ref ? ref.env : ref.file;
    const value = secrets[name];
    if (value === undefined) throw new Error(`${what}: environment variable ${name} is not set`);
    return value;
  };
  let input: NotifiersConfigInput;

  beforeAll(async () => {
    [teamsSink, hookSink, smtp] = await Promise.all([
      startHttpSink(),
      startHttpSink({ defaultResponse: { status: 200 } }),
      startSmtpSink(),
    ]);
    secrets = {
      TEAMS_OPS_URL: `${teamsSink.origin}/workflows/ops/triggers/manual/paths/invoke?${TEAMS_SIG}`,
      SIEM_URL: `${hookSink.origin}/ingest`,
      SIEM_SECRET: SIGNING_SECRET,
      SMTP_PASSWORD,
    };
    input = {
      teams: [
        { name: 'ops', webhookUrl: { env: 'TEAMS_OPS_URL' } },
        { name: 'ops-digest', webhookUrl: { env: 'TEAMS_OPS_URL' }, mode: 'digest' },
      ],
      email: [
        {
          name: 'soc-mail',
          from: 'pimwatch@contoso.example',
          to: ['soc@contoso.example'],
          transport: { type: 'smtp', host: smtp.host, port: smtp.port, requireTls: false },
        },
      ],
      webhooks: [
        { name: 'siem', url: { env: 'SIEM_URL' }, secrets: [{ env: 'SIEM_SECRET' }] },
        { name: 'siem-ocsf', url: { env: 'SIEM_URL' }, secrets: [{ env: 'SIEM_SECRET' }], format: 'ocsf' },
      ],
      routing: [
        { name: 'SOC feed', channels: ['siem', 'siem-ocsf'] },
        { name: 'ops: medium and up', channels: ['ops'], minSeverity: 'medium' },
        { name: 'SOC mail: high', channels: ['soc-mail'], minSeverity: 'high' },
      ],
      allowLoopbackWebhooks: true,
      delivery: { timeoutMs: 3000 },
    };
  });
  afterAll(() => Promise.all([teamsSink.close(), hookSink.close(), smtp.close()]));

  it('gives every configured channel with its kind and mode', () => {
    const channels = buildChannels(notifiersConfigSchema.parse(input), { readSecret });
    expect([...channels.values()].map((c) => [c.name, c.kind, c.mode])).toEqual([
      ['ops', 'teams', 'perTransition'],
      ['ops-digest', 'teams', 'digest'],
      ['soc-mail', 'email', 'digest'],
      ['siem', 'webhook', 'perTransition'],
      ['siem-ocsf', 'webhook', 'perTransition'],
    ]);
  });

  it('delivers each routed transition on each channel, as the notify job will', async () => {
    const config = notifiersConfigSchema.parse(input);
    const channels = buildChannels(config, { readSecret });
    const transitions = oneTransitionPerAlert('opened');
    const before = {
      teams: teamsSink.requests.length,
      hooks: hookSink.requests.length,
      mails: smtp.mails.length,
    };
    const outcomes: string[] = [];
    for (const transition of transitions) {
      for (const name of routeTransition(transition, config.routing)) {
        const channel = channels.get(name)!;
        const outcome = await channel.send(channel.render([transition], CTX));
        outcomes.push(`${transition.alert} → ${name}: ${outcome.status}`);
      }
    }
    expect(outcomes.every((o) => o.endsWith(': delivered'))).toBe(true);
    const high = transitions.filter((t) => t.severity === 'high').length;
    const mediumUp = transitions.filter((t) => t.severity !== 'low').length;
    expect(teamsSink.requests.length - before.teams).toBe(mediumUp);
    expect(hookSink.requests.length - before.hooks).toBe(2 * transitions.length);
    expect(smtp.mails.length - before.mails).toBe(high);

    const hooks = hookSink.requests.slice(before.hooks);
    const receiver = new Webhook(SIGNING_SECRET);
    for (const request of hooks) {
      expect(() => receiver.verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    }
    const ocsf = hooks.map((r) => JSON.parse(r.body)).filter((b) => b.class_uid === 2004);
    expect(ocsf).toHaveLength(transitions.length);
  });

  it('renders a scan as one digest card on a digest channel, and one card for a single change', () => {
    const channel = buildChannels(notifiersConfigSchema.parse(input), { readSecret }).get('ops-digest')!;
    const scan = scanOfTransitions();
    const digest = channel.render(scan, CTX);
    const single = channel.render(scan.slice(0, 1), CTX);
    if (digest.kind !== 'teams' || single.kind !== 'teams') throw new Error('expected Teams payloads');
    const firstText = (m: TeamsMessage) => JSON.stringify(m.attachments[0].content.body[0]);
    expect(firstText(digest.message)).toContain('PIM alert changes in Contoso');
    expect(firstText(single.message)).not.toContain('PIM alert changes in Contoso');
    expect(digest.eventIds).toHaveLength(scan.length);
  });

  it('gives stable delivery keys: one per transition and channel, one per set of transitions', () => {
    const channels = buildChannels(notifiersConfigSchema.parse(input), { readSecret });
    const [a, b] = oneTransitionPerAlert('opened');
    const mail = channels.get('soc-mail')!;
    expect(mail.render([a!], CTX).deliveryKey).toBe(`soc-mail-${a!.eventId}`);
    expect(mail.render([a!, b!], CTX).deliveryKey).toBe(mail.render([b!, a!], CTX).deliveryKey);
    expect(deliveryKey('soc-mail', [a!, b!])).toMatch(/^soc-mail-[0-9a-f]{32}$/);
    expect(deliveryKey('ops', [a!])).not.toBe(deliveryKey('soc-mail', [a!]));
    const rendered = mail.render([a!], CTX);
    expect(rendered.kind === 'email' && rendered.messageId).toBe(`<soc-mail-${a!.eventId}@contoso.example>`);
  });

  it('sends a webhook one event at a time', () => {
    const channel = buildChannels(notifiersConfigSchema.parse(input), { readSecret }).get('siem')!;
    expect(() => channel.render(oneTransitionPerAlert('opened'), CTX)).toThrow(RangeError);
  });

  it('records a missing secret as a permanent failure that names the reference only', async () => {
    const channels = buildChannels(notifiersConfigSchema.parse(input), {
      readSecret: (ref, what) => {
        if ('env' in ref && ref.env === 'SIEM_SECRET')
          throw new Error(`${what}: environment variable SIEM_SECRET is not set`);
        return readSecret(ref, what);
      },
    });
    const channel = channels.get('siem')!;
    expect(await channel.send(channel.render(oneTransitionPerAlert('opened').slice(0, 1), CTX))).toEqual({
      status: 'permanent',
      reason: 'secrets[0] of webhook channel siem: environment variable SIEM_SECRET is not set',
    });
  });

  it('refuses a payload rendered by another channel', async () => {
    const channels = buildChannels(notifiersConfigSchema.parse(input), { readSecret });
    const rendered = channels.get('ops')!.render(oneTransitionPerAlert('opened').slice(0, 1), CTX);
    expect(await channels.get('siem')!.send(rendered)).toEqual({
      status: 'permanent',
      reason: 'a teams payload for channel ops was given to webhook channel siem',
    });
  });

  it('needs a Graph session provider for a Graph mail channel', () => {
    const config = notifiersConfigSchema.parse({
      email: [
        {
          name: 'graph-mail',
          to: ['soc@contoso.example'],
          transport: { type: 'graph', tenantId: CTX.tenantId, mailbox: 'pimwatch@contoso.example' },
        },
      ],
    });
    expect(() => buildChannels(config, { readSecret })).toThrow(/graph-mail sends through Graph/);
    expect(
      buildChannels(config, {
        readSecret,
        graphSessionFor: () => ({
          send: async () => ({ ok: true, value: { status: 202, headers: {}, body: null } }),
        }),
      }).get('graph-mail')?.kind,
    ).toBe('email');
    // regression guard: the notify enqueuer built senders, so a Graph mail channel stopped the worker.
    expect(describeChannels(config).get('graph-mail')).toMatchObject({
      name: 'graph-mail',
      kind: 'email',
      mode: 'digest',
      retry: { attempts: 6 },
    });
  });

  it('describes every channel as buildChannels builds it, with the longest time one send may take', () => {
    const config = notifiersConfigSchema.parse(input);
    const built = [...buildChannels(config, { readSecret }).values()];
    const summary = (c: ChannelDescription) => [
      c.name,
      c.kind,
      c.mode,
      c.retry.attempts,
      c.retryWhenMaybeDelivered,
    ];
    expect([...describeChannels(config).values()].map(summary)).toEqual(built.map(summary));
    // Webhooks retry on the Standard Webhooks schedule (7 retries); the others on `delivery.attempts`.
    expect(built.map((c) => [c.name, c.retry.attempts, c.retryWhenMaybeDelivered])).toEqual([
      ['ops', 6, false],
      ['ops-digest', 6, false],
      ['soc-mail', 6, true],
      ['siem', 8, true],
      ['siem-ocsf', 8, true],
    ]);
    // SMTP's deadline covers the whole exchange, twice the per-phase timeout.
    expect(built.map((c) => [c.name, c.sendTimeoutMs])).toEqual([
      ['ops', 3000],
      ['ops-digest', 3000],
      ['soc-mail', 6000],
      ['siem', 3000],
      ['siem-ocsf', 3000],
    ]);
  });

  // The notify job logs outcomes as they come (reason included), so what must stay secret must stay out of them.
  it('never puts a webhook URL, a signing secret or a password in an outcome, even when delivery fails', async () => {
    const config = notifiersConfigSchema.parse({
      ...input,
      email: [
        {
          name: 'soc-mail',
          from: 'pimwatch@contoso.example',
          to: ['gone@contoso.example'],
          transport: {
            type: 'smtp',
            host: smtp.host,
            port: smtp.port,
            requireTls: false,
            username: 'pimwatch',
            password: { env: 'SMTP_PASSWORD' },
          },
        },
      ],
    });
    const channels = buildChannels(config, { readSecret });
    const [transition] = oneTransitionPerAlert('opened');
    const ours = [transition!];

    teamsSink.respondWith({
      status: 400,
      body: `{"error":{"message":"Bad card posted to ${secrets.TEAMS_OPS_URL}"}}`,
    });
    const teams = channels.get('ops')!;
    const teamsOutcome = await teams.send(teams.render(ours, CTX));

    hookSink.respondWith({ status: 400, body: `signature ${SIGNING_SECRET} rejected` });
    const siem = channels.get('siem')!;
    const siemOutcome = await siem.send(siem.render(ours, CTX));

    smtp.rejectRecipient('gone@contoso.example', 550, 'No such user');
    const mail = channels.get('soc-mail')!;
    const mailOutcome = await mail.send(mail.render(ours, CTX));

    const text = JSON.stringify([teamsOutcome, siemOutcome, mailOutcome]);
    for (const secret of [
      secrets.TEAMS_OPS_URL!,
      TEAMS_SIG,
      'Wf7TeamsSignatureSecret0123456789',
      secrets.SIEM_URL!,
      SIGNING_SECRET,
      SMTP_PASSWORD,
      teamsSink.origin,
      hookSink.origin,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(teamsOutcome).toEqual({
      status: 'permanent',
      reason:
        'Teams webhook for channel ops answered 400: {"error":{"message":"Bad card posted to [redacted]"}}',
    });
    expect(siemOutcome).toEqual({
      status: 'permanent',
      reason: 'webhook for channel siem answered 400: signature [redacted] rejected',
    });
    // The SMTP login went through with the password; the recipient was then refused.
    expect(mailOutcome).toMatchObject({
      status: 'permanent',
      reason: expect.stringContaining('550 No such user'),
    });
  });
});
