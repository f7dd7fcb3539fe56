import type { PimwatchConfig } from '../config/schema.js';
import { resolveSecret } from '../config/secret.js';
import { ConfigError } from '../errors.js';
import { MetricsRecorder } from '../jobs/metrics-recorder.js';
import { openQueues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import { openRedis } from '../redis/open-redis.js';
import { RedisStateStore } from '../store/redis-state-store.js';
import { buildApi } from './app.js';
import { apiRedisOptions, connectedWithin } from './redis-deadline.js';

const STARTUP_CONNECT_MS = 5000;

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
  const timeoutMs = config.api.redisTimeoutMs;
  const connect = (suffix: string) => {
    const name = `${config.redis.keyPrefix}-${suffix}`;
    return openRedis(name, { url: config.redis.url!, log: logger, tuning: apiRedisOptions(name, timeoutMs) });
  };
  const redis = connect('api');
  const queueConnection = connect('api-queue');
  const queues = openQueues(queueConnection, config.redis.keyPrefix, logger);
  const stateConnection = connect('api-state');
  const store = new RedisStateStore({
    redis: stateConnection,
    keyPrefix: config.redis.keyPrefix,
    feedMaxLength: config.notifiers.feed.maxLength,
    scanHistoryLength: config.redis.scanHistoryLength,
    retentionDays: config.redis.retentionDays,
    ownsConnection: true,
  });
  // Without an offline queue, requests before the first connect would get 503s; Redis being down at
  // start is no reason not to serve (health, 503s with Retry-After), so the wait is bounded.
  await connectedWithin([redis, queueConnection, stateConnection], STARTUP_CONNECT_MS);
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
      // With Redis away a quit fails at once (no offline queue): then just drop the connection.
      for (const connection of [redis, queueConnection]) {
        await connection.quit().catch(() => connection.disconnect());
      }
    },
  };
}
