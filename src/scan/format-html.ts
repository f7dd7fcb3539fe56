import { DETECTORS_BY_ALERT } from '../detectors/registry.js';
import type { AlertId, Severity } from '../model/alerts.js';
import { formatTime, SEVERITY_WORD } from '../notifiers/incident-text.js';
import { html, rawHtml, type SafeHtml } from '../util/html.js';
import { PAGE_CSS } from '../util/page-style.js';
import { incidentsByAlert, stateLabel, thresholdText } from './format-text.js';
import { describeIncident, type IncidentWords } from './incident-words.js';
import type { ReportIncident, ScanReport } from './report.js';

/**
 * `scan --format html`: one file that opens from disk and prints. Everything it needs is inside it
 * (an inline stylesheet, no script, no font, no image); the only web addresses are links a person may
 * follow. The wording of incidents comes from the notifiers' renderers, so the report and a Teams card
 * never describe one incident in two ways.
 */

const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

function severityBadge(severity: Severity): SafeHtml {
  return html`<span class="sev sev-${severity}">${SEVERITY_WORD[severity]}</span>`;
}

/** Where the scan read activation history from; filled in by reports that carry it. */
function activationHistorySource(report: ScanReport): string | undefined {
  // Hook: the report type gains an `activationHistory` field (schedule requests or PIM's audit records);
  // older reports do not carry it, so it is read loosely.
  const value = (report as unknown as { activationHistory?: unknown }).activationHistory;
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const { source, cause } = value as { source?: unknown; cause?: unknown };
    if (typeof source === 'string') return typeof cause === 'string' ? `${source} (${cause})` : source;
  }
  return undefined;
}

function overview(report: ScanReport): SafeHtml {
  const failed = Object.entries(report.sources).filter(([, s]) => s.status === 'failed');
  const history = activationHistorySource(report);
  const status = report.complete
    ? html`<div class="banner ok" role="status"><strong>Complete:</strong> every Graph source was read.</div>`
    : html`<div class="banner" role="alert"><strong>Partial scan:</strong> ${failed.length} source(s) could not be read, so the alerts that need them are unknown and nothing they could hide was resolved.
        <ul>${failed.map(([name, s]) => html`<li><code>${name}</code>: ${s.cause ?? 'failed'}</li>`)}</ul></div>`;
  return html`<dl class="facts">
      <dt>Tenant</dt><dd>${report.tenantName} (<code>${report.tenantId}</code>)</dd>
      <dt>Scanned at</dt><dd>${formatTime(report.scannedAt)}</dd>
      <dt>Ran</dt><dd>${formatTime(report.startedAt)} to ${formatTime(report.finishedAt)}</dd>
      <dt>Scan id</dt><dd><code>${report.scanId}</code></dd>
      <dt>Graph requests</dt><dd>${report.graphRequests.logical}</dd>
      <dt>Activation history</dt><dd>${history ?? 'not stated by this report'}</dd>
    </dl>${status}`;
}

function summary(report: ScanReport, groups: Map<AlertId, ReportIncident[]>): SafeHtml {
  const bySeverity = SEVERITIES.map((s) => {
    const ours = report.incidents.filter((i) => i.severity === s && i.classification !== 'graphOnly');
    return html`<li>${severityBadge(s)}: ${ours.length} incident(s)</li>`;
  });
  const rows = [...groups].map(([alert, incidents]) => {
    const d = report.detectors[alert];
    const count = (c: ReportIncident['classification']) =>
      incidents.filter((i) => i.classification === c).length;
    const verdict =
      d.status === 'ok' ? `${d.incidents} found` : d.status === 'disabled' ? 'disabled' : 'unknown';
    return html`<tr><td><a href="#alert-${alert}">${DETECTORS_BY_ALERT[alert].meta.title}</a></td>
      <td>${severityBadge(DETECTORS_BY_ALERT[alert].meta.severity)}</td><td>${verdict}</td>
      <td>${count('both')}</td><td>${count('oursOnly')}</td><td>${count('graphOnly')}</td></tr>`;
  });
  return html`<h2 id="summary">Summary</h2><ul>${bySeverity}</ul>
    <table><caption class="muted">Incidents per alert, and how they compare with PIM's own</caption>
    <thead><tr><th scope="col">Alert</th><th scope="col">Severity</th><th scope="col">pimwatch</th>
    <th scope="col">Both</th><th scope="col">pimwatch only</th><th scope="col">PIM only</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

/** One incident as a block: who, which role, state, comparison, dates, evidence and links. */
export function incidentBlock(words: IncidentWords, state: string, heading: 'h3' | 'h4' = 'h4'): SafeHtml {
  const title = [words.principal, words.role].filter(Boolean).join(' · ') || 'The whole tenant';
  return html`<article class="incident">${rawHtml(`<${heading}>`)}${title}${rawHtml(`</${heading}>`)}
    <dl class="facts"><dt>State</dt><dd>${state}</dd><dt>Compared with PIM</dt><dd>${words.comparison}</dd>
    ${words.facts.map((f) => html`<dt>${f.title}</dt><dd>${f.value}</dd>`)}</dl>
    ${words.evidence.length ? html`<p><strong>Evidence:</strong></p><ul>${words.evidence.map((e) => html`<li>${e}</li>`)}</ul>` : ''}
    <ul class="links">${words.links.map((l) => html`<li><a href="${l.url}" rel="noopener noreferrer">${l.title}</a></li>`)}</ul>
  </article>`;
}

function alertSection(report: ScanReport, alert: AlertId, incidents: ReportIncident[]): SafeHtml {
  const meta = DETECTORS_BY_ALERT[alert].meta;
  const d = report.detectors[alert];
  const verdict =
    d.status === 'unknown'
      ? html`<p class="status-partial">Unknown: ${d.cause ?? 'a source it needs failed'}</p>`
      : d.status === 'disabled'
        ? html`<p class="muted">Disabled in the configuration.</p>`
        : incidents.length === 0
          ? html`<p class="status-complete">No incidents.</p>`
          : '';
  return html`<section aria-labelledby="alert-${alert}">
    <h2 id="alert-${alert}">${meta.title} ${severityBadge(meta.severity)}</h2>
    <p class="muted"><code>${alert}</code>. ${meta.description}</p>${verdict}
    ${incidents.map((i) => {
      // PIM's own incidents have no lifecycle here: pimwatch tracks only what it finds itself.
      const base = i.classification === 'graphOnly' ? 'not tracked (PIM only)' : stateLabel(i);
      const state = i.suppressed
        ? `${base} (${i.suppressed.reason}, by ${i.suppressed.author}, until ${formatTime(i.suppressed.expiresAt)})`
        : base;
      return incidentBlock(describeIncident(i, report.tenantId), state);
    })}
    ${(d.unknownItems ?? []).map((u) => html`<p class="muted">Not judged: ${u.subject}: ${u.cause}</p>`)}
    ${incidents.length ? html`<h3>How to fix</h3><ol>${meta.mitigation.map((m) => html`<li>${m}</li>`)}</ol>` : ''}
  </section>`;
}

function thresholds(report: ScanReport): SafeHtml {
  return html`<h2 id="thresholds">Thresholds</h2>
    <table><thead><tr><th scope="col">Alert</th><th scope="col">Used</th><th scope="col">pimwatch's</th><th scope="col">The tenant's PIM settings</th></tr></thead>
    <tbody>${report.thresholds.map(
      (row) => html`<tr><td>${DETECTORS_BY_ALERT[row.alert].meta.title}</td>
        <td>${row.used === 'tenant' ? "the tenant's" : "pimwatch's"}${row.reason ? ` (${row.reason})` : ''}</td>
        <td>${thresholdText(row.ours)}</td>
        <td>${row.tenantEnabled === false ? `alert disabled; ${thresholdText(row.tenant)}` : thresholdText(row.tenant)}</td></tr>`,
    )}</tbody></table>`;
}

export function formatHtml(report: ScanReport): string {
  const groups = incidentsByAlert(report);
  const page = html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>pimwatch scan: ${report.tenantName}</title><style>${rawHtml(PAGE_CSS)}</style></head>
<body><header class="page"><h1>pimwatch scan of ${report.tenantName}</h1></header>
<main>${overview(report)}${summary(report, groups)}
${[...groups].map(([alert, incidents]) => alertSection(report, alert, incidents))}
${thresholds(report)}</main>
<footer>Written by pimwatch from scan ${report.scanId}. Links open the Microsoft Entra admin center.</footer>
</body></html>
`;
  return page.value;
}
