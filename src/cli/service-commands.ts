import { QueueEvents } from 'bullmq';
import { startApiServer } from '../api/server.js';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { bullPrefix } from '../jobs/connection.js';
import { openQueues, SCAN_QUEUE } from '../jobs/queues.js';
import type { ScanJobResult } from '../jobs/scan-job.js';
import { enqueueScan } from '../jobs/scan-trigger.js';
import { startWorker } from '../jobs/worker.js';
import { createLogger, type Logger } from '../log.js';
import { openRedis } from '../redis/open-redis.js';
import type {
  CommandOptions,
  declareServeCommand,
  declareTriggerCommand,
  declareWorkerCommand,
} from './command-lines.js';
import { EXIT } from './exit.js';
import { loadTenantContext } from './tenant-context.js';

/** Resolves when SIGTERM or SIGINT arrives, then runs `stop` once; a second signal exits at once. */
function untilSignal(log: Logger, stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(EXIT.unexpected);
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      stop().then(
        () => resolve(EXIT.ok),
        (error: unknown) => {
          log.error({ err: (error as Error).message }, 'shutdown failed');
          resolve(EXIT.unexpected);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

/**
 * Shutdown is over, but a connection dropped because Redis was away may still be trying to reconnect and
 * would keep the process alive: exit shortly unless the event loop empties first.
 */
function exitSoonAfterShutdown(code: number): void {
  setTimeout(() => process.exit(code), 200).unref();
}

function serviceLogger(level: string): Logger {
  const log = createLogger({ level });
  process.on('unhandledRejection', (reason) => log.error({ err: String(reason) }, 'unhandled rejection'));
  return log;
}

/** `pimwatch worker`: runs scheduled and requested scans and notifications until told to stop. */
export async function runWorkerCommand(opts: CommandOptions<typeof declareWorkerCommand>): Promise<number> {
  const config = loadConfig(opts.config ? { file: opts.config } : {});
  const log = serviceLogger(config.log.level);
  const worker = await startWorker({ config, logger: log });
  const code = await untilSignal(log, () => worker.close());
  log.flush();
  exitSoonAfterShutdown(code);
  return code;
}

/** `pimwatch serve`: the HTTP API until told to stop. */
export async function runServeCommand(opts: CommandOptions<typeof declareServeCommand>): Promise<number> {
  const config = loadConfig(opts.config ? { file: opts.config } : {});
  const log = serviceLogger(config.log.level);
  const api = await startApiServer(config, log, opts.port);
  process.stdout.write(`pimwatch API listening on ${api.url}\n`);
  const code = await untilSignal(log, () => api.close());
  log.flush();
  exitSoonAfterShutdown(code);
  return code;
}

/**
 * `pimwatch trigger`: asks the workers for a scan now (or joins the one already running). With
 * `--wait` it waits for the result: exit 0 complete, 3 partial, 1 failed.
 */
export async function runTriggerCommand(
  opts: CommandOptions<typeof declareTriggerCommand>,
  write: (t: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const { config, tenant } = loadTenantContext(opts.config, opts.tenant);
  if (!config.redis.url) throw new UsageError('trigger needs redis.url: the workers take scans from Redis');
  const log = createLogger({ level: 'warn', fd: 2 });
  const url = config.redis.url;
  const connection = openRedis(`${config.redis.keyPrefix}-trigger`, { url, blocking: true, log });
  const queues = openQueues(connection, config.redis.keyPrefix);
  // QueueEvents blocks on its connection; it gets its own, which we close ourselves (BullMQ leaves a
  // connection it was handed open, and an open socket would keep this command from exiting).
  const eventsConnection = opts.wait
    ? openRedis(`${config.redis.keyPrefix}-trigger-events`, { url, blocking: true, log })
    : undefined;
  const events = eventsConnection
    ? new QueueEvents(SCAN_QUEUE, {
        connection: eventsConnection,
        prefix: bullPrefix(config.redis.keyPrefix),
      })
    : undefined;
  try {
    await events?.waitUntilReady();
    const { scanId, existing } = await enqueueScan(queues.scan, config.worker, {
      tenantId: tenant.id,
      trigger: 'cli',
      requestedBy: 'cli',
    });
    write(`${existing ? 'joined running' : 'queued'} scan ${scanId} of ${tenant.name}\n`);
    if (!events) return EXIT.ok;
    const job = await queues.scan.getJob(scanId);
    if (!job) throw new Error(`scan ${scanId} vanished from the queue`);
    try {
      const result = (await job.waitUntilFinished(events, opts.timeout * 1000)) as ScanJobResult;
      const s = result.summary;
      const incidents = Object.values(s.incidentsByAlert).reduce((a, b) => a + (b ?? 0), 0);
      write(
        `scan ${scanId}: ${s.outcome}, ${incidents} incident(s), ${s.transitions} change(s), ${s.graphRequests.logical} Graph requests\n`,
      );
      for (const f of s.failedSources) write(`  failed source ${f.source}: ${f.cause}\n`);
      return s.outcome === 'complete' ? EXIT.ok : EXIT.partial;
    } catch (error) {
      write(`scan ${scanId} failed: ${(error as Error).message}\n`);
      return EXIT.unexpected;
    }
  } finally {
    await events?.close();
    await eventsConnection?.quit().catch(() => {});
    await queues.close();
    await connection.quit().catch(() => {});
  }
}
