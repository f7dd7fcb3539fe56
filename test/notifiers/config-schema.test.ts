import { describe, expect, it } from 'vitest';
import {
  type NotifiersConfigInput,
  notificationConfigIssues,
  notifiersConfigSchema,
  tenantNotificationsSchema,
} from '../../src/notifiers/config-schema.js';

const teams = { name: 'ops', webhookUrl: { env: 'TEAMS_OPS_URL' } };
const smtp = {
  name: 'mail',
  from: 'pimwatch@contoso.example',
  to: ['soc@contoso.example'],
  transport: { type: 'smtp', host: 'smtp.contoso.example' },
} as const;
const webhook = { name: 'siem', url: { env: 'SIEM_URL' }, secrets: [{ file: '/run/secrets/siem' }] };

function messagesOf(input: unknown): string[] {
  const result = notifiersConfigSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('notifiersConfigSchema', () => {
  it('gives every default for an empty section', () => {
    expect(notifiersConfigSchema.parse({})).toEqual({
      teams: [],
      email: [],
      webhooks: [],
      sentinel: [],
      splunk: [],
      routing: [],
      allowLoopbackWebhooks: false,
      allowPrivateNetworkTargets: false,
      locale: 'en-GB',
      feed: { maxLength: 10_000 },
      delivery: { attempts: 6, backoffMs: 10_000, maxDelayMs: 900_000, timeoutMs: 10_000 },
    });
  });

  it('fills channel defaults', () => {
    const config = notifiersConfigSchema.parse({ teams: [teams], email: [smtp], webhooks: [webhook] });
    expect(config.teams[0]).toEqual({ ...teams, mode: 'perTransition' });
    expect(config.email[0]).toMatchObject({
      subjectPrefix: '[pimwatch]',
      mode: 'digest',
      transport: { type: 'smtp', port: 587, secure: false, requireTls: true },
    });
    expect(config.webhooks[0]).toMatchObject({
      format: 'pimwatch',
      retry: { schedule: ['PT5S', 'PT5M', 'PT30M', 'PT2H', 'PT5H', 'PT10H', 'PT10H'] },
    });
  });

  it('accepts a Graph mail transport without a from address', () => {
    const graph = {
      name: 'graph-mail',
      to: ['soc@contoso.example'],
      transport: {
        type: 'graph',
        tenantId: '8f6a1d2e-4b7c-4e3a-9d1f-2c5b7a9e0f13',
        mailbox: 'pimwatch@contoso.example',
      },
    };
    expect(messagesOf({ email: [graph] })).toEqual([]);
  });

  it.each<{ name: string; input: NotifiersConfigInput | Record<string, unknown>; expected: string[] }>([
    {
      name: 'unknown keys, anywhere',
      input: { teams: [{ ...teams, colour: 'red' }], delivery: { retries: 3 } },
      expected: ['teams.0: Unrecognized key: "colour"', 'delivery: Unrecognized key: "retries"'],
    },
    {
      name: 'a webhook URL written inline instead of as a secret reference',
      input: { teams: [{ ...teams, webhookUrl: 'https://prod.example/workflows?sig=abc' }] },
      expected: [
        'teams.0.webhookUrl: must be { env: NAME } or { file: PATH }; secrets are never written inline',
      ],
    },
    {
      name: 'a rule naming an unknown channel, by rule name',
      input: { teams: [teams], routing: [{ name: 'high to SOC', channels: ['ops', 'soc'] }] },
      expected: ['routing.0.channels.1: rule "high to SOC" names unknown channel "soc" (channels: ops)'],
    },
    {
      name: 'a rule naming an unknown channel, by position',
      input: { routing: [{ channels: ['ops'] }, { channels: ['x'] }] },
      expected: [
        'routing.0.channels.0: rule 1 names unknown channel "ops" (channels: none are configured)',
        'routing.1.channels.0: rule 2 names unknown channel "x" (channels: none are configured)',
      ],
    },
    {
      name: 'the same name on two channels of different kinds',
      input: { teams: [teams], webhooks: [{ ...webhook, name: 'ops' }] },
      expected: [
        'webhooks.0.name: duplicate channel name "ops" (also teams[0]); names are shared by all kinds',
      ],
    },
    {
      name: 'an SMTP channel without a sender, a password without a user name',
      input: {
        email: [
          { ...smtp, from: undefined, transport: { ...smtp.transport, password: { env: 'SMTP_PASSWORD' } } },
        ],
      },
      expected: [
        'email.0.transport.password: username and password go together',
        'email.0.from: required for an SMTP transport',
      ],
    },
    {
      name: 'bad recipients, channel names and severities',
      input: {
        email: [{ ...smtp, name: 'mail box', to: ['not-an-address'] }],
        routing: [{ channels: ['mail box'], minSeverity: 'critical' }],
      },
      expected: [
        'email.0.name: letters, digits, dash and underscore only (at most 64)',
        'email.0.to.0: must be an email address',
        'routing.0.channels.0: letters, digits, dash and underscore only (at most 64)',
        'routing.0.minSeverity: Invalid option: expected one of "low"|"medium"|"high"',
      ],
    },
    {
      name: 'a webhook without a signing secret, and a retry schedule that is not durations',
      input: { webhooks: [{ ...webhook, secrets: [], retry: { schedule: ['5 minutes'] } }] },
      expected: [
        'webhooks.0.secrets: name at least one signing secret',
        'webhooks.0.retry.schedule.0: must be an ISO-8601 duration such as P30D, PT8H or PT10S',
      ],
    },
    {
      name: 'a retry schedule longer than the delivered markers last',
      input: { webhooks: [{ ...webhook, retry: { schedule: ['P5D', 'P3D'] } }] },
      expected: ['webhooks.0.retry.schedule: the schedule may add up to at most 7 days'],
    },
    {
      name: 'a Sentinel channel with a rule name instead of its immutable id, and a table instead of a stream',
      input: {
        sentinel: [
          {
            name: 'sentinel',
            tenantId: '8f6a1d2e-4b7c-4e3a-9d1f-2c5b7a9e0f13',
            endpoint: 'http://dce.example',
            ruleId: 'pimwatch-dcr',
            stream: 'PimwatchIncidents_CL',
          },
        ],
      },
      expected: [
        'sentinel.0.endpoint: must be an https URL',
        'sentinel.0.ruleId: must be a DCR immutable id: dcr- and 32 hex digits',
        'sentinel.0.stream: must be a custom stream name: Custom- and letters, digits, _',
      ],
    },
    {
      name: 'a Splunk channel with its token inline',
      input: { splunk: [{ name: 'splunk', url: 'https://splunk.example:8088', token: 'abc-123' }] },
      expected: ['splunk.0.token: must be { env: NAME } or { file: PATH }; secrets are never written inline'],
    },
    {
      name: 'a plain-http incident list',
      input: { incidentsUrl: 'http://pimwatch.contoso.example/incidents' },
      expected: ['incidentsUrl: must be an https URL'],
    },
  ])('rejects $name', ({ input, expected }) => {
    expect(messagesOf(input)).toEqual(expected);
  });
});

describe('notificationConfigIssues', () => {
  const notifiers = notifiersConfigSchema.parse({
    teams: [teams],
    email: [
      {
        name: 'graph-mail',
        to: ['soc@contoso.example'],
        transport: {
          type: 'graph',
          tenantId: '11111111-1111-4111-8111-111111111111',
          mailbox: 'pimwatch@contoso.example',
        },
      },
    ],
  });

  it('finds unknown channels in tenant routing and Graph mail through an unconfigured tenant', () => {
    const tenants = [
      { id: '8f6a1d2e-4b7c-4e3a-9d1f-2c5b7a9e0f13' },
      {
        id: '22222222-2222-4222-8222-222222222222',
        notifications: tenantNotificationsSchema.parse({
          routing: [{ name: 'msp', channels: ['ops', 'pager'] }],
        }),
      },
    ];
    expect(notificationConfigIssues({ notifiers, tenants })).toEqual([
      {
        path: ['tenants', 1, 'notifications', 'routing', 0, 'channels', 1],
        message: 'rule "msp" names unknown channel "pager" (channels: graph-mail, ops)',
      },
      {
        path: ['notifiers', 'email', 0, 'transport', 'tenantId'],
        message:
          'email channel "graph-mail" sends through tenant 11111111-1111-4111-8111-111111111111, which is not configured',
      },
    ]);
  });

  it('is silent for a consistent configuration', () => {
    const tenants = [
      {
        id: '11111111-1111-4111-8111-111111111111',
        notifications: tenantNotificationsSchema.parse({ routing: [{ channels: ['graph-mail'] }] }),
      },
    ];
    expect(notificationConfigIssues({ notifiers, tenants })).toEqual([]);
  });

  it('rejects unknown keys in tenant notifications', () => {
    expect(tenantNotificationsSchema.safeParse({ routing: [], teams: [] }).success).toBe(false);
  });
});
