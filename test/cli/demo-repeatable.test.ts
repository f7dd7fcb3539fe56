import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { runPimwatch } from '../support/run-cli.js';

interface Report {
  complete: boolean;
  incidents: { fingerprint: string }[];
  transitions: { opened: number; resolved: number; reopened: number };
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

async function demoScan(now: string): Promise<Report> {
  const run = await runPimwatch(
    ['scan', '--demo', '--state', 'redis', '--no-outbox', '--format', 'json', '--now', now],
    { env: { REDIS_URL: redis.url } },
  );
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Report;
}

describe('scan --demo is repeatable', () => {
  it('regression guard: a second demo scan 45 s later (same hour, kept state) finds nothing new and resolves nothing', async () => {
    // Two clocks 45 seconds apart: the demo used to be shifted to the exact millisecond, so its
    // sequential-activation run started 45 s later and came out as one new and one resolved incident.
    const first = await demoScan('2026-12-06T10:20:05Z');
    const second = await demoScan('2026-12-06T10:20:50Z');
    expect(first.complete).toBe(true);
    expect(first.transitions.opened).toBeGreaterThan(20);
    expect(second.transitions).toMatchObject({ opened: 0, resolved: 0, reopened: 0 });
    const prints = (r: Report) => r.incidents.map((i) => i.fingerprint).sort();
    expect(prints(second)).toEqual(prints(first));
  }, 120_000);
});
