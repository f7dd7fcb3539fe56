import { type ChildProcess, spawn } from 'node:child_process';
import type { TypedQueue } from '../../src/jobs/job-map.js';
import { waitUntil } from './wait-for.js';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal that ended it). */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** A `pimwatch worker` in its own process, as a deployment runs it. */
export function spawnWorker(configPath: string, env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', 'worker', '--config', configPath],
    {
      env: { ...env, PIMWATCH_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal));
  });
  return { child, output: () => output, exited };
}

/** Waits until the worker logged that it started (schedulers synced, workers listening). */
export async function waitForStart(worker: WorkerProcess, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!worker.output().includes('"msg":"worker started"')) {
    if (Date.now() > until) throw new Error(`worker did not start:\n${worker.output()}`);
    if (worker.child.exitCode !== null) throw new Error(`worker exited early:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until a scan is running and still reading Graph (give the emulator latency so that lasts), then
 * checks once more that it is active, so what the test does next reaches a worker in the middle of it.
 */
export async function waitUntilScanning(
  queue: Pick<TypedQueue<'scan'>, 'getJob'>,
  scanId: string,
): Promise<void> {
  const phase = async () => {
    const job = await queue.getJob(scanId);
    if ((await job?.getState()) !== 'active') return undefined;
    return (job?.progress as { phase?: string } | undefined)?.phase;
  };
  await waitUntil('the scan to be reading Graph', async () => (await phase()) === 'snapshot');
  const state = await (await queue.getJob(scanId))?.getState();
  if (state !== 'active') throw new Error(`scan ${scanId} is ${state}, no longer active`);
}
