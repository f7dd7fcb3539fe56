import { describe, expect, it } from 'vitest';
import { incidentLinks } from '../../src/detectors/links.js';
import { GLOBAL_ADMIN_TEMPLATE_ID } from '../../src/model/alerts.js';
import type { Incident } from '../../src/model/incident.js';
import { roleId, TENANT_ID, uid } from '../support/snapshot-factory.js';

const base: Incident = {
  alert: 'StaleSignInAlert',
  severity: 'medium',
  fingerprint: 'f',
  tenantId: TENANT_ID,
  evidence: [],
};
const entra = (route: string) => `https://entra.microsoft.com/${TENANT_ID}/#view/${route}`;
const ALERT_LIST = entra(
  'Microsoft_Azure_PIMCommon/ResourceMenuBlade/~/Alerts/resourceId//resourceType/tenant/provider/aadroles',
);

describe('incidentLinks', () => {
  it('links the PIM alert, the alert list, the user and the role', () => {
    const links = incidentLinks(
      {
        ...base,
        assigneeId: uid('alice'),
        assigneeType: 'user',
        assigneeDisplayName: 'Alice',
        assigneeUserPrincipalName: 'alice@contoso.example',
        roleTemplateId: roleId('userAdmin'),
        roleDefinitionId: roleId('userAdmin'),
        roleDisplayName: 'User Administrator',
      },
      TENANT_ID,
    );
    expect(links).toEqual([
      {
        title: 'PIM alert: Privileged account has not signed in recently',
        url: entra(
          `Microsoft_Azure_PIMCommon/AlertDetail/providerId/aadroles/alertId/StaleSignInAlert/resourceId/${TENANT_ID}`,
        ),
      },
      { title: 'PIM alerts for Microsoft Entra roles', url: ALERT_LIST },
      {
        title: 'User: alice@contoso.example',
        url: entra(`Microsoft_AAD_IAM/UserDetailsMenuBlade/~/Profile/userId/${uid('alice')}`),
      },
      {
        title: 'Role: User Administrator',
        url: entra(
          `Microsoft_AAD_IAM/RoleMenuBlade/~/RoleMembers/objectId/${roleId('userAdmin')}/roleName/User%20Administrator` +
            `/roleTemplateId/${roleId('userAdmin')}/adminUnitObjectId//customRole~/false/resourceScope/%2F`,
        ),
      },
    ]);
  });

  it.each([
    {
      type: 'group' as const,
      title: 'Group: Tier 0',
      route: `Microsoft_AAD_IAM/GroupDetailsMenuBlade/~/Overview/groupId/${uid('g')}`,
    },
    {
      type: 'servicePrincipal' as const,
      title: 'Enterprise application: Tier 0',
      route: `Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/${uid('g')}`,
    },
  ])('links a $type to its own page', ({ type, title, route }) => {
    const links = incidentLinks(
      {
        ...base,
        alert: 'RolesAssignedOutsidePimAlert',
        assigneeId: uid('g'),
        assigneeType: type,
        assigneeDisplayName: 'Tier 0',
      },
      TENANT_ID,
    );
    expect(links).toContainEqual({ title, url: entra(route) });
  });

  it('links no principal page for a principal of unknown type', () => {
    const links = incidentLinks({ ...base, assigneeId: uid('x'), assigneeType: 'unknown' }, TENANT_ID);
    expect(links.map((l) => l.title)).toEqual([
      'PIM alert: Privileged account has not signed in recently',
      'PIM alerts for Microsoft Entra roles',
    ]);
  });

  it('links Global Administrator for the too-many-GAs alert, which carries no role', () => {
    const links = incidentLinks({ ...base, alert: 'TooManyGlobalAdminsAssignedToTenantAlert' }, TENANT_ID);
    expect(links.at(-1)!.url).toContain(`/roleTemplateId/${GLOBAL_ADMIN_TEMPLATE_ID}/`);
  });

  it('links where the fix is made for MFA and licence incidents', () => {
    const mfa = incidentLinks(
      { ...base, alert: 'NoMfaOnRoleActivationAlert', roleTemplateId: roleId('userAdmin') },
      TENANT_ID,
    );
    expect(mfa.at(-1)!.url).toBe(
      entra(
        'Microsoft_Azure_PIMCommon/ResourceMenuBlade/~/RoleSettings/resourceId//resourceType/tenant/provider/aadroles',
      ),
    );
    const licence = incidentLinks({ ...base, alert: 'InvalidLicenseAlert' }, TENANT_ID);
    expect(licence.at(-1)!.url).toBe(entra('Microsoft_AAD_IAM/LicensesMenuBlade/~/Products'));
  });
});
