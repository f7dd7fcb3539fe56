import { loadConfig } from '../config/load.js';
import { checkWorkerHealth } from '../jobs/worker-health.js';
import type { CommandOptions, declareHealthCommand } from './command-lines.js';

/**
 * `health`'s options as declared on the command line: `maxAge` in seconds (default
 * `api.workerStaleAfterMs`, the age /readyz accepts); `api` checks the API on this host instead, on
 * `port` (default `api.port`).
 */
export type HealthCommandOptions = CommandOptions<typeof declareHealthCommand>;

/** How long the API may take to answer /healthz before the container counts as unhealthy. */
const API_TIMEOUT_MS = 5000;

/**
 * `pimwatch health`: the worker container's health check. It exits 0 or 1 and nothing else, because
 * Docker reserves every other exit code of a HEALTHCHECK; a broken configuration is "unhealthy" too,
 * with the reason on standard error.
 */
export async function runHealthCommand(
  options: HealthCommandOptions,
  write: (t: string) => void = (t) => process.stdout.write(t),
  writeError: (t: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(options.config ? { file: options.config } : {});
  } catch (error) {
    writeError(`pimwatch health: unhealthy: ${(error as Error).message}\n`);
    return 1;
  }
  if (options.api) {
    const health = await checkApiHealth(apiHealthUrl(config.api.host, options.port ?? config.api.port));
    (health.healthy ? write : writeError)(
      `pimwatch health: ${health.healthy ? 'healthy' : 'unhealthy'}: ${health.message}\n`,
    );
    return health.healthy ? 0 : 1;
  }
  if (!config.redis.url) {
    writeError('pimwatch health: unhealthy: redis.url (or REDIS_URL) is not set, so no worker can run\n');
    return 1;
  }
  const health = await checkWorkerHealth({
    redisUrl: config.redis.url,
    keyPrefix: config.redis.keyPrefix,
    maxAgeMs: options.maxAge !== undefined ? options.maxAge * 1000 : config.api.workerStaleAfterMs,
  });
  if (health.healthy) {
    write(`pimwatch health: healthy: ${health.message}\n`);
    return 0;
  }
  writeError(`pimwatch health: unhealthy: ${health.message}\n`);
  return 1;
}

/** The API as seen from inside its own container: a wildcard bind is reached on loopback. */
export function apiHealthUrl(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}/healthz`;
}

async function checkApiHealth(url: string): Promise<{ healthy: boolean; message: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(API_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok
      ? { healthy: true, message: `${url} answered ${response.status}` }
      : { healthy: false, message: `${url} answered ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } })?.cause?.code;
    return {
      healthy: false,
      message: `${url} did not answer${cause ? ` (${cause})` : ` within ${API_TIMEOUT_MS} ms`}`,
    };
  }
}
