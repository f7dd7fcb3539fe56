import { z } from 'zod';
import type { Principal, PrincipalType } from '../../model/snapshot.js';

/**
 * Graph timestamps, normalised to ISO-8601 UTC. Graph writes "never" as its zero date
 * (`0001-01-01T00:00:00Z`, sometimes `...T08:00:00Z`), which becomes null.
 */
export const graphDateTime = z
  .string()
  .nullish()
  .transform((value, ctx) => {
    if (value === null || value === undefined || value === '' || value.startsWith('0001-01-01')) return null;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `not a date-time: ${value}` });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

export const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

const ODATA_TYPES: Record<string, PrincipalType> = {
  '#microsoft.graph.user': 'user',
  '#microsoft.graph.group': 'group',
  '#microsoft.graph.servicePrincipal': 'servicePrincipal',
};

/** A directory object as Graph returns it in `principal` expansions, member lists and getByIds. */
export const directoryObjectSchema = z.object({
  '@odata.type': z.string().optional(),
  id: z.string().min(1),
  displayName: nullableString,
  userPrincipalName: nullableString,
  accountEnabled: z.boolean().nullish(),
  isAssignableToRole: z.boolean().nullish(),
  /** Service principals only; asked for where the type may have to be told from the properties. */
  appId: z.string().nullish(),
});

type RawDirectoryObject = z.infer<typeof directoryObjectSchema>;

/**
 * Graph's `@odata.type` when it sent one. Without it (Graph may leave it out when `$select` is used,
 * UNCONFIRMED (docs/unconfirmed-graph-facts.md)), the properties only one type has: a
 * userPrincipalName (users), an isAssignableToRole flag (groups), an appId (service principals).
 * Anything else stays `unknown`, for the caller to look up.
 */
export function principalTypeOf(raw: RawDirectoryObject): PrincipalType {
  const declared = ODATA_TYPES[raw['@odata.type'] ?? ''];
  if (declared) return declared;
  if (typeof raw.userPrincipalName === 'string' && raw.userPrincipalName !== '') return 'user';
  if (typeof raw.isAssignableToRole === 'boolean') return 'group';
  if (typeof raw.appId === 'string' && raw.appId !== '') return 'servicePrincipal';
  return 'unknown';
}

export function principalFrom(raw: RawDirectoryObject): Principal {
  const type = principalTypeOf(raw);
  return {
    id: raw.id,
    type,
    displayName: raw.displayName,
    userPrincipalName: type === 'user' ? raw.userPrincipalName : null,
    accountEnabled: raw.accountEnabled ?? null,
    ...(type === 'group' ? { isAssignableToRole: raw.isAssignableToRole ?? null } : {}),
  };
}

/** Quotes a value for an OData `$filter` string literal. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
