import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real servers (emulator, redis-server, SMTP); give them room on slow CI.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Run our own test files' redis-server/emulator per worker process; two cores here.
    maxWorkers: 2,
  },
});
