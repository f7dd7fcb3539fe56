import { type Logger, silentLogger } from '../log.js';
import { openRedis } from '../redis/open-redis.js';
import { MemoryStateStore } from './memory-state-store.js';
import { RedisStateStore } from './redis-state-store.js';
import type { StateStore } from './state-store.js';
import type { StoreSettingsOptions } from './store-settings.js';

export interface StateStoreOptions extends StoreSettingsOptions {
  /** `redis.url`. Without it the state lives in memory for this process only. */
  redisUrl?: string;
  /** `redis.keyPrefix`. */
  keyPrefix: string;
  /** Where connection errors go (commands fail with them too). @defaultValue silent */
  log?: Logger;
}

/** Redis when a URL is configured (state shared by every replica and kept across runs), memory otherwise. */
export function createStateStore(options: StateStoreOptions): StateStore {
  const { redisUrl, keyPrefix, log = silentLogger, ...common } = options;
  if (redisUrl === undefined) return new MemoryStateStore(common);
  // lazyConnect: nothing is opened if the options turn out invalid below; the first command connects.
  const redis = openRedis(`${keyPrefix}-state`, { url: redisUrl, log, tuning: { lazyConnect: true } });
  return new RedisStateStore({ ...common, redis, keyPrefix, ownsConnection: true });
}
