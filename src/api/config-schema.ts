import { z } from 'zod';
import { secretRefSchema } from '../config/secret.js';

/** The HTTP API (`pimwatch serve`). */
export const apiConfigSchema = z
  .object({
    /** @defaultValue 127.0.0.1 (set 0.0.0.0 in a container) */
    host: z.string().min(1).default('127.0.0.1'),
    /** @defaultValue 8080 */
    port: z.number().int().min(0).max(65535).default(8080),
    /**
     * Bearer keys that may call the API; each has a name (shown as `requestedBy`) and a secret reference.
     * The API refuses to start without at least one.
     */
    apiKeys: z
      .array(z.object({ name: z.string().min(1).max(64), key: secretRefSchema }).strict())
      .default([]),
    /** Where people reach the API, for links in notifications (e.g. `https://pimwatch.example.com`). */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** A worker counts as alive for /readyz if it reported within this time. @defaultValue 60000 */
    workerStaleAfterMs: z.number().int().min(1000).default(60_000),
  })
  .strict();
export type ApiConfig = z.infer<typeof apiConfigSchema>;
