import { GLOBAL_ADMIN_TEMPLATE_ID } from '../model/alerts.js';
import type { Incident } from '../model/incident.js';
import { DETECTORS_BY_ALERT } from './registry.js';

/** A page where a person can look into or fix an incident. */
export interface RemediationLink {
  title: string;
  url: string;
}

/**
 * Deep links into the Microsoft Entra admin center. The tenant id goes in the path so an admin who
 * belongs to several tenants (an MSP) lands in the right directory; the fragments are the admin center's
 * own `#view/...` routes.
 */
const ENTRA_ADMIN_CENTER = 'https://entra.microsoft.com';

function entraUrl(tenantId: string, route: string): string {
  return `${ENTRA_ADMIN_CENTER}/${encodeURIComponent(tenantId)}/#view/${route}`;
}

const enc = encodeURIComponent;

function principalLink(incident: Incident, tenantId: string): RemediationLink | undefined {
  const id = incident.assigneeId;
  if (!id) return undefined;
  const name = incident.assigneeUserPrincipalName ?? incident.assigneeDisplayName ?? id;
  switch (incident.assigneeType) {
    case 'user':
      return {
        title: `User: ${name}`,
        url: entraUrl(tenantId, `Microsoft_AAD_IAM/UserDetailsMenuBlade/~/Profile/userId/${enc(id)}`),
      };
    case 'group':
      return {
        title: `Group: ${name}`,
        url: entraUrl(tenantId, `Microsoft_AAD_IAM/GroupDetailsMenuBlade/~/Overview/groupId/${enc(id)}`),
      };
    case 'servicePrincipal':
      return {
        title: `Enterprise application: ${name}`,
        url: entraUrl(tenantId, `Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Overview/objectId/${enc(id)}`),
      };
    default:
      return undefined;
  }
}

function roleLink(tenantId: string, templateId: string, definitionId: string, name: string): RemediationLink {
  const route =
    `Microsoft_AAD_IAM/RoleMenuBlade/~/RoleMembers/objectId/${enc(definitionId)}/roleName/${enc(name)}` +
    `/roleTemplateId/${enc(templateId)}/adminUnitObjectId//customRole~/false/resourceScope/%2F`;
  return { title: `Role: ${name}`, url: entraUrl(tenantId, route) };
}

/**
 * Links for one incident, most specific first after the alert itself: PIM's page for this alert, the
 * alert list for Entra roles, the principal's page, the role's members, and where the fix is made
 * (PIM role settings for MFA, licences for the licence alert).
 */
export function incidentLinks(incident: Incident, tenantId: string): RemediationLink[] {
  const title = DETECTORS_BY_ALERT[incident.alert].meta.title;
  const links: RemediationLink[] = [
    {
      title: `PIM alert: ${title}`,
      url: entraUrl(
        tenantId,
        `Microsoft_Azure_PIMCommon/AlertDetail/providerId/aadroles/alertId/${enc(incident.alert)}/resourceId/${enc(tenantId)}`,
      ),
    },
    {
      title: 'PIM alerts for Microsoft Entra roles',
      url: entraUrl(
        tenantId,
        'Microsoft_Azure_PIMCommon/ResourceMenuBlade/~/Alerts/resourceId//resourceType/tenant/provider/aadroles',
      ),
    },
  ];
  const principal = principalLink(incident, tenantId);
  if (principal) links.push(principal);

  if (incident.roleTemplateId) {
    const name = incident.roleDisplayName ?? incident.roleTemplateId;
    links.push(
      roleLink(tenantId, incident.roleTemplateId, incident.roleDefinitionId ?? incident.roleTemplateId, name),
    );
  } else if (incident.alert === 'TooManyGlobalAdminsAssignedToTenantAlert') {
    links.push(
      roleLink(tenantId, GLOBAL_ADMIN_TEMPLATE_ID, GLOBAL_ADMIN_TEMPLATE_ID, 'Global Administrator'),
    );
  }

  if (incident.alert === 'NoMfaOnRoleActivationAlert') {
    links.push({
      title: 'PIM settings for Microsoft Entra roles',
      url: entraUrl(
        tenantId,
        'Microsoft_Azure_PIMCommon/ResourceMenuBlade/~/RoleSettings/resourceId//resourceType/tenant/provider/aadroles',
      ),
    });
  }
  if (incident.alert === 'InvalidLicenseAlert') {
    links.push({
      title: 'Licences: all products',
      url: entraUrl(tenantId, 'Microsoft_AAD_IAM/LicensesMenuBlade/~/Products'),
    });
  }
  return links;
}
