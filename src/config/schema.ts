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

const clientId = z
  .string()
  .min(1, 'required')
  .meta({ description: 'The application (client) id of the app registration pimwatch signs in as.' });

export const credentialSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('clientSecret'),
      clientId,
      clientSecret: secretRefSchema.meta({
        description: "The app registration's client secret, as a secret reference.",
      }),
    })
    .strict(),
  z
    .object({
      type: z.literal('certificate'),
      clientId,
      certificatePath: z
        .string()
        .min(1, 'required')
        .meta({ description: 'PEM file holding the private key and the certificate.' }),
      certificatePassword: secretRefSchema.optional().meta({
        description: "The private key's password, as a secret reference; omit for a key without one.",
      }),
      sendCertificateChain: z
        .boolean()
        .default(false)
        .meta({ description: 'Send the x5c chain (subject name / issuer authentication).' }),
    })
    .strict(),
  z
    .object({
      type: z.literal('managedIdentity'),
      clientId: z.string().min(1).optional().meta({
        description: "A user-assigned identity's client id; omit for the system-assigned identity.",
      }),
    })
    .strict(),
  z
    .object({
      type: z.literal('workloadIdentity'),
      clientId: z.string().min(1).optional().meta({
        description: 'The federated application (client) id; defaults to `AZURE_CLIENT_ID`, as AKS sets it.',
      }),
      tokenFilePath: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'Defaults to `AZURE_FEDERATED_TOKEN_FILE`, as AKS sets it.' }),
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
    id: z.guid('must be the tenant id (a GUID)').meta({ description: 'The Entra tenant id (a GUID).' }),
    name: z
      .string()
      .min(1, 'required')
      .meta({ description: 'A name for people: shown in reports, cards and logs.' }),
    credential: credentialSchema.meta({
      description:
        'How pimwatch signs in to the tenant: a client secret, a certificate, a managed identity or a workload identity.',
    }),
    schedule: z
      .object({
        cron: cronPattern.default('0 6 * * *').meta({ description: 'When to scan this tenant.' }),
        timezone: timeZone.default('UTC').meta({ description: 'The time zone the cron pattern is read in.' }),
      })
      .strict()
      .prefault({})
      .meta({ description: 'When pimwatch scans this tenant on its own (`pimwatch worker`).' }),
    detectors: detectorsOverrideSchema
      .optional()
      .meta({ description: 'Per-tenant detector settings, merged over the top-level `detectors`.' }),
    notifications: tenantNotificationsSchema
      .optional()
      .meta({ description: "This tenant's own notification routing, instead of `notifiers.routing`." }),
  })
  .strict();
export type TenantConfig = z.infer<typeof tenantSchema>;

export const graphConfigSchema = z
  .object({
    baseUrl: z
      .url({ protocol: /^https$/, error: 'must be an https URL' })
      .default('https://graph.microsoft.com')
      .meta({ description: 'Where Graph is. Point it at the emulator for tests and demos.' }),
    authorityHost: z
      .url({ protocol: /^https$/, error: 'must be an https URL' })
      .default('https://login.microsoftonline.com')
      .meta({ description: 'Where Entra issues tokens.' }),
    caFile: z.string().min(1).optional().meta({
      description:
        "A PEM file of extra CA certificates to trust for Graph and the authority (e.g. the emulator's CA).",
    }),
    maxConcurrency: z
      .number()
      .int()
      .min(1)
      .max(32)
      .default(4)
      .meta({ description: 'Concurrent requests per tenant.' }),
    requestTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(30_000)
      .meta({ description: "One Graph request's limit before it counts as failed (and is retried)." }),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(6)
      .meta({ description: 'Retries of 429/503/504 and broken responses.' }),
    maxRetryDelaySeconds: z
      .number()
      .min(1)
      .max(3600)
      .default(120)
      .meta({ description: 'Longest single wait between retries, whatever `Retry-After` says.' }),
    allowWriteActions: z.boolean().default(false).meta({
      description:
        'Allow `graph-refresh` and `remediate --apply`, which write to the tenant through PIM and need the application permission RoleManagementAlert.ReadWrite.Directory.',
    }),
    activationHistory: z.enum(ACTIVATION_HISTORY_MODES).default('auto').meta({
      description:
        "Where activation history (RedundantAssignment, SequentialActivationRenewals) comes from. `auto`: the schedule requests when readable (Microsoft lists only write permissions for them), otherwise PIM's audit records (30 days), and the scan is complete but degraded. `scheduleRequests`: only them (a failure makes the scan partial). `auditLog`: only PIM's audit records.",
    }),
    rateLimits: z
      .object({
        signInActivityPerMinute: z
          .number()
          .int()
          .min(1)
          .default(10)
          .meta({ description: 'Requests that read `signInActivity`.' }),
        reportsPer10Seconds: z
          .number()
          .int()
          .min(1)
          .default(5)
          .meta({ description: 'Audit log and other report requests.' }),
      })
      .strict()
      .prefault({})
      .meta({ description: "Client-side pacing to stay under Graph's published throttles." }),
  })
  .strict();
export type GraphConfig = z.infer<typeof graphConfigSchema>;

export const redisConfigSchema = z
  .object({
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional()
      .meta({
        description: 'e.g. `redis://localhost:6379/0`. Without it, state lives in memory for one run only.',
      }),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, dot, dash and underscore only')
      .default('pimwatch')
      .meta({
        description: 'Prefix of every key pimwatch writes, so several deployments can share one Redis.',
      }),
    scanHistoryLength: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .meta({ description: 'Scan summaries kept per tenant (scan history).' }),
    retentionDays: z.number().int().min(1).max(36_500).default(180).meta({
      description:
        "Days a resolved incident or an expired suppression is kept; the tenant's next scan forgets older ones (an incident that comes back after that opens as new).",
    }),
  })
  .strict();

export const configSchema = z
  .object({
    tenants: z
      .array(tenantSchema)
      .default([])
      .meta({ description: 'The tenants to watch, each with its own credential and schedule.' }),
    graph: graphConfigSchema
      .prefault({})
      .meta({ description: 'How pimwatch reads Microsoft Graph: where, how fast, and how it retries.' }),
    redis: redisConfigSchema.prefault({}).meta({
      description: 'Shared state (incidents, suppressions, scan history, the SOC feed) and the job queues.',
    }),
    detectors: detectorsConfigSchema.prefault({}).meta({
      description: "The alerts' settings: where thresholds come from, exclusions, and each alert's own keys.",
    }),
    reconcile: reconcileConfigSchema
      .prefault({})
      .meta({ description: "How pimwatch's incidents are compared with PIM's own." }),
    notifiers: notifiersConfigSchema
      .prefault({})
      .meta({ description: 'Where notifications go: channels, routing and delivery.' }),
    worker: workerConfigSchema
      .prefault({})
      .meta({ description: 'How a worker process (`pimwatch worker`) runs jobs.' }),
    api: apiConfigSchema.prefault({}).meta({ description: 'The HTTP API (`pimwatch serve`).' }),
    console: consoleConfigSchema.optional().meta({
      description: 'The operator console `pimwatch serve` shows under `/`; absent: no console, only the API.',
    }),
    log: z
      .object({
        level: z
          .enum(LOG_LEVELS)
          .default('info')
          .meta({ description: 'Log level; logs are JSON lines (pino) with secrets redacted.' }),
      })
      .strict()
      .prefault({})
      .meta({ description: 'What pimwatch logs.' }),
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
