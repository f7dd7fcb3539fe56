import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_IDS } from '../../src/model/alerts.js';
import { createStateStore } from '../../src/store/create-state-store.js';
import { MemoryStateStore } from '../../src/store/memory-state-store.js';
import { RedisStateStore } from '../../src/store/redis-state-store.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { at, makeIncident, TENANT } from './incident-factory.js';

describe('createStateStore', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.stop());

  it('keeps state in memory when no Redis URL is configured', async () => {
    const store = createStateStore({ keyPrefix: 'pimwatch', feedMaxLength: 100 });
    expect(store).toBeInstanceOf(MemoryStateStore);
    await store.close();
  });

  it('uses Redis when a URL is configured, so a second process sees the same state', async () => {
    const options = { redisUrl: server.url, keyPrefix: 'factory-test', feedMaxLength: 100 };
    const writer = createStateStore(options);
    const reader = createStateStore(options);
    try {
      expect(writer).toBeInstanceOf(RedisStateStore);
      const incident = makeIncident();
      await writer.applyScan({
        tenantId: TENANT,
        scanId: 'scan-1',
        scannedAt: at(0),
        incidents: [incident],
        resolvableAlerts: new Set(ALERT_IDS),
      });
      expect((await reader.getIncident(TENANT, incident.fingerprint))?.state).toBe('new');
      expect((await reader.readFeed({ limit: 10 })).events).toHaveLength(1);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it.each(['', 'has space', 'hash{tag}'])('rejects the key prefix %j before connecting', (keyPrefix) => {
    expect(() => createStateStore({ redisUrl: server.url, keyPrefix, feedMaxLength: 100 })).toThrow(
      /key prefix/,
    );
  });

  it.each([0, -1, 1.5])('rejects a feed length of %d', (feedMaxLength) => {
    expect(() => createStateStore({ keyPrefix: 'p', feedMaxLength })).toThrow(/feed max length/);
    expect(() => createStateStore({ redisUrl: server.url, keyPrefix: 'p', feedMaxLength })).toThrow(
      /feed max length/,
    );
  });
});
