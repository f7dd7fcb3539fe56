import { spawn } from 'node:child_process';
import type { WorkerProcess } from '../../test/support/worker-process.js';
import { REPO_ROOT } from './emulator-client.js';

/**
 * A `pimwatch worker` process, as a deployment runs it (`node --import tsx src/main.ts worker`), like
 * test/support/worker-process.ts but with extra node arguments (e.g. `--cpu-prof`) for profiling.
 */
export function spawnBenchWorker(
  configPath: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', 'src/main.ts', 'worker', '--config', configPath],
    { cwd: REPO_ROOT, env: { ...env, PIMWATCH_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Only the tail is kept: 200 scans log a line each, and only a failure's context is ever printed.
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal));
  });
  return { child, output: () => output, exited };
}
