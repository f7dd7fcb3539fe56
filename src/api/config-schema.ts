import { z } from 'zod';
import { secretRefSchema } from '../config/secret.js';

/** The HTTP API (`pimwatch serve`). */
export const apiConfigSchema = z
  .object({
    /** Address to listen on; 0.0.0.0 in a container. @defaultValue 127.0.0.1 */
    host: z.string().min(1).default('127.0.0.1'),
    /** Port to listen on. @defaultValue 8080 */
    port: z.number().int().min(0).max(65535).default(8080),
    /**
     * Bearer keys that may call the API; each has a name (shown as `requestedBy`) and a secret reference.
     * The API refuses to start without at least one.
     */
    apiKeys: z
      .array(
        z
          .object({
            /** Who uses the key; recorded as `requestedBy` on the scans it triggers. */
            name: z.string().min(1).max(64),
            /** The key itself, as a secret reference. */
            key: secretRefSchema,
          })
          .strict(),
      )
      .default([]),
    /**
     * Longest wait for Redis in one request; after it the API answers 503 with `Retry-After` instead of
     * hanging while Redis is down or frozen; `/readyz` too, so keep it under a probe's own timeout.
     * @defaultValue 900
     */
    redisTimeoutMs: z.number().int().min(50).max(10_000).default(900),
    /** A worker counts as alive for /readyz if it reported within this time. @defaultValue 60000 */
    workerStaleAfterMs: z.number().int().min(1000).default(60_000),
  })
  .strict();
export type ApiConfig = z.infer<typeof apiConfigSchema>;
