/**
 * The Graph emulator in a child process of its own, for the benchmarks. The scanner runs in the
 * benchmark's process; keeping the emulator (and the generated fixtures, ~0.5 GB for 100,000 users)
 * out of it means the heap the benchmark samples is the scanner's alone, and the emulator's CPU work
 * does not share the scanner's event loop, as with the real Graph.
 *
 * The parent talks to it over the IPC channel (see `emulator-client.ts`): generate tenants, start an
 * emulator over them (fresh throttle buckets each time, optionally with faults such as a refused
 * path), read its per-tenant request counts, stop it.
 */

import { type RunningEmulator, startEmulator } from '../../src/emulator/server.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { generateTenant } from '../../src/fixtures/generate-tenant.js';
import type { HostReply, HostRequest, TenantInfo } from './emulator-protocol.js';
import { describeTenant } from './tenant-info.js';

let fixtures: TenantFixture[] = [];
let infos: TenantInfo[] = [];
let emulator: RunningEmulator | undefined;

async function handle(request: HostRequest): Promise<HostReply> {
  switch (request.op) {
    case 'generate': {
      fixtures = [];
      infos = [];
      for (const spec of request.tenants) {
        const fixture = generateTenant(spec);
        fixtures.push(fixture);
        infos.push(describeTenant(fixture));
      }
      return { op: 'generated', tenants: infos };
    }
    case 'start': {
      if (emulator) await emulator.close();
      emulator = await startEmulator({
        fixtures,
        latencyMs: request.latencyMs,
        throttle: request.throttle,
        ...(request.timeShiftTo ? { timeShiftTo: new Date(request.timeShiftTo) } : {}),
      });
      // A fresh emulator has only its fixtures' faults; the run's are added to every tenant.
      for (const id of emulator.tenantIds)
        for (const [path, fault] of Object.entries(request.faults ?? {}))
          emulator.tenant(id).setFault(path, fault);
      return {
        op: 'started',
        baseUrl: emulator.baseUrl,
        authorityHost: emulator.authorityHost,
        caCertPem: emulator.caCertPem,
        caCertPath: emulator.caCertPath,
      };
    }
    case 'stats': {
      if (!emulator) throw new Error('no emulator running');
      const running = emulator;
      return {
        op: 'stats',
        byTenant: Object.fromEntries(
          running.tenantIds.map((id) => {
            const s = running.tenant(id).stats;
            return [
              id,
              {
                httpRequests: s.httpRequests,
                logicalRequests: s.logicalRequests,
                batches: s.batches,
                throttled: s.throttled,
                tokenRequests: s.tokenRequests,
                byRoute: { ...s.byRoute },
              },
            ];
          }),
        ),
      };
    }
    case 'stop': {
      await emulator?.close();
      emulator = undefined;
      return { op: 'stopped' };
    }
  }
}

process.on('message', (message: { id: number; request: HostRequest }) => {
  handle(message.request).then(
    (reply) => process.send?.({ id: message.id, reply }),
    (error: unknown) => process.send?.({ id: message.id, error: String((error as Error)?.stack ?? error) }),
  );
});

// The parent going away (even killed) ends the host: no emulator is left listening.
process.on('disconnect', () => {
  void (emulator?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
