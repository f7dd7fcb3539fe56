import { z } from 'zod';
import type { Incident } from '../../model/incident.js';
import type { RolePolicy } from '../../model/snapshot.js';
import { entraUrl } from '../entra-links.js';
import { HOLDING_SOURCES } from '../holdings.js';
import { IdSet } from '../id-set.js';
import { compareIncidents, incidentIdentity, roleFields } from '../incident-fields.js';
import { roleName } from '../remediation.js';
import { detectorSettings } from '../settings.js';
import { type Detector, type DetectorMeta, defineDetector } from '../types.js';

const config = detectorSettings({
  acceptAuthenticationContext: z.boolean().default(true).meta({
    description:
      "Count an activation rule that demands a Conditional Access authentication context as MFA: the context's policy is where MFA (or stronger) is enforced.",
  }),
});

const meta: DetectorMeta<z.output<typeof config>> = {
  alert: 'NoMfaOnRoleActivationAlert',
  title: 'Role can be activated without multifactor authentication',
  severity: 'medium',
  description:
    'The PIM settings of this role let an eligible holder activate it without multifactor authentication. ' +
    'Anyone who steals such a password can then turn on the role themselves.',
  mitigation: [
    'Open the role in PIM (Entra roles > Settings) and edit its activation settings.',
    'Under "On activation, require", choose Azure MFA, or a Conditional Access authentication context whose policy requires MFA.',
    'Repeat for every listed role; privileged roles first.',
  ],
  sources: ['roleDefinitions', 'roleManagementPolicyAssignments', ...HOLDING_SOURCES],
  graphConfigurationType: '#microsoft.graph.noMfaOnRoleActivationAlertConfiguration',
  thresholdKeys: [],
  matchBy: 'role',
  // A password alone is enough to turn a valid account into an administrator.
  attack: ['T1078.004'],
  remediation: {
    pim: (incident) => ({
      action: 'requireMfaOnActivation',
      summary: `PIM will require multifactor authentication to activate ${roleName(incident)}`,
    }),
    links: (tenantId) => [
      {
        title: 'PIM settings for Microsoft Entra roles',
        url: entraUrl(
          tenantId,
          'Microsoft_Azure_PIMCommon/ResourceMenuBlade/~/RoleSettings/resourceId//resourceType/tenant/provider/aadroles',
        ),
      },
    ],
  },
};

function activationRequirements(policy: RolePolicy): string {
  const rules = policy.endUserAssignmentEnabledRules ?? [];
  const context = policy.authenticationContext;
  const contextText =
    context?.isEnabled && context.claimValue
      ? `authentication context ${context.claimValue}`
      : 'no authentication context';
  return `activation requires: ${rules.length > 0 ? rules.join(', ') : 'nothing'}; ${contextText}`;
}

function demandsMfa(policy: RolePolicy, acceptAuthenticationContext: boolean): boolean {
  if (policy.endUserAssignmentEnabledRules?.includes('MultiFactorAuthentication')) return true;
  const context = policy.authenticationContext;
  return acceptAuthenticationContext && context?.isEnabled === true && !!context.claimValue;
}

/**
 * Roles whose PIM activation does not demand MFA.
 *
 * - fires (one incident per role): a role in scope, i.e. a privileged role or any role with at least one
 *   (non-excluded) eligible holder, whose policy (scope `/`) neither lists `MultiFactorAuthentication` in
 *   `Enablement_EndUser_Assignment` nor, when `acceptAuthenticationContext` is on, has
 *   `AuthenticationContext_EndUser_Assignment` enabled with a claim value.
 * - quiet: every role in scope demands MFA (or an authentication context) on activation.
 * - unknown: role definitions, policies or holdings could not be read. A single role in scope without a
 *   policy assignment is listed in `unknownItems` rather than reported.
 */
export const NoMfaOnRoleActivationAlert: Detector<typeof config> = defineDetector({
  meta,
  config,
  detect({ snapshot, config, holdings, privilegedRoles, exclusions }) {
    const inScope = new IdSet(privilegedRoles);
    for (const holding of holdings.all) {
      if (holding.eligible && !exclusions.has(holding.principalId)) inScope.add(holding.roleTemplateId);
    }
    const incidents: Incident[] = [];
    const unknownItems: { subject: string; cause: string }[] = [];
    for (const roleTemplateId of inScope) {
      const role = roleFields(snapshot, roleTemplateId);
      const policy = snapshot.policies.get(roleTemplateId);
      if (!policy) {
        unknownItems.push({
          subject: `${role.roleDisplayName ?? 'role'} (${roleTemplateId})`,
          cause: 'no PIM policy is assigned to this role at scope /',
        });
        continue;
      }
      if (demandsMfa(policy, config.acceptAuthenticationContext)) continue;
      incidents.push({
        ...incidentIdentity(snapshot, meta.alert, meta.severity, { roleTemplateId }),
        roleTemplateId,
        roleDisplayName: role.roleDisplayName,
        evidence: [{ kind: 'policy', id: policy.policyId, detail: activationRequirements(policy) }],
      });
    }
    return {
      status: 'ok',
      incidents: incidents.sort(compareIncidents),
      ...(unknownItems.length > 0 ? { unknownItems } : {}),
      metrics: { rolesInScope: inScope.size, rolesWithoutPolicy: unknownItems.length },
    };
  },
});
