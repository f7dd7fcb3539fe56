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

  it('serves several fixtures from one emulator and lists every tenant id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pimwatch-command-test-'));
    const other = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    try {
      const first = join(dir, 'first.json');
      const second = join(dir, 'second.json');
      await writeFile(first, JSON.stringify({ tenantId: TENANT_ID, resources: {} }));
      await writeFile(
        second,
        JSON.stringify({ tenantId: other, applications: [{ clientId: 'scanner' }], resources: {} }),
      );
      const lines: string[] = [];
      const stop = new AbortController();
      const running = runEmulatorCommand(
        { fixture: [first, second] },
        {
          print: (line) => {
            lines.push(line);
            if (line.startsWith('Press Ctrl+C')) stop.abort();
          },
          signal: stop.signal,
        },
      );
      await running;
      const text = lines.join('\n');
      expect(text).toContain('serving 2 tenants');
      expect(text).toContain(`tenant ${TENANT_ID}  ${first}`);
      expect(text).toContain(`tenant ${other}  ${second}  (applications: scanner)`);
      expect(lines.at(-1)).toBe('Graph emulator stopped.');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses two fixture files for one tenant, naming both', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pimwatch-command-test-'));
    try {
      const first = join(dir, 'first.json');
      const second = join(dir, 'second.json');
      for (const path of [first, second])
        await writeFile(path, JSON.stringify({ tenantId: TENANT_ID, resources: {} }));
      await expect(runEmulatorCommand({ fixture: [first, second] }, { print: () => {} })).rejects.toThrow(
        new FixtureError(
          `fixture files ${first} and ${second} are both tenant ${TENANT_ID}: each tenant can be served once`,
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with a FixtureError for a missing fixture', async () => {
    await expect(
      runEmulatorCommand({ fixture: '/nonexistent/tenant.json' }, { print: () => {} }),
    ).rejects.toThrow(FixtureError);
  });

  it.each([
    {
      name: 'the demo is shifted to the start of the current hour by default',
      fixture: 'demo',
      shiftToNow: undefined,
      time: "shifted so each fixture's reference time is 2026-12-06T10:00:00.000Z",
    },
    {
      name: '--no-shift-to-now serves the demo as written',
      fixture: 'demo',
      shiftToNow: false,
      time: 'as written in the fixture',
    },
  ])('$name', async ({ fixture, shiftToNow, time }) => {
    const lines = await printedLines({
      fixture,
      now: new Date('2026-12-06T10:41:07.123Z'),
      ...(shiftToNow !== undefined ? { shiftToNow } : {}),
    });
    expect(lines.join('\n')).toContain(`time:            ${time}`);
  });

  it('--ca-out writes the CA certificate where another container can read it, and removes it on stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pimwatch-command-test-'));
    try {
      const caOut = join(dir, 'emulator-ca.pem');
      let whileRunning = '';
      const lines = await printedLines({ fixture: 'demo', caOut }, async () => {
        whileRunning = await readFile(caOut, 'utf8');
      });
      expect(whileRunning).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(lines).toContain(`  graph.caFile: ${caOut}`);
      expect(existsSync(caOut)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves other fixtures unshifted unless --shift-to-now is given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pimwatch-command-test-'));
    try {
      const path = join(dir, 'tenant.json');
      const written = { tenantId: TENANT_ID, referenceTime: '2026-01-01T00:00:00Z', resources: {} };
      await writeFile(path, JSON.stringify(written));
      const now = new Date('2026-12-06T23:59:59Z');
      expect((await printedLines({ fixture: path, now })).join('\n')).toContain('as written in the fixture');
      expect((await printedLines({ fixture: path, now, shiftToNow: true })).join('\n')).toContain(
        'reference time is 2026-12-06T23:00:00.000Z',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Runs the emulator command until it has printed its instructions, then stops it. */
async function printedLines(
  options: Parameters<typeof runEmulatorCommand>[0],
  whileRunning?: () => Promise<void>,
): Promise<string[]> {
  const lines: string[] = [];
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  await new Promise<void>((resolve, reject) => {
    running = runEmulatorCommand(options, {
      print: (line) => {
        lines.push(line);
        if (line.startsWith('Press Ctrl+C')) resolve();
      },
      signal: stop.signal,
    });
    running.catch(reject);
  });
  await whileRunning?.();
  stop.abort();
  await running;
  return lines;
}
