import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPimwatch } from '../support/run-cli.js';

const TENANT = '8f6a1d2e-4b7c-4e3a-9d1f-2c5b7a9e0f13';
const dir = mkdtempSync(join(tmpdir(), 'pimwatch-secrets-'));

/** A valid configuration whose tenant secret and API key come from these environment variables. */
function configFile(): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    [
      'tenants:',
      `  - id: ${TENANT}`,
      '    name: A',
      '    credential: { type: clientSecret, clientId: 00000000-0000-0000-0000-0000000000a1, clientSecret: { env: PIMWATCH_T_SECRET } }',
      'redis: { url: "redis://127.0.0.1:1" }',
      'api: { port: 0, apiKeys: [{ name: ops, key: { env: PIMWATCH_T_API_KEY } }] }',
      '',
    ].join('\n'),
  );
  return path;
}

// regression guard: a missing secret passed check-config and made serve exit 1 "unexpected error".
describe('a secret the environment does not provide', () => {
  it('fails check-config with exit 2, naming every missing variable and where it is used', async () => {
    const run = await runPimwatch(['check-config', '--config', configFile()], {
      env: { PIMWATCH_T_SECRET: '', PIMWATCH_T_API_KEY: '' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'tenants[0].credential.clientSecret: environment variable PIMWATCH_T_SECRET is not set',
    );
    expect(run.stderr).toContain('api.apiKeys[0].key: environment variable PIMWATCH_T_API_KEY is not set');
    expect(run.stderr).not.toMatch(/unexpected|\n\s+at /);
  });

  it('passes check-config once the variables are set', async () => {
    const run = await runPimwatch(['check-config', '--config', configFile()], {
      env: { PIMWATCH_T_SECRET: 's', PIMWATCH_T_API_KEY: 'k' },
    });
    expect(run.code, run.stderr).toBe(0);
  });

  it('stops serve at start with exit 2 naming the variable', async () => {
    const run = await runPimwatch(['serve', '--config', configFile()], {
      env: { PIMWATCH_T_SECRET: 's', PIMWATCH_T_API_KEY: '' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('environment variable PIMWATCH_T_API_KEY is not set');
    expect(run.stderr).not.toMatch(/unexpected|\n\s+at /);
  });
});
