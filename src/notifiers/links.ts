import { incidentLinks, type RemediationLink } from '../detectors/links.js';
import type { Transition } from '../model/lifecycle.js';
import type { NotifiersConfig } from './config-schema.js';
import type { RenderContext } from './incident-text.js';

export type { RemediationLink };

/** The remediation pages of one transition's incident: PIM's alert, the alert list, principal, role, fix. */
export function transitionLinks(transition: Transition, ctx: RenderContext): RemediationLink[] {
  return incidentLinks(transition.incident, ctx.tenantId, ctx.alerts);
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
  tenant: { id: string; name: string; schedule?: { timezone?: string } },
  notifiers: Partial<Pick<NotifiersConfig, 'incidentsUrl' | 'consoleUrl' | 'locale' | 'timeZone'>>,
): RenderContext {
  const incidentsUrl = notifiers.incidentsUrl?.replaceAll('{tenantId}', encodeURIComponent(tenant.id));
  const consoleUrl = notifiers.consoleUrl?.replace(/\/+$/, '');
  return {
    tenantId: tenant.id,
    tenantName: tenant.name,
    ...(incidentsUrl ? { incidentsUrl } : {}),
    ...(consoleUrl ? { consoleUrl } : {}),
    locale: notifiers.locale ?? 'en-GB',
    timeZone: notifiers.timeZone ?? tenant.schedule?.timezone ?? 'UTC',
  };
}

/** The console's view of one tenant's incidents of one alert (engineer 12's console routes). */
export function consoleAlertUrl(ctx: RenderContext, alert: string): string | undefined {
  if (!ctx.consoleUrl) return undefined;
  return `${ctx.consoleUrl}/tenants/${encodeURIComponent(ctx.tenantId)}?alert=${encodeURIComponent(alert)}`;
}

/** The console's page of one scan. */
export function consoleScanUrl(ctx: RenderContext, scanId: string): string | undefined {
  if (!ctx.consoleUrl) return undefined;
  return `${ctx.consoleUrl}/tenants/${encodeURIComponent(ctx.tenantId)}/scans/${encodeURIComponent(scanId)}`;
}
