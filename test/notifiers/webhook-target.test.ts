import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrust, type Trust } from '../../src/graph/trust.js';
import { buildChannels } from '../../src/notifiers/channels.js';
import { notifiersConfigSchema } from '../../src/notifiers/config-schema.js';
import { sendTeamsMessage } from '../../src/notifiers/send-teams.js';
import { sendSignedWebhook } from '../../src/notifiers/send-webhook.js';
import { renderTeamsCard } from '../../src/notifiers/teams-card.js';
import { type AddressLookup, checkWebhookTarget } from '../../src/notifiers/webhook-url.js';
import { type HttpSink, startHttpSink } from '../support/http-sink.js';
import { CTX, oneTransitionPerAlert } from './sample-transitions.js';

/** A resolver that answers from a table and records what it was asked: no DNS traffic in tests. */
function tableLookup(table: Record<string, string[]>) {
  const asked: string[] = [];
  const lookup: AddressLookup = async (hostname) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address }));
  };
  return { lookup, asked };
}

const refusedLookup: AddressLookup = async () => {
  throw new Error('a literal address must not be resolved');
};

describe('checkWebhookTarget: literal addresses', () => {
  it.each([
    { host: '10.0.0.5', kind: 'private' },
    { host: '172.16.3.4', kind: 'private' },
    { host: '172.31.255.255', kind: 'private' },
    { host: '192.168.1.1', kind: 'private' },
    { host: '169.254.169.254', kind: 'private' },
    { host: '0.0.0.0', kind: 'private' },
    { host: '[fd00::1]', kind: 'private' },
    { host: '[fe80::1]', kind: 'private' },
    { host: '[::ffff:10.0.0.1]', kind: 'private' },
    { host: '127.0.0.1', kind: 'loopback' },
    { host: '[::1]', kind: 'loopback' },
    { host: '172.32.0.1', kind: 'public' },
    { host: '203.0.113.10', kind: 'public' },
    { host: '[2001:db8::1]', kind: 'public' },
  ])('https://$host is $kind', async ({ host, kind }) => {
    const url = `https://${host}:8443/hook?sig=TOPSECRET`;
    const strict = await checkWebhookTarget(url, {
      channel: 'siem',
      allowLoopback: false,
      lookup: refusedLookup,
    });
    expect(strict.ok).toBe(kind === 'public');
    if (!strict.ok) {
      expect(strict.outcome.status).toBe('permanent');
      const reason = 'reason' in strict.outcome ? strict.outcome.reason : '';
      expect(reason).toMatch(/^webhook URL for channel siem leads to a /);
      expect(reason).toContain('notifiers.allowPrivateNetworkTargets');
      expect(reason).not.toContain(host.replace(/^\[|\]$/g, ''));
      expect(reason).not.toContain('TOPSECRET');
    }
    const testAllowance = await checkWebhookTarget(url, { channel: 'siem', allowLoopback: true });
    expect(testAllowance.ok).toBe(kind !== 'private');
    const allowed = await checkWebhookTarget(url, {
      channel: 'siem',
      allowLoopback: false,
      allowPrivateNetwork: true,
    });
    expect(allowed.ok).toBe(true);
  });
});

describe('checkWebhookTarget: host names are judged by what they resolve to at send time', () => {
  const { lookup, asked } = tableLookup({
    'siem.contoso.example': ['203.0.113.10', '2001:db8::10'],
    'mixed.contoso.example': ['203.0.113.11', '10.20.30.40'],
    'metadata.contoso.example': ['169.254.169.254'],
    'empty.contoso.example': [],
  });
  const check = (host: string, allowPrivateNetwork = false) =>
    checkWebhookTarget(`https://${host}/hook`, {
      channel: 'siem',
      allowLoopback: false,
      allowPrivateNetwork,
      lookup,
    });

  it('passes a name with public addresses only', async () => {
    expect(await check('siem.contoso.example')).toMatchObject({ ok: true });
    expect(asked).toContain('siem.contoso.example');
  });

  it('refuses a name with one private address among public ones, and a metadata address', async () => {
    for (const host of ['mixed.contoso.example', 'metadata.contoso.example']) {
      const result = await check(host);
      expect(result).toEqual({
        ok: false,
        outcome: {
          status: 'permanent',
          reason:
            'webhook URL for channel siem leads to a private or link-local network address, which needs notifiers.allowPrivateNetworkTargets',
        },
      });
    }
  });

  it('makes a name that does not resolve a retryable failure, naming no host', async () => {
    for (const host of ['gone.contoso.example', 'empty.contoso.example']) {
      const result = await check(host);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.outcome.status).toBe('retryable');
        expect(JSON.stringify(result.outcome)).not.toContain('contoso');
      }
    }
  });

  it('with notifiers.allowPrivateNetworkTargets, resolves nothing and passes', async () => {
    const before = asked.length;
    expect(await check('metadata.contoso.example', true)).toMatchObject({ ok: true });
    expect(asked.length).toBe(before);
  });
});

describe('senders refuse a private target before connecting', () => {
  it('the signed webhook and the Teams card both stop at the resolved address', async () => {
    const { lookup, asked } = tableLookup({ 'hooks.internal.example': ['192.168.7.7'] });
    const transition = oneTransitionPerAlert('opened')[0]!;
    const webhook = await sendSignedWebhook({
      channel: 'siem',
      webhookUrl: 'https://hooks.internal.example/ingest',
      secrets: [
        { value: `whsec_${Buffer.alloc(32, 7).toString('base64')}`, key: 'notifiers.webhooks[0].secrets[0]' },
      ],
      body: '{}',
      eventId: transition.eventId,
      timeoutMs: 500,
      allowLoopback: false,
      lookup,
    });
    const teams = await sendTeamsMessage({
      channel: 'ops',
      webhookUrl: 'https://hooks.internal.example/workflows/x?sig=TOPSECRET',
      message: renderTeamsCard(transition, CTX),
      timeoutMs: 500,
      allowLoopback: false,
      lookup,
    });
    for (const outcome of [webhook, teams]) {
      expect(outcome).toMatchObject({
        status: 'permanent',
        reason: expect.stringContaining('leads to a private or link-local network address'),
      });
    }
    expect(asked).toEqual(['hooks.internal.example', 'hooks.internal.example']);
  });
});

describe('notifiers.allowPrivateNetworkTargets through the configured channels', () => {
  let sink: HttpSink;
  let trust: Trust;
  beforeAll(async () => {
    sink = await startHttpSink({ tls: true, defaultResponse: { status: 204 } });
    trust = createTrust(sink.caPem);
  });
  afterAll(async () => {
    await sink.close();
    await trust.close();
  });

  it('an https webhook on loopback is refused by default and delivered when allowed', async () => {
    const transition = oneTransitionPerAlert('opened')[0]!;
    const outcome = async (allowPrivateNetworkTargets: boolean) => {
      const config = notifiersConfigSchema.parse({
        webhooks: [{ name: 'siem', url: { env: 'SIEM_URL' }, secrets: [{ env: 'SIEM_SECRET' }] }],
        allowPrivateNetworkTargets,
      });
      const channels = buildChannels(config, {
        readSecret: (ref) =>
          'env' in ref && ref.env === 'SIEM_URL'
            ? `${sink.origin}/ingest`
            : `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
        ...(trust.dispatcher ? { dispatcher: trust.dispatcher } : {}),
      });
      const channel = channels.get('siem')!;
      return channel.send(channel.render([transition], CTX));
    };
    const before = sink.requests.length;
    expect(await outcome(false)).toMatchObject({
      status: 'permanent',
      reason: expect.stringContaining('leads to a loopback address'),
    });
    expect(sink.requests.length).toBe(before);
    expect(await outcome(true)).toEqual({ status: 'delivered' });
    expect(sink.requests.length).toBe(before + 1);
  });
});
