import { Redis } from 'ioredis';
import type { PimwatchConfig } from '../config/schema.js';
import { resolveSecret } from '../config/secret.js';
import { ConfigError } from '../errors.js';
import { MetricsRecorder } from '../jobs/metrics-recorder.js';
import { openQueues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import { createStateStore } from '../store/create-state-store.js';
import { buildApi } from './app.js';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/** `pimwatch serve`: the HTTP API on its own process, sharing Redis with the workers. */
export async function startApiServer(
  config: PimwatchConfig,
  logger: Logger,
  port = config.api.port,
): Promise<RunningApi> {
  const problems: string[] = [];
  if (!config.redis.url) problems.push('redis.url: required for the API');
  if (config.api.apiKeys.length === 0)
    problems.push('api.apiKeys: at least one key is required; the API never runs open');
  if (problems.length > 0) throw new ConfigError('configuration', problems);
  const apiKeys = config.api.apiKeys.map((k, i) => ({
    name: k.name,
    key: resolveSecret(k.key, `api.apiKeys[${i}].key`),
  }));
  const redis = new Redis(config.redis.url!, {
    connectionName: `${config.redis.keyPrefix}-api`,
    maxRetriesPerRequest: 2,
  });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'api redis connection error'));
  const queueConnection = new Redis(config.redis.url!, {
    connectionName: `${config.redis.keyPrefix}-api-queue`,
    maxRetriesPerRequest: null,
  });
  queueConnection.on('error', (err: Error) =>
    logger.warn({ err: err.message }, 'api queue connection error'),
  );
  const queues = openQueues(queueConnection, config.redis.keyPrefix);
  const store = createStateStore({
    redisUrl: config.redis.url!,
    keyPrefix: config.redis.keyPrefix,
    feedMaxLength: config.notifiers.feed.maxLength,
    scanHistoryLength: config.redis.scanHistoryLength,
    log: logger,
  });
  const app = await buildApi({
    config,
    redis,
    queues,
    store,
    recorder: new MetricsRecorder(redis, config.redis.keyPrefix),
    apiKeys,
    logger,
  });
  const url = await app.listen({ host: config.api.host, port });
  logger.info({ url }, 'api listening');
  return {
    url,
    async close() {
      await app.close();
      await queues.close();
      await store.close();
      await Promise.all([redis.quit().catch(() => {}), queueConnection.quit().catch(() => {})]);
    },
  };
}
