import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ThrottleOptions } from '../../src/emulator/throttle.js';
import type { Fault } from '../../src/fixture-format/schema.js';
import type { GenerateTenantOptions } from '../../src/fixtures/generate-tenant.js';
import type {
  EmulatorEndpoint,
  HostReply,
  HostRequest,
  TenantInfo,
  TenantRequestStats,
} from './emulator-protocol.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOST = fileURLToPath(new URL('./emulator-host.ts', import.meta.url));

/** The emulator host process, driven from the benchmark (see `emulator-host.ts`). */
export class EmulatorHost {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: HostReply) => void; reject: (e: Error) => void }
  >();
  private exited = false;

  constructor(options: { maxOldSpaceMb?: number } = {}) {
    this.child = fork(HOST, [], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx', `--max-old-space-size=${options.maxOldSpaceMb ?? 4096}`],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.child.on('message', (message: { id: number; reply?: HostReply; error?: string }) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`emulator host: ${message.error}`));
      else waiter.resolve(message.reply!);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`emulator host exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private call(request: HostRequest): Promise<HostReply> {
    if (this.exited) return Promise.reject(new Error('emulator host has exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, request });
    });
  }

  async generate(tenants: GenerateTenantOptions[]): Promise<TenantInfo[]> {
    const reply = await this.call({ op: 'generate', tenants });
    if (reply.op !== 'generated') throw new Error(`unexpected reply ${reply.op}`);
    return reply.tenants;
  }

  /**
   * Starts an emulator over the generated tenants (closing any earlier one: throttles start full), with
   * `faults` (by path) served by every tenant besides its fixture's own.
   */
  async start(options: {
    latencyMs: number;
    throttle: ThrottleOptions;
    timeShiftTo?: Date;
    faults?: Record<string, Fault | Fault[]>;
  }): Promise<EmulatorEndpoint> {
    const reply = await this.call({
      op: 'start',
      latencyMs: options.latencyMs,
      throttle: options.throttle,
      ...(options.timeShiftTo ? { timeShiftTo: options.timeShiftTo.toISOString() } : {}),
      ...(options.faults ? { faults: options.faults } : {}),
    });
    if (reply.op !== 'started') throw new Error(`unexpected reply ${reply.op}`);
    const { op: _op, ...endpoint } = reply;
    return endpoint;
  }

  async stats(): Promise<Record<string, TenantRequestStats>> {
    const reply = await this.call({ op: 'stats' });
    if (reply.op !== 'stats') throw new Error(`unexpected reply ${reply.op}`);
    return reply.byTenant;
  }

  async stop(): Promise<void> {
    await this.call({ op: 'stop' });
  }

  /** Stops the emulator and ends the host process. */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.stop().catch(() => {});
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
