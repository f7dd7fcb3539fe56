import { Redis } from 'ioredis';
import { MemoryStateStore } from '../../src/store/memory-state-store.js';
import { RedisStateStore } from '../../src/store/redis-state-store.js';
import type { StateStore } from '../../src/store/state-store.js';
import { openRedisMock } from '../support/redis-mock.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';

export interface OpenOptions {
  keyPrefix: string;
  feedMaxLength?: number;
  scanHistoryLength?: number;
  clock?: () => Date;
  retentionDays?: number;
}

/** Where a store suite runs. Handles opened with the same prefix share state, like replicas sharing a Redis. */
export interface Backend {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  open(options: OpenOptions): StateStore;
  /** A new connection to the backend's Redis; absent for the memory backend. */
  connect?: () => Redis;
  /** Closes every handle opened since the last call. */
  closeAll(): Promise<void>;
}

export const DEFAULT_FEED_MAX_LENGTH = 10_000;

function redisBackend(
  name: string,
  start: () => Promise<void>,
  stop: () => Promise<void>,
  connect: () => Redis,
) {
  const handles: StateStore[] = [];
  const backend: Backend = {
    name,
    start,
    stop,
    connect,
    open(options) {
      const store = new RedisStateStore({
        redis: connect(),
        ownsConnection: true,
        keyPrefix: options.keyPrefix,
        feedMaxLength: options.feedMaxLength ?? DEFAULT_FEED_MAX_LENGTH,
        scanHistoryLength: options.scanHistoryLength,
        clock: options.clock,
        retentionDays: options.retentionDays,
      });
      handles.push(store);
      return store;
    },
    async closeAll() {
      await Promise.all(handles.splice(0).map((store) => store.close()));
    },
  };
  return backend;
}

/** ioredis-mock, bridged to real Redis's behaviour (see `openRedisMock`); one dataset per backend. */
export function mockBackend(): Backend {
  const port = 20_000 + Math.floor(Math.random() * 40_000);
  return redisBackend(
    'ioredis-mock',
    async () => {},
    async () => {},
    () => openRedisMock(port),
  );
}

/** A real redis-server, private to this test file. */
export function realRedisBackend(): Backend {
  let server: RedisServer | undefined;
  return redisBackend(
    'redis-server',
    async () => {
      server = await startRedisServer();
    },
    async () => {
      await server?.stop();
    },
    () => {
      if (!server) throw new Error('redis-server backend used before start()');
      return new Redis(server.url, { maxRetriesPerRequest: 1 });
    },
  );
}

export function memoryBackend(): Backend {
  const stores = new Map<string, MemoryStateStore>();
  return {
    name: 'memory',
    async start() {},
    async stop() {},
    open(options) {
      let store = stores.get(options.keyPrefix);
      if (!store) {
        store = new MemoryStateStore({
          feedMaxLength: options.feedMaxLength ?? DEFAULT_FEED_MAX_LENGTH,
          scanHistoryLength: options.scanHistoryLength,
          clock: options.clock,
          retentionDays: options.retentionDays,
        });
        stores.set(options.keyPrefix, store);
      }
      return store;
    },
    async closeAll() {
      await Promise.all([...stores.values()].map((store) => store.close()));
      stores.clear();
    },
  };
}
