import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { apiConfigSchema } from '../api/config-schema.js';
import { consoleConfigSchema } from '../console/config-schema.js';
import { detectorsConfigSchema, detectorsOverrideSchema } from '../detectors/config-schema.js';
import { ACTIVATION_HISTORY_MODES } from '../graph/activation-history.js';
import { workerConfigSchema } from '../jobs/config-schema.js';
import { LOG_LEVELS } from '../log.js';
import { notifiersConfigSchema, tenantNotificationsSchema } from '../notifiers/config-schema.js';
import { reconcileConfigSchema } from '../reconcile/config-schema.js';
import { secretRefSchema } from './secret.js';
import { timeZone } from './time-zone.js';

export { timeZone } from './time-zone.js';

/**
 * The whole configuration. Defaults live here and only here; every object is strict so a typo in a
 * key is an error rather than a silently ignored setting.
 */

/** The application (client) id of the app registration pimwatch signs in as. */
const clientId = z.string().min(1, 'required');

export const credentialSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('clientSecret'),
      clientId,
      clientSecret: secretRefSchema,
    })
    .strict(),
  z
    .object({
      type: z.literal('certificate'),
      clientId,
      /** PEM file holding the private key and the certificate. */
      certificatePath: z.string().min(1, 'required'),
      certificatePassword: secretRefSchema.optional(),
      /** Send the x5c chain (subject name / issuer authentication). */
      sendCertificateChain: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      type: z.literal('managedIdentity'),
      /** A user-assigned identity's client id; omit for the system-assigned identity. */
      clientId: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('workloadIdentity'),
      clientId: z.string().min(1).optional(),
      /** Defaults to `AZURE_FEDERATED_TOKEN_FILE`, as AKS sets it. */
      tokenFilePath: z.string().min(1).optional(),
    })
    .strict(),
]);
export type CredentialConfig = z.infer<typeof credentialSchema>;

export const cronPattern = z.string().refine(
  (pattern) => {
    try {
      CronExpressionParser.parse(pattern);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a cron pattern such as "0 6 * * *" (5 fields, or 6 with seconds)' },
);

const cronGaps = new Map<string, number>();

/**
 * The shortest gap between two firings of a cron pattern, sampled over its next few dozen firings: a
 * pattern that fires too often shows it at once. Cached, since many tenants share one pattern.
 */
export function shortestCronGapSeconds(pattern: string, timezone: string): number {
  const key = `${pattern}|${timezone}`;
  const known = cronGaps.get(key);
  if (known !== undefined) return known;
  const expression = CronExpressionParser.parse(pattern, {
    tz: timezone,
    currentDate: new Date('2026-01-01T00:00:00Z'),
  });
  let previous = expression.next().getTime();
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 48; i += 1) {
    const next = expression.next().getTime();
    shortest = Math.min(shortest, next - previous);
    previous = next;
  }
  cronGaps.set(key, shortest / 1000);
  return shortest / 1000;
}

export const tenantSchema = z
  .object({
    /** The Entra tenant id (a GUID). */
    id: z.guid('must be the tenant id (a GUID)'),
    /** A name for people: shown in reports, cards and logs. */
    name: z.string().min(1, 'required'),
    credential: credentialSchema,
    schedule: z
      .object({
        /** When to scan this tenant. @defaultValue `0 6 * * *` (daily at 06:00) */
        cron: cronPattern.default('0 6 * * *'),
        /** The time zone the cron pattern is read in. @defaultValue `UTC` */
        timezone: timeZone.default('UTC'),
      })
      .strict()
      .prefault({}),
    /** Per-tenant detector settings, merged over the top-level `detectors`. */
    detectors: detectorsOverrideSchema.optional(),
    notifications: tenantNotificationsSchema.optional(),
  })
  .strict();
export type TenantConfig = z.infer<typeof tenantSchema>;

export const graphConfigSchema = z
  .object({
    /** Where Graph is. Point it at the emulator for tests and demos. @defaultValue `https://graph.microsoft.com` */
    baseUrl: z
      .url({ protocol: /^https$/, error: 'must be an https URL' })
      .default('https://graph.microsoft.com'),
    /** Where Entra issues tokens. @defaultValue `https://login.microsoftonline.com` */
    authorityHost: z
      .url({ protocol: /^https$/, error: 'must be an https URL' })
      .default('https://login.microsoftonline.com'),
    /** A PEM file of extra CA certificates to trust for Graph and the authority (e.g. the emulator's CA). */
    caFile: z.string().min(1).optional(),
    /** Concurrent requests per tenant. @defaultValue 4 */
    maxConcurrency: z.number().int().min(1).max(32).default(4),
    /** One Graph request's limit before it counts as failed (and is retried). @defaultValue 30000 */
    requestTimeoutMs: z.number().int().min(1000).default(30_000),
    /** Retries of 429/503/504 and broken responses. @defaultValue 6 */
    maxRetries: z.number().int().min(0).max(20).default(6),
    /** Longest single wait between retries, whatever `Retry-After` says. @defaultValue 120 */
    maxRetryDelaySeconds: z.number().min(1).max(3600).default(120),
    /**
     * Allow `graph-refresh` and `remediate --apply`, which write to the tenant through PIM and need the
     * application permission RoleManagementAlert.ReadWrite.Directory. @defaultValue false
     */
    allowWriteActions: z.boolean().default(false),
    /**
     * Where activation history (RedundantAssignment, SequentialActivationRenewals) comes from. `auto`:
     * the schedule requests when readable (Microsoft lists only write permissions for them), otherwise
     * PIM's audit records (30 days), and the scan is complete but degraded. `scheduleRequests`: only
     * them (a failure makes the scan partial). `auditLog`: only PIM's audit records. @defaultValue `auto`
     */
    activationHistory: z.enum(ACTIVATION_HISTORY_MODES).default('auto'),
    /** Client-side pacing to stay under Graph's published throttles. */
    rateLimits: z
      .object({
        /** Requests that read `signInActivity`. @defaultValue 10 per minute */
        signInActivityPerMinute: z.number().int().min(1).default(10),
        /** Audit log and other report requests. @defaultValue 5 per 10 seconds */
        reportsPer10Seconds: z.number().int().min(1).default(5),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type GraphConfig = z.infer<typeof graphConfigSchema>;

export const redisConfigSchema = z
  .object({
    /** e.g. `redis://localhost:6379/0`. Without it, state lives in memory for one run only. */
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    /** Prefix of every key pimwatch writes, so several deployments can share one Redis. @defaultValue `pimwatch` */
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, dot, dash and underscore only')
      .default('pimwatch'),
    /** Scan summaries kept per tenant (scan history). @defaultValue 100 */
    scanHistoryLength: z.number().int().min(1).max(10_000).default(100),
    /**
     * Days a resolved incident or an expired suppression is kept; the tenant's next scan forgets older
     * ones (an incident that comes back after that opens as new). @defaultValue 180
     */
    retentionDays: z.number().int().min(1).max(36_500).default(180),
  })
  .strict();

export const configSchema = z
  .object({
    /** The tenants to watch, each with its own credential and schedule. */
    tenants: z.array(tenantSchema).default([]),
    graph: graphConfigSchema.prefault({}),
    redis: redisConfigSchema.prefault({}),
    detectors: detectorsConfigSchema.prefault({}),
    reconcile: reconcileConfigSchema.prefault({}),
    notifiers: notifiersConfigSchema.prefault({}),
    worker: workerConfigSchema.prefault({}),
    api: apiConfigSchema.prefault({}),
    /** The operator console `pimwatch serve` shows under `/`; absent: no console, only the API. */
    console: consoleConfigSchema.optional(),
    log: z
      .object({
        /** Log level; logs are JSON lines (pino) with secrets redacted. @defaultValue `info` */
        level: z.enum(LOG_LEVELS).default('info'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    const minimum = config.worker.minScheduleIntervalSeconds;
    config.tenants.forEach((tenant, index) => {
      const gap = shortestCronGapSeconds(tenant.schedule.cron, tenant.schedule.timezone);
      if (gap < minimum) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', index, 'schedule', 'cron'],
          message: `fires every ${gap} s, more often than worker.minScheduleIntervalSeconds (${minimum} s)`,
        });
      }
      const first = seen.get(tenant.id.toLowerCase());
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', index, 'id'],
          message: `duplicate tenant id (also tenants[${first}])`,
        });
      } else {
        seen.set(tenant.id.toLowerCase(), index);
      }
    });
  });

export type PimwatchConfig = z.infer<typeof configSchema>;
