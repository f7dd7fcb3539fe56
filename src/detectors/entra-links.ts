import type { Incident } from '../model/incident.js';

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

export function entraUrl(tenantId: string, route: string): string {
  return `${ENTRA_ADMIN_CENTER}/${encodeURIComponent(tenantId)}/#view/${route}`;
}

export const enc = encodeURIComponent;

export function principalLink(incident: Incident, tenantId: string): RemediationLink | undefined {
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

export function roleLink(
  tenantId: string,
  templateId: string,
  definitionId: string,
  name: string,
): RemediationLink {
  const route =
    `Microsoft_AAD_IAM/RoleMenuBlade/~/RoleMembers/objectId/${enc(definitionId)}/roleName/${enc(name)}` +
    `/roleTemplateId/${enc(templateId)}/adminUnitObjectId//customRole~/false/resourceScope/%2F`;
  return { title: `Role: ${name}`, url: entraUrl(tenantId, route) };
}
