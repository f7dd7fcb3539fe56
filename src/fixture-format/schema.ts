import { z } from 'zod';

/**
 * A tenant fixture: one JSON file describing a tenant the way Graph returns it (design section 2).
 * `resources` maps a collection path (the Graph path after the version segment, e.g. `users`,
 * `groups/<id>/members`, `identityGovernance/roleManagementAlerts/alerts`) to objects in Graph's JSON shape.
 */

const graphObject = z.record(z.string(), z.unknown());

/**
 * Makes a collection (or one of its requests) answer with an error or misbehave instead of serving data.
 * Without `nth`/`times`, every request to the collection gets the fault.
 */
export const faultSchema = z
  .object({
    /** HTTP status to answer with (e.g. 403, 429, 503). Omit to only add latency or truncate. */
    status: z.number().int().min(200).max(599).optional(),
    /** Graph error code in the body, e.g. `Authorization_RequestDenied`. */
    code: z.string().optional(),
    message: z.string().optional(),
    /** Seconds, sent as `Retry-After` (429/503). May be fractional, as Graph sends it. */
    retryAfter: z.number().min(0).optional(),
    /** Only the n-th request (1-based) to this collection gets the fault. */
    nth: z.number().int().min(1).optional(),
    /** Only the first `times` requests to this collection get the fault; later ones succeed. */
    times: z.number().int().min(1).optional(),
    /** Extra latency in milliseconds before answering. */
    latencyMs: z.number().int().min(0).optional(),
    /** Cut the JSON body in half (a broken connection or proxy). */
    truncate: z.boolean().optional(),
    /**
     * Leave `@odata.type` out of the items answered, as Graph may when `$select` is used on a directory
     * object collection: UNCONFIRMED (docs/unconfirmed-graph-facts.md).
     */
    omitODataType: z.boolean().optional(),
  })
  .strict();
export type Fault = z.infer<typeof faultSchema>;

export const fixtureSchema = z
  .object({
    tenantId: z.guid(),
    description: z.string().optional(),
    /**
     * The instant the fixture's timestamps were written for. The emulator can shift every timestamp by
     * `now - referenceTime` so a bundled tenant looks the same whenever it is scanned.
     */
    referenceTime: z.iso.datetime({ offset: true }).optional(),
    /** Applications the emulator's token endpoint accepts. Absent: any client id and secret are accepted. */
    applications: z
      .array(
        z
          .object({
            clientId: z.string().min(1),
            clientSecret: z.string().min(1).optional(),
            /**
             * PEM certificate of the app's key pair: client assertions (certificate credentials) must be
             * signed by its key. Absent: any well-formed assertion for the client id is accepted.
             */
            certificate: z.string().min(1).optional(),
            /**
             * Application permissions granted, e.g. `RoleManagementAlert.ReadWrite.Directory`: the `roles` of
             * the app's tokens. A request they do not cover answers 403 `Authorization_RequestDenied`.
             * Absent: everything is granted.
             */
            permissions: z.array(z.string()).optional(),
          })
          .strict(),
      )
      .optional(),
    /** Where Microsoft's documentation disagrees on what Graph demands, which reading this tenant follows. */
    permissionRules: z
      .object({
        /** Directory audits need Directory.Read.All besides AuditLog.Read.All (the API page's reading). */
        directoryAuditsNeedDirectoryRead: z.boolean().default(false),
      })
      .strict()
      .optional(),
    resources: z.record(z.string().min(1), z.array(graphObject)),
    /**
     * Objects the tenant had and has since deleted. Graph keeps naming a deleted principal (in PIM's
     * incidents, audit records, or a grant not yet cleaned up), so a reference to one of these ids is
     * allowed although no collection holds the object; any other dangling id is refused (design section 9).
     */
    deletedObjects: z
      .array(
        z
          .object({
            id: z.string().min(1),
            /** What it was, for people reading the fixture: `user`, `group` or `servicePrincipal`. */
            type: z.enum(['user', 'group', 'servicePrincipal']).optional(),
            displayName: z.string().optional(),
            deletedDateTime: z.iso.datetime({ offset: true }).optional(),
          })
          .strict(),
      )
      .optional(),
    /**
     * App roles people hold on applications they sign in to (e.g. the pimwatch console): the
     * emulator's authorize endpoint puts a user's values for the signing-in client in the ID token's
     * `roles` claim. Group ids come from the fixture's `groups/{id}/members` collections.
     */
    appRoleAssignments: z
      .array(
        z
          .object({
            /** The application (client) id the role belongs to. */
            clientId: z.string().min(1),
            /** The user's object id. */
            principalId: z.guid(),
            /** The app role's value, as it appears in the `roles` claim. */
            value: z.string().min(1),
          })
          .strict(),
      )
      .optional(),
    faults: z.record(z.string().min(1), z.union([faultSchema, z.array(faultSchema)])).optional(),
    /** Overrides of a collection's maximum page size (default: the emulator's table of Graph's limits). */
    pageSizes: z.record(z.string().min(1), z.number().int().min(1)).optional(),
  })
  .strict();

export type TenantFixture = z.infer<typeof fixtureSchema>;
