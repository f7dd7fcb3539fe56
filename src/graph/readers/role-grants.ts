import { z } from 'zod';
import type { Principal, RoleGrant } from '../../model/snapshot.js';
import { readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';
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

const ROLES = 'roleManagement/directory';

/** Active holders through PIM: standing and time-bound assignments, and live activations. */
export function readAssignmentScheduleInstances(http: GraphHttp) {
  return readCollection(
    http,
    {
      version: 'v1.0',
      path: `${ROLES}/roleAssignmentScheduleInstances`,
      query: {
        $select:
          'id,principalId,roleDefinitionId,directoryScopeId,assignmentType,memberType,startDateTime,endDateTime,roleAssignmentOriginId',
        $expand: 'principal',
      },
      throttle: 'directory',
      tag: 'roleAssignmentScheduleInstances',
    },
    grantSchema,
    toRawGrant('assignmentInstance'),
  );
}

/** Eligible holders. */
export function readEligibilityScheduleInstances(http: GraphHttp) {
  return readCollection(
    http,
    {
      version: 'v1.0',
      path: `${ROLES}/roleEligibilityScheduleInstances`,
      query: {
        $select: 'id,principalId,roleDefinitionId,directoryScopeId,memberType,startDateTime,endDateTime',
        $expand: 'principal',
      },
      throttle: 'directory',
      tag: 'roleEligibilityScheduleInstances',
    },
    grantSchema,
    toRawGrant('eligibilityInstance'),
  );
}

/** Plain role assignments: the active holders of a tenant that was never onboarded to PIM. */
export function readRoleAssignments(http: GraphHttp) {
  return readCollection(
    http,
    {
      version: 'v1.0',
      path: `${ROLES}/roleAssignments`,
      query: { $select: 'id,principalId,roleDefinitionId,directoryScopeId', $expand: 'principal' },
      throttle: 'directory',
      tag: 'roleAssignments',
    },
    grantSchema,
    toRawGrant('roleAssignment'),
  );
}
