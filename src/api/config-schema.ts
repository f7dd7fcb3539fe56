import { z } from 'zod';
import { secretRefSchema } from '../config/secret.js';

/** The HTTP API (`pimwatch serve`). */
export const apiConfigSchema = z
  .object({
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .meta({ description: 'Address to listen on; 0.0.0.0 in a container.' }),
    port: z.number().int().min(0).max(65535).default(8080).meta({ description: 'Port to listen on.' }),
    apiKeys: z
      .array(
        z
          .object({
            name: z
              .string()
              .min(1)
              .max(64)
              .meta({ description: 'Who uses the key; recorded as `requestedBy` on the scans it triggers.' }),
            key: secretRefSchema.meta({ description: 'The key itself, as a secret reference.' }),
          })
          .strict(),
      )
      .default([])
      .meta({
        description:
          'Bearer keys that may call the API; each has a name (shown as `requestedBy`) and a secret reference. The API refuses to start without at least one.',
      }),
    redisTimeoutMs: z.number().int().min(50).max(10_000).default(900).meta({
      description:
        "Longest wait for Redis in one request; after it the API answers 503 with `Retry-After` instead of hanging while Redis is down or frozen; `/readyz` too, so keep it under a probe's own timeout.",
    }),
    workerStaleAfterMs: z
      .number()
      .int()
      .min(1000)
      .default(60_000)
      .meta({ description: 'A worker counts as alive for /readyz if it reported within this time.' }),
  })
  .strict();
export type ApiConfig = z.infer<typeof apiConfigSchema>;
