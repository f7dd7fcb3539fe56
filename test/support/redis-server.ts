import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A private `redis-server` for one test file: loopback only, a free port, no persistence, its own
 * working directory. Tests never use a shared Redis (someone else's data, someone else's FLUSH).
 */
export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers. */
  freeze(): void;
  /** Lets a frozen server run again (SIGCONT); it then reads what was sent meanwhile. */
  thaw(): void;
  /** Kills the server (SIGKILL) and waits until it is gone; its data is lost (no persistence). */
  kill(): Promise<void>;
  /** Starts a killed server again on the same port, empty. */
  restart(): Promise<void>;
}

export interface StartRedisServerOptions {
  /** How long to wait for the first PONG. @defaultValue 10000 */
  startTimeoutMs?: number;
  /** The executable. @defaultValue `redis-server` from PATH */
  command?: string;
}

const LOOPBACK = '127.0.0.1';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/** Sends a raw PING; true once the server answers +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: LOOPBACK, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

class RedisStartError extends Error {
  override name = 'RedisStartError';
  constructor(
    message: string,
    /** The port was taken between our probe and redis-server's bind: worth another try. */
    readonly portTaken = false,
  ) {
    super(message);
  }
}

async function startOnce(
  command: string,
  port: number,
  dir: string,
  timeoutMs: number,
): Promise<ChildProcess> {
  const child = spawn(
    command,
    ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  let exited: { code: number | null; error?: NodeJS.ErrnoException } | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    exited = { code: null, error };
  });
  child.once('exit', (code) => {
    exited ??= { code };
  });

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited?.error?.code === 'ENOENT') {
      throw new RedisStartError(
        `${command} is not installed (or not on PATH); the store and job tests need it. ` +
          'Install it, e.g. `apt-get install redis-server` (.ci/run does this).',
      );
    }
    if (exited) {
      const portTaken = /address already in use/i.test(output);
      throw new RedisStartError(
        `redis-server exited (code ${exited.code}) before answering on port ${port}:\n${output.trim()}`,
        portTaken,
      );
    }
    if (await answersPing(port)) return child;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new RedisStartError(
    `redis-server did not answer PING on port ${port} within ${timeoutMs} ms:\n${output}`,
  );
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'pimwatch-redis-'));
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  // Another process may grab the probed port before redis-server binds it; then try another one.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      let child = await startOnce(options.command ?? 'redis-server', port, dir, timeoutMs);
      return {
        url: `redis://${LOOPBACK}:${port}`,
        port,
        async stop() {
          child.kill('SIGCONT');
          await stopProcess(child);
          await rm(dir, { recursive: true, force: true });
        },
        freeze: () => child.kill('SIGSTOP'),
        thaw: () => child.kill('SIGCONT'),
        async kill() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGKILL');
          await exited;
        },
        async restart() {
          child = await startOnce(options.command ?? 'redis-server', port, dir, timeoutMs);
        },
      };
    } catch (error) {
      if (!(error instanceof RedisStartError && error.portTaken && attempt < 5)) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}
