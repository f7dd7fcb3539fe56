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
});

export function principalFrom(raw: z.infer<typeof directoryObjectSchema>): Principal {
  const type = ODATA_TYPES[raw['@odata.type'] ?? ''] ?? 'unknown';
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
