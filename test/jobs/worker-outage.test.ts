import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFixture } from '../support/demo-fixture.js';
import { type ServiceEnv, startServiceEnv } from '../support/service-harness.js';
import { spawnWorker, type WorkerProcess, waitForStart } from '../support/worker-process.js';

/** A `pimwatch worker` process whose Redis goes away: quiet, JSON-only logs and a bounded shutdown. */

const SHUTDOWN_TIMEOUT_MS = 3000;
const OUTAGE_MS = 8000;
let env: ServiceEnv;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  env = await startServiceEnv([await demoFixture()]);
}, 60_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  env?.redis.thaw();
  await env?.stop();
});

function outputLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

describe.each([
  { how: 'killed', stop: () => env.redis.kill(), start: () => env.redis.restart() },
  {
    how: 'frozen',
    stop: async () => env.redis.freeze(),
    start: async () => env.redis.thaw(),
  },
])('a worker whose Redis is $how', ({ stop, start }) => {
  it('logs only JSON, a few lines per outage, and exits 0 on SIGTERM within shutdownTimeoutMs + 2 s', async () => {
    const { path } = env.writeConfig({
      tenants: [{ id: (await demoFixture()).tenantId, name: 'Demo', cron: '0 3 * * *' }],
      worker: { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS, schedulerReconcileIntervalMs: 1000 },
    });
    const worker = spawnWorker(path, env.env);
    workers.push(worker);
    await waitForStart(worker);
    const before = outputLines(worker.output()).length;

    await stop();
    try {
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const started = Date.now();
      worker.child.kill('SIGTERM');
      const code = await worker.exited;
      const took = Date.now() - started;
      expect(code, worker.output()).toBe(0);
      expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2000);
    } finally {
      await start();
    }
    const lines = outputLines(worker.output());
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    // Lost, then the shutdown's own lines: far under 10 a minute, whatever the outage's length.
    const duringOutage = lines.slice(before);
    expect(duringOutage.length, duringOutage.join('\n')).toBeLessThan(10);
  }, 60_000);
});
