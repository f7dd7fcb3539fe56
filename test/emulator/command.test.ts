import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEmulatorCommand } from '../../src/emulator/command.js';
import { FixtureError } from '../../src/errors.js';
import { TENANT_ID } from './helpers.js';

describe('pimwatch emulator command', () => {
  it('prints how to reach the emulator, serves until stopped, then closes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pimwatch-command-test-'));
    try {
      const fixturePath = join(dir, 'tenant.json');
      await writeFile(fixturePath, JSON.stringify({ tenantId: TENANT_ID, resources: {} }));
      const lines: string[] = [];
      const stop = new AbortController();
      const printed = new Promise<void>((resolve) => {
        const running = runEmulatorCommand(
          { fixture: fixturePath, throttle: true },
          {
            print: (line) => {
              lines.push(line);
              if (line.startsWith('Press Ctrl+C')) resolve();
            },
            signal: stop.signal,
          },
        );
        void running.then(() => lines.push('<returned>'));
      });
      await printed;
      const baseUrl = /graph\.baseUrl: (\S+)/.exec(lines.join('\n'))?.[1];
      const caFile = /graph\.caFile: (\S+)/.exec(lines.join('\n'))?.[1];
      expect(baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(lines.join('\n')).toContain(`graph.authorityHost: ${baseUrl}`);
      expect(lines.join('\n')).toContain('Graph limits enforced');
      expect(await readFile(caFile!, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
      stop.abort();
      await expect.poll(() => lines.at(-1)).toBe('<returned>');
      expect(lines).toContain('Graph emulator stopped.');
      expect(existsSync(caFile!)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with a FixtureError for a missing fixture', async () => {
    await expect(
      runEmulatorCommand({ fixture: '/nonexistent/tenant.json' }, { print: () => {} }),
    ).rejects.toThrow(FixtureError);
  });
});
