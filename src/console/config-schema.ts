import { z } from 'zod';
import { secretRefSchema } from '../config/secret.js';

/** How people sign in to the console: Entra ID (OpenID Connect, authorization code with PKCE). */
export const consoleEntraAuthSchema = z
  .object({
    type: z.literal('entra'),
    tenantId: z
      .guid('must be the tenant id (a GUID)')
      .meta({ description: 'The directory people sign in to (a GUID).' }),
    clientId: z
      .string()
      .min(1, 'required')
      .meta({ description: "The console's app registration (application/client id)." }),
    clientSecret: secretRefSchema.optional().meta({
      description:
        "The app registration's client secret, as a secret reference. Give this or `certificatePath`.",
    }),
    certificatePath: z.string().min(1).optional().meta({
      description:
        "PEM file holding the app registration's private key and certificate, instead of a secret.",
    }),
    redirectUri: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL ending in /auth/callback' })
      .meta({
        description:
          'Where Entra sends the browser back: `https://<console>/auth/callback`, registered on the app.',
      }),
    authorityHost: z
      .url({ protocol: /^https$/, error: 'must be an https URL' })
      .optional()
      .meta({
        description: 'Where Entra is; defaults to `graph.authorityHost`. Point it at the emulator for tests.',
      }),
    allowedRoles: z
      .array(z.string().min(1))
      .default([])
      .meta({ description: "App role values (the ID token's `roles` claim) that may use the console." }),
    allowedGroups: z.array(z.guid()).default([]).meta({
      description: "Group object ids (the ID token's `groups` claim) whose members may use the console.",
    }),
  })
  .strict()
  .superRefine((auth, ctx) => {
    if ((auth.clientSecret === undefined) === (auth.certificatePath === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message: 'give exactly one of clientSecret or certificatePath',
      });
    }
    if (auth.allowedRoles.length === 0 && auth.allowedGroups.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedRoles'],
        message: 'name at least one app role or group: the console is never open to the whole directory',
      });
    }
  });
export type ConsoleEntraAuth = z.infer<typeof consoleEntraAuthSchema>;

/** The operator console `pimwatch serve` shows under `/`. Absent: no console, only the API. */
export const consoleConfigSchema = z
  .object({
    auth: z.union([z.literal('none'), consoleEntraAuthSchema]).meta({
      description:
        'Sign-in for people. `none` opens the console without sign-in and is only accepted when `api.host` is a loopback address.',
    }),
    session: z
      .object({
        idleTimeoutMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(30)
          .meta({ description: 'A session ends after this many minutes without a request.' }),
        absoluteTimeoutHours: z
          .number()
          .int()
          .min(1)
          .max(7 * 24)
          .default(8)
          .meta({ description: 'A session ends this many hours after sign-in, however active.' }),
      })
      .strict()
      .prefault({})
      .meta({ description: 'How long a console session lasts.' }),
  })
  .strict();
export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;
