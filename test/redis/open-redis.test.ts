import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { openRedis, redisErrorText } from '../../src/redis/open-redis.js';
import { startRedisServer } from '../support/redis-server.js';

describe('openRedis', () => {
  it('names the connection, waits out outages when blocking, and logs a lost connection once without the URL', async () => {
    const server = await startRedisServer();
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const url = server.url.replace('redis://', 'redis://:s3cret-pass@');
    // A password in the URL, as deployments have it: the server must ask for one.
    const admin = openRedis('test-admin', { url: server.url });
    await admin.config('SET', 'requirepass', 's3cret-pass');
    await admin.quit();
    const redis = openRedis('pimwatch-test', { url, blocking: true, log });
    try {
      expect(await redis.client('GETNAME')).toBe('pimwatch-test');
      expect(redis.options.maxRetriesPerRequest).toBeNull();
      await server.stop();
      await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const lost = lines.map((line) => JSON.parse(line)).filter((l) => l.msg === 'redis connection lost');
      expect(lost).toHaveLength(1);
      expect(lost[0].connection).toBe('pimwatch-test');
      expect(lines.join('\n')).not.toContain('s3cret-pass');
    } finally {
      redis.disconnect();
      await server.stop().catch(() => {});
    }
  }, 30_000);

  it('keeps credentials out of an error message that quotes a Redis URL', () => {
    const error = new Error('getaddrinfo ENOTFOUND for rediss://user:p%40ss@redis.example:6380/0');
    expect(redisErrorText(error)).toBe('getaddrinfo ENOTFOUND for rediss://***@redis.example:6380/0');
    expect(redisErrorText('connect ECONNREFUSED 127.0.0.1:6379')).toBe('connect ECONNREFUSED 127.0.0.1:6379');
  });
});
