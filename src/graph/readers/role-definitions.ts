import { z } from 'zod';
import type { RoleDefinition } from '../../model/snapshot.js';
import { readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';

const roleDefinitionSchema = z.object({
  id: z.string().min(1),
  templateId: z.string().nullish(),
  displayName: z.string().default(''),
  isBuiltIn: z.boolean().default(false),
  isPrivileged: z.boolean().nullish(),
});

/** Role definitions, from beta because `isPrivileged` (Microsoft's own privileged flag) is only documented there. */
export function readRoleDefinitions(http: GraphHttp) {
  return readCollection(
    http,
    sourceRequest('roleDefinitions', { $select: 'id,templateId,displayName,isBuiltIn,isPrivileged' }),
    roleDefinitionSchema,
    (d): RoleDefinition => ({
      id: d.id,
      templateId: d.templateId ?? d.id,
      displayName: d.displayName,
      isBuiltIn: d.isBuiltIn,
      isPrivileged: d.isPrivileged ?? false,
    }),
  );
}
