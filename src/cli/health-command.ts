import { loadConfig } from '../config/load.js';
import { checkWorkerHealth } from '../jobs/worker-health.js';

export interface HealthCommandOptions {
  config?: string;
  /** Seconds; @defaultValue `api.workerStaleAfterMs`, the age /readyz accepts */
  maxAge?: number;
}

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
