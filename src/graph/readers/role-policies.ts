import { z } from 'zod';
import type { RolePolicy } from '../../model/snapshot.js';
import { readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';

export type RawRolePolicy = Omit<RolePolicy, 'roleTemplateId'> & { roleDefinitionId: string };

const ruleSchema = z.object({
  id: z.string(),
  enabledRules: z.array(z.string()).nullish(),
  isEnabled: z.boolean().nullish(),
  claimValue: z.string().nullish(),
});

const policyAssignmentSchema = z.object({
  id: z.string().min(1),
  policyId: z.string().min(1),
  roleDefinitionId: z.string().min(1),
  scopeId: z.string().nullish(),
  policy: z.object({ rules: z.array(ruleSchema).default([]) }).nullish(),
});

function toPolicy(a: z.infer<typeof policyAssignmentSchema>): RawRolePolicy {
  const rules = a.policy?.rules ?? [];
  const enablement = rules.find((r) => r.id === 'Enablement_EndUser_Assignment');
  const authContext = rules.find((r) => r.id === 'AuthenticationContext_EndUser_Assignment');
  return {
    policyId: a.policyId,
    roleDefinitionId: a.roleDefinitionId,
    endUserAssignmentEnabledRules: enablement ? (enablement.enabledRules ?? []) : null,
    authenticationContext: authContext
      ? { isEnabled: authContext.isEnabled ?? false, claimValue: authContext.claimValue ?? null }
      : null,
  };
}

/** Each role's PIM policy with its rules. Graph requires the scope filter on this collection. */
export function readRolePolicies(http: GraphHttp) {
  return readCollection(
    http,
    sourceRequest('roleManagementPolicyAssignments', {
      $filter: "scopeId eq '/' and scopeType eq 'DirectoryRole'",
      $select: 'id,policyId,roleDefinitionId,scopeId',
      $expand: 'policy($expand=rules)',
    }),
    policyAssignmentSchema,
    toPolicy,
  );
}
