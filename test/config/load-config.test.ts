import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'pimwatch-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const TENANT = '8f6a1d2e-4b7c-4e3a-9d1f-2c5b7a9e0f13';

describe('loadConfig', () => {
  it('gives every default when nothing is configured', () => {
    const config = loadConfig({ env: {} });
    expect(config.tenants).toEqual([]);
    expect(config.graph.baseUrl).toBe('https://graph.microsoft.com');
    expect(config.graph.rateLimits).toEqual({ signInActivityPerMinute: 10, reportsPer10Seconds: 5 });
    expect(config.redis.keyPrefix).toBe('pimwatch');
    expect(config.redis.url).toBeUndefined();
  });

  it('reads YAML with secrets as references and fills nested defaults', () => {
    const path = file(
      'ok.yaml',
      `tenants:\n  - id: ${TENANT}\n    name: Contoso\n    credential: { type: clientSecret, clientId: app, clientSecret: { env: SECRET } }\n`,
    );
    const config = loadConfig({ file: path, env: {} });
    expect(config.tenants[0]).toMatchObject({
      id: TENANT,
      credential: { clientSecret: { env: 'SECRET' } },
      schedule: { cron: '0 6 * * *', timezone: 'UTC' },
    });
  });

  it('lists every problem by path', () => {
    const path = file(
      'bad.yaml',
      [
        'tenants:',
        `  - id: ${TENANT}`,
        '    name: A',
        '    credential: { type: clientSecret, clientId: app, clientSecret: { env: S } }',
        '  - id: not-a-guid',
        '    name: B',
        '    credential: { type: clientSecret, clientId: app }',
        '    schedule: { cron: "every day", timezone: Mars/Olympus }',
        'graph: { baseUrl: "http://graph.example", maxConcurent: 3 }',
      ].join('\n'),
    );
    const problems = problemsOf(() => loadConfig({ file: path, env: {} }));
    expect(problems).toEqual(
      expect.arrayContaining([
        'tenants[1].id: must be the tenant id (a GUID)',
        'tenants[1].credential.clientSecret: required',
        expect.stringMatching(/^tenants\[1\]\.schedule\.cron: must be a cron pattern/),
        expect.stringMatching(/^tenants\[1\]\.schedule\.timezone: must be an IANA time zone/),
        'graph.baseUrl: must be an https URL',
        expect.stringMatching(/^graph: Unrecognized key.*maxConcurent/),
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('refuses a secret written inline', () => {
    const path = file(
      'inline.yaml',
      `tenants:\n  - id: ${TENANT}\n    name: A\n    credential: { type: clientSecret, clientId: app, clientSecret: hunter2 }\n`,
    );
    const problems = problemsOf(() => loadConfig({ file: path, env: {} }));
    expect(problems).toEqual([
      'tenants[0].credential.clientSecret: must be { env: NAME } or { file: PATH }; secrets are never written inline',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('rejects duplicate tenant ids', () => {
    const t = `  - id: ${TENANT}\n    name: A\n    credential: { type: managedIdentity }\n`;
    const problems = problemsOf(() => loadConfig({ file: file('dup.yaml', `tenants:\n${t}${t}`), env: {} }));
    expect(problems).toEqual(['tenants[1].id: duplicate tenant id (also tenants[0])']);
  });
});

describe('loadConfig schedules, environment overrides and files', () => {
  it.each([
    ['* * * * * *', 'fires every 1 s'],
    ['*/2 * * * *', 'fires every 120 s'],
    ['0,1 6 * * *', 'fires every 60 s'],
  ])('rejects a cron pattern %j firing more often than every 5 minutes, naming the key', (cron, says) => {
    const t = `  - id: ${TENANT}\n    name: A\n    credential: { type: managedIdentity }\n    schedule: { cron: "${cron}" }\n`;
    const problems = problemsOf(() => loadConfig({ file: file('cron.yaml', `tenants:\n${t}`), env: {} }));
    expect(problems).toEqual([
      `tenants[0].schedule.cron: ${says}, more often than worker.minScheduleIntervalSeconds (300 s)`,
    ]);
  });

  it('accepts a cron pattern at the minimum interval', () => {
    const t = `  - id: ${TENANT}\n    name: A\n    credential: { type: managedIdentity }\n    schedule: { cron: "*/5 * * * *" }\n`;
    expect(loadConfig({ file: file('cron-ok.yaml', `tenants:\n${t}`), env: {} }).tenants).toHaveLength(1);
  });

  it('applies environment overrides by path, JSON values included', () => {
    const config = loadConfig({
      env: {
        PIMWATCH__redis__url: 'redis://cache:6380/2',
        PIMWATCH__graph__maxConcurrency: '8',
        PIMWATCH__tenants__0__id: TENANT,
        PIMWATCH__tenants__0__name: 'Contoso',
        PIMWATCH__tenants__0__credential: '{"type":"managedIdentity"}',
      },
    });
    expect(config.redis.url).toBe('redis://cache:6380/2');
    expect(config.graph.maxConcurrency).toBe(8);
    expect(config.tenants[0]).toMatchObject({
      id: TENANT,
      name: 'Contoso',
      credential: { type: 'managedIdentity' },
    });
  });

  it('takes REDIS_URL as a shorthand, and an explicit override wins', () => {
    expect(loadConfig({ env: { REDIS_URL: 'redis://a:1' } }).redis.url).toBe('redis://a:1');
    expect(
      loadConfig({ env: { REDIS_URL: 'redis://a:1', PIMWATCH__redis__url: 'redis://b:2' } }).redis.url,
    ).toBe('redis://b:2');
  });

  it('names the file when it is missing or not YAML', () => {
    expect(problemsOf(() => loadConfig({ file: join(dir, 'nope.yaml'), env: {} }))).toEqual([
      'file not found',
    ]);
    const bad = file('broken.yaml', 'tenants: [\n  - {');
    const problems = problemsOf(() => loadConfig({ file: bad, env: {} }));
    expect(problems[0]).toMatch(/^not valid YAML or JSON: /);
    try {
      loadConfig({ file: bad, env: {} });
    } catch (error) {
      expect((error as Error).message).toContain(bad);
    }
  });
});

describe('loadConfig problem wording', () => {
  it('says "required" only for absent values, and the type otherwise', () => {
    const path = file(
      'types.yaml',
      `tenants:\n  - id: ${TENANT}\n    credential: { type: managedIdentity }\n    name: 7\ngraph: { maxConcurrency: "many" }\n`,
    );
    const problems = problemsOf(() => loadConfig({ file: path, env: {} }));
    expect(problems).toContain('tenants[0].name: Invalid input: expected string, received number');
    expect(problems).toContain('graph.maxConcurrency: Invalid input: expected number, received string');
    const missing = problemsOf(() =>
      loadConfig({
        file: file(
          'missing.yaml',
          `tenants:\n  - id: ${TENANT}\n    credential: { type: managedIdentity }\n`,
        ),
        env: {},
      }),
    );
    expect(missing).toEqual(['tenants[0].name: required']);
  });
});

describe('loadConfig cross-section checks', () => {
  it("names a tenant's routing rule that points at an unknown channel", () => {
    const path = file(
      'routing.yaml',
      [
        'tenants:',
        `  - id: ${TENANT}`,
        '    name: A',
        '    credential: { type: managedIdentity }',
        '    notifications:',
        '      routing:',
        '        - channels: [soc-teams]',
        'notifiers:',
        '  teams:',
        '    - name: identity-teams',
        '      webhookUrl: { env: TEAMS_URL }',
      ].join('\n'),
    );
    const problems = problemsOf(() => loadConfig({ file: path, env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^tenants\[0\]\.notifications\.routing\[0\]\.channels/);
    expect(problems[0]).toContain('soc-teams');
  });
});

describe('loadConfig webhook signing secrets', () => {
  const config = (secrets: string) =>
    file(
      `webhook-${secrets.length}.yaml`,
      [
        'notifiers:',
        '  webhooks:',
        '    - name: soc',
        '      url: { env: SOC_URL }',
        `      secrets: ${secrets}`,
      ].join('\n'),
    );
  const good = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

  it('refuses a readable secret that is not whsec_ and base64 of 24 to 64 bytes, naming the key only', () => {
    const problems = problemsOf(() =>
      loadConfig({
        file: config('[{ env: OLD }, { env: NEW }, { env: SHORT }]'),
        env: { OLD: 'hunter2-shared-secret', NEW: good, SHORT: 'whsec_c2hvcnQ=' },
      }),
    );
    expect(problems).toEqual([
      'notifiers.webhooks[0].secrets[0]: the signing secret of webhook channel "soc" (env:OLD) must start with "whsec_" (a Standard Webhooks secret)',
      'notifiers.webhooks[0].secrets[2]: the signing secret of webhook channel "soc" (env:SHORT) must encode 24 to 64 random bytes (it encodes 5)',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('accepts valid secrets, and leaves one that cannot be read yet to be checked when sending', () => {
    const loaded = loadConfig({ file: config('[{ env: NEW }, { env: LATER }]'), env: { NEW: good } });
    expect(loaded.notifiers.webhooks[0]?.secrets).toEqual([{ env: 'NEW' }, { env: 'LATER' }]);
  });
});
