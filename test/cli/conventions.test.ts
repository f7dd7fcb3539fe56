import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SOURCE_NAMES } from '../../src/model/snapshot.js';
import { runPimwatch } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pimwatch-conventions-'));
const STACK_FRAME = /\n\s+at .+:\d+:\d+/;

/** A tiny tenant whose organization read is refused: the scan logs one warning and is partial. */
function faultedFixture(): string {
  const path = join(dir, 'faulted.json');
  writeFileSync(
    path,
    JSON.stringify({
      tenantId: '5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
      resources: {},
      faults: { organization: { status: 403, code: 'Authorization_RequestDenied' } },
    }),
  );
  return path;
}

function logLines(stderr: string): { level: number; msg: string }[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
}

describe('command-line conventions', () => {
  it('--version prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await runPimwatch([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    }
  }, 60_000);

  it('--log-level, PIMWATCH_LOG_LEVEL and --quiet set what reaches standard error', async () => {
    const fixture = faultedFixture();
    const scan = ['scan', '--fixture', fixture, '--format', 'json', '--out', join(dir, 'report.json')];
    const [plain, info, fromEnv, quiet] = await Promise.all([
      runPimwatch(scan),
      runPimwatch(['--log-level', 'info', ...scan]),
      runPimwatch(scan, { env: { PIMWATCH_LOG_LEVEL: 'info' } }),
      runPimwatch([...scan, '--quiet'], { env: { PIMWATCH_LOG_LEVEL: 'debug' } }),
    ]);
    for (const run of [plain, info, fromEnv, quiet]) expect(run.code, run.stderr).toBe(3);
    // A one-shot scan logs warnings and worse by default: the failed source, not the "scan finished".
    expect(logLines(plain.stderr).map((l) => l.msg)).toEqual(['graph source unavailable']);
    for (const run of [info, fromEnv]) {
      expect(logLines(run.stderr).map((l) => l.msg)).toEqual(
        expect.arrayContaining(['graph source unavailable', 'scan finished']),
      );
    }
    expect(quiet.stderr).toBe('');
  }, 90_000);

  it('refuses an unknown level, from the option or the environment, with exit 2', async () => {
    const [option, env] = await Promise.all([
      runPimwatch(['--log-level', 'loud', 'check-config']),
      runPimwatch(['check-config'], { env: { PIMWATCH_LOG_LEVEL: 'chatty' } }),
    ]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("argument 'loud' is invalid");
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("value 'chatty' from env 'PIMWATCH_LOG_LEVEL' is invalid");
  }, 60_000);
});

describe('command-line output and packaging', () => {
  it('shows progress on standard error for a slow scan with --progress, and never with --quiet', async () => {
    // Graph throttles the first organization read for 3 s: the scan outlasts the quiet first seconds.
    const path = join(dir, 'throttled.json');
    writeFileSync(
      path,
      JSON.stringify({
        tenantId: '5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
        resources: {},
        faults: { organization: { status: 429, retryAfter: 3, times: 1 } },
      }),
    );
    const scan = ['scan', '--fixture', path, '--format', 'json', '--out', join(dir, 'throttled-report.json')];
    const [shown, notATerminal, quiet] = await Promise.all([
      runPimwatch([...scan, '--progress']),
      runPimwatch(scan),
      runPimwatch(['--quiet', ...scan, '--progress']),
    ]);
    for (const run of [shown, notATerminal, quiet]) expect(run.code, run.stderr).toBe(0);
    const lines = shown.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatch(new RegExp(`^scan: \\d+ s · sources \\d+/${SOURCE_NAMES.length}`));
    expect(shown.stderr).toContain('Graph throttled the scan (429): waiting 3 s');
    expect(lines.at(-1)).toMatch(`sources ${SOURCE_NAMES.length}/${SOURCE_NAMES.length}`);
    expect(notATerminal.stderr).toBe('');
    expect(quiet.stderr).toBe('');
  }, 90_000);

  it('regression guard: generate-fixture into a closed pipe (`| head`) stops quietly, without an EPIPE stack trace', async () => {
    const out = join(dir, 'generated.json');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        'generate-fixture',
        '--users',
        '50',
        '--holdings',
        '5',
        '--out',
        out,
      ],
      { env: { ...process.env, PIMWATCH_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // The reader goes away before pimwatch prints its summary, as `head` does once it has its lines.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(code).toBe(0);
    expect(existsSync(out)).toBe(true);
  }, 60_000);

  it('ships a LICENSE that matches package.json', () => {
    const { license } = JSON.parse(readFileSync('package.json', 'utf8')) as { license: string };
    expect(license).toBe('MIT');
    const text = readFileSync('LICENSE', 'utf8');
    expect(text).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} pimwatch contributors\n/);
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });
});
