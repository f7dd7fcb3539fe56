import { incidentLinks, type RemediationLink } from '../detectors/links.js';
import type { Transition } from '../model/lifecycle.js';
import type { NotifiersConfig } from './config-schema.js';
import type { RenderContext } from './incident-text.js';

export type { RemediationLink };

/** The remediation pages of one transition's incident: PIM's alert, the alert list, principal, role, fix. */
export function transitionLinks(transition: Transition, ctx: RenderContext): RemediationLink[] {
  return incidentLinks(transition.incident, ctx.tenantId);
}

/**
 * Where "and N more" points: the configured incident list, or else the tenant's PIM alerts page, which
 * `incidentLinks` always gives second (after the alert's own page).
 */
export function incidentsPageUrl(ctx: RenderContext, sample: Transition): string {
  if (ctx.incidentsUrl) return ctx.incidentsUrl;
  const links = transitionLinks(sample, ctx);
  return (links[1] ?? links[0])!.url;
}

/** What renderers need to know about a tenant, with `{tenantId}` filled into `notifiers.incidentsUrl`. */
export function renderContextFor(
  tenant: { id: string; name: string },
  notifiers: Pick<NotifiersConfig, 'incidentsUrl'>,
): RenderContext {
  const incidentsUrl = notifiers.incidentsUrl?.replaceAll('{tenantId}', encodeURIComponent(tenant.id));
  return { tenantId: tenant.id, tenantName: tenant.name, ...(incidentsUrl ? { incidentsUrl } : {}) };
}
