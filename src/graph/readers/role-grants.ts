import { z } from 'zod';
import type { Principal, RoleGrant } from '../../model/snapshot.js';
import { readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';
import { directoryObjectSchema, graphDateTime, nullableString, principalFrom } from './shared.js';

/** A grant as read, before its role id is normalised to the template id (that needs the role definitions). */
export type RawGrant = Omit<RoleGrant, 'roleTemplateId'> & { principal: Principal | null };

const grantSchema = z.object({
  id: z.string().min(1),
  principalId: z.string().min(1),
  roleDefinitionId: z.string().min(1),
  directoryScopeId: z.string().nullish(),
  assignmentType: z.string().nullish(),
  memberType: nullableString,
  startDateTime: graphDateTime,
  endDateTime: graphDateTime,
  roleAssignmentOriginId: nullableString,
  principal: directoryObjectSchema.nullish(),
});

function toRawGrant(source: RoleGrant['source']) {
  return (g: z.infer<typeof grantSchema>): RawGrant => ({
    id: g.id,
    source,
    principalId: g.principalId,
    roleDefinitionId: g.roleDefinitionId,
    directoryScopeId: g.directoryScopeId ?? '/',
    assignmentType:
      g.assignmentType === 'Activated' ? 'Activated' : g.assignmentType === 'Assigned' ? 'Assigned' : null,
    memberType: g.memberType,
    startDateTime: g.startDateTime,
    endDateTime: g.endDateTime,
    roleAssignmentOriginId: g.roleAssignmentOriginId,
    principal: g.principal ? principalFrom(g.principal) : null,
  });
}

const GRANT_FIELDS = 'id,principalId,roleDefinitionId,directoryScopeId';

/** One of the three lists of role holders, with each holder expanded (its type, name and sign-in). */
function readGrants(
  http: GraphHttp,
  source: 'roleAssignmentScheduleInstances' | 'roleEligibilityScheduleInstances' | 'roleAssignments',
  select: string,
  kind: RoleGrant['source'],
) {
  return readCollection(
    http,
    sourceRequest(source, { $select: select, $expand: 'principal' }),
    grantSchema,
    toRawGrant(kind),
  );
}

/** Active holders through PIM: standing and time-bound assignments, and live activations. */
export function readAssignmentScheduleInstances(http: GraphHttp) {
  return readGrants(
    http,
    'roleAssignmentScheduleInstances',
    `${GRANT_FIELDS},assignmentType,memberType,startDateTime,endDateTime,roleAssignmentOriginId`,
    'assignmentInstance',
  );
}

/** Eligible holders. */
export function readEligibilityScheduleInstances(http: GraphHttp) {
  return readGrants(
    http,
    'roleEligibilityScheduleInstances',
    `${GRANT_FIELDS},memberType,startDateTime,endDateTime`,
    'eligibilityInstance',
  );
}

/** Plain role assignments: the active holders of a tenant that was never onboarded to PIM. */
export function readRoleAssignments(http: GraphHttp) {
  return readGrants(http, 'roleAssignments', GRANT_FIELDS, 'roleAssignment');
}
