import type { Incident } from '../model/incident.js';
import { enc, entraUrl, principalLink, type RemediationLink, roleLink } from './entra-links.js';
import { DETECTORS, detectorFor } from './registry.js';
import type { Detector } from './types.js';

export type { RemediationLink };

/**
 * Links for one incident, most specific first after the alert itself: PIM's page for this alert, the
 * alert list for Entra roles, the principal's page, the role's members (or the role the alert implies),
 * and where the alert's own module says the fix is made.
 */
export function incidentLinks(
  incident: Incident,
  tenantId: string,
  detectors: readonly Detector[] = DETECTORS,
): RemediationLink[] {
  const { meta } = detectorFor(incident.alert, detectors);
  const links: RemediationLink[] = [
    {
      title: `PIM alert: ${meta.title}`,
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
  } else if (meta.impliedRole) {
    const { templateId, displayName } = meta.impliedRole;
    links.push(roleLink(tenantId, templateId, templateId, displayName));
  }
  links.push(...(meta.remediation.links?.(tenantId) ?? []));
  return links;
}
