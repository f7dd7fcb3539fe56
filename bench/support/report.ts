import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './emulator-client.js';

/** The 1/5/15-minute load averages (what `uptime` prints), so every figure says how busy the machine was. */
export function machineLoad(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export function machine(): Record<string, unknown> {
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT }).toString().trim();
    dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO_ROOT }).toString().trim() !==
      '';
  } catch {
    // not a git checkout
  }
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    commit,
    srcModified: dirty,
    loadAtStart: machineLoad(),
  };
}

/** Writes `bench/results/<name>.json` (gitignored) and returns its path. */
export function writeResults(name: string, data: unknown): string {
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

/** A plain-text table: the first row is the header; numbers are right-aligned. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[], header = false) =>
    r
      .map((c, i) =>
        !header && /^[-+]?[\d.,]+( ?[a-zA-Z%×x/]*)?$/.test(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  const out = [line(cells[0]!, true), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of cells.slice(1)) out.push(line(r));
  return out.join('\n');
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}

export function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** `--name value` and `--flag` arguments. */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) {
      args.set(a.slice(2, eq), a.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
      args.set(a.slice(2), argv[++i]!);
    } else {
      args.set(a.slice(2), 'true');
    }
  }
  return args;
}

export function numberArg(args: Map<string, string>, name: string, fallback: number): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return n;
}

export function listArg(args: Map<string, string>, name: string, fallback: string[]): string[] {
  const raw = args.get(name);
  return raw === undefined
    ? fallback
    : raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** USER_HZ on Linux (`getconf CLK_TCK`); 100 on every mainstream kernel build. */
const CLOCK_TICKS_PER_SECOND = 100;
