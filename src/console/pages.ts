import { DETECTORS_BY_ALERT } from '../detectors/registry.js';
import { ALERT_IDS, type AlertId, type Severity } from '../model/alerts.js';
import {
  INCIDENT_STATES,
  type IncidentRecord,
  type Suppression,
  type Transition,
} from '../model/lifecycle.js';
import { formatTime, SEVERITY_WORD, subjectOf, TRANSITION_WORD } from '../notifiers/incident-text.js';
import { incidentBlock } from '../scan/format-html.js';
import { describeIncident } from '../scan/incident-words.js';
import type { ScanSummary } from '../store/state-store.js';
import { type HtmlValue, html, rawHtml, type SafeHtml } from '../util/html.js';
import type { ConsoleUser } from './sessions.js';

/** Server-rendered pages of the console. Every value goes through `html`, which escapes it. */

export const ASSET_CSS = '/console/assets/console.css';
export const ASSET_JS = '/console/assets/console.js';
const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

export interface PageFrame {
  title: string;
  user: ConsoleUser | null;
  csrfToken?: string;
  /** Sign-in is off (`console.auth: none`): there is no one to sign out. */
  anonymous?: boolean;
  /** Reload every few seconds when scripts are off (the scan progress page). */
  refreshWithoutScript?: boolean;
}

export function layout(frame: PageFrame, body: SafeHtml): string {
  const who = frame.user
    ? html`<span class="who">Signed in as ${frame.user.name} (${frame.user.username})</span>
      <form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="${frame.csrfToken ?? ''}"><button class="secondary" type="submit">Sign out</button></form>`
    : frame.anonymous
      ? html`<span class="who">Sign-in is off (loopback only)</span>`
      : '';
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · pimwatch</title>${frame.refreshWithoutScript ? rawHtml('<noscript><meta http-equiv="refresh" content="3"></noscript>') : ''}<link rel="stylesheet" href="${ASSET_CSS}"><script src="${ASSET_JS}" defer></script></head>
<body><nav class="top" aria-label="Main"><strong>pimwatch</strong><a href="/">Tenants</a><a href="/feed">Feed</a>${who}</nav>
<main id="main">${body}</main></body></html>
`.value;
}

export function severityBadge(severity: Severity): SafeHtml {
  return html`<span class="sev sev-${severity}">${SEVERITY_WORD[severity]}</span>`;
}

function duration(scan: ScanSummary): string {
  const ms = Date.parse(scan.finishedAt) - Date.parse(scan.startedAt);
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '-';
}

function incidentTotal(scan: ScanSummary): number {
  return Object.values(scan.incidentsByAlert).reduce((a, b) => a + (b ?? 0), 0);
}

/** A small line of open incidents over the recent scans, oldest on the left; numbers only go in. */
export function trendSvg(scans: readonly ScanSummary[]): SafeHtml {
  const points = [...scans].reverse().map(incidentTotal);
  if (points.length === 0) return html`<span class="muted">no scans yet</span>`;
  const width = 120;
  const height = 28;
  const max = Math.max(1, ...points);
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const coords = points
    .map((p, i) => `${(i * step).toFixed(1)},${(height - 2 - (p / max) * (height - 4)).toFixed(1)}`)
    .join(' ');
  const last = coords.split(' ').at(-1)!.split(',');
  const label = `Open incidents over the last ${points.length} scan(s): ${points.join(', ')}`;
  return html`<svg class="trend" role="img" aria-label="${label}" width="${width}" height="${height}" viewBox="-2 0 ${width + 4} ${height}"><title>${label}</title><polyline fill="none" stroke="#0b57b0" stroke-width="2" points="${coords}"/><circle cx="${last[0]}" cy="${last[1]}" r="3" fill="#0b57b0"/></svg> ${points.at(-1)}`;
}

export interface TenantRow {
  id: string;
  name: string;
  scans: ScanSummary[];
  open: IncidentRecord[];
}

export function tenantsPage(rows: readonly TenantRow[]): SafeHtml {
  return html`<h1>Tenants</h1>
  <table><thead><tr><th scope="col">Tenant</th><th scope="col">Last scan</th><th scope="col">Result</th><th scope="col">Duration</th>
  <th scope="col">Open incidents</th><th scope="col">Compared with PIM</th><th scope="col">Trend</th></tr></thead><tbody>
  ${rows.map((row) => {
    const last = row.scans[0];
    const bySeverity = SEVERITIES.map(
      (s) => html`${severityBadge(s)} ${row.open.filter((i) => i.severity === s).length} `,
    );
    const a = last?.agreement;
    return html`<tr><td><a href="/tenants/${encodeURIComponent(row.id)}">${row.name}</a><br><code class="muted">${row.id}</code></td>
      <td>${last ? html`<a href="/tenants/${encodeURIComponent(row.id)}/scans/${encodeURIComponent(last.scanId)}">${formatTime(last.finishedAt)}</a>` : 'never'}</td>
      <td>${last ? html`<span class="status-${last.outcome}">${last.outcome}</span>` : '-'}</td>
      <td>${last ? duration(last) : '-'}</td><td>${bySeverity}</td>
      <td>${a ? `both ${a.both} · ours only ${a.oursOnly} · PIM only ${a.graphOnly}` : '-'}</td>
      <td>${trendSvg(row.scans)}</td></tr>`;
  })}</tbody></table>`;
}

export interface TenantFilter {
  state?: string;
  alert?: AlertId;
  severity?: Severity;
}

function options(
  values: readonly string[],
  selected: string | undefined,
  label: (v: string) => string,
): SafeHtml {
  return html`<option value="">All</option>${values.map(
    (v) => html`<option value="${v}"${v === selected ? rawHtml(' selected') : ''}>${label(v)}</option>`,
  )}`;
}

export function scanNowForm(tenantId: string, csrfToken: string | undefined): SafeHtml {
  return html`<form method="post" action="/tenants/${encodeURIComponent(tenantId)}/scan" class="inline">
    <input type="hidden" name="csrf" value="${csrfToken ?? ''}"><button type="submit" id="scan-now">Scan now</button></form>`;
}

export function tenantPage(
  tenant: { id: string; name: string },
  incidents: readonly IncidentRecord[],
  scans: readonly ScanSummary[],
  filter: TenantFilter,
  csrfToken: string | undefined,
): SafeHtml {
  const t = encodeURIComponent(tenant.id);
  return html`<h1>${tenant.name}</h1><p><code>${tenant.id}</code> ${scanNowForm(tenant.id, csrfToken)}</p>
  <h2>Incidents</h2>
  <form class="filters" method="get" action="/tenants/${t}">
    <label for="f-state">State<select id="f-state" name="state">${options(['active', ...INCIDENT_STATES], filter.state, (v) => v)}</select></label>
    <label for="f-alert">Alert<select id="f-alert" name="alert">${options(ALERT_IDS, filter.alert, (v) => DETECTORS_BY_ALERT[v as AlertId].meta.title)}</select></label>
    <label for="f-severity">Severity<select id="f-severity" name="severity">${options(SEVERITIES, filter.severity, (v) => SEVERITY_WORD[v as Severity])}</select></label>
    <button type="submit">Filter</button></form>
  <p>${incidents.length} incident(s).</p>
  <table><thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Principal and role</th><th scope="col">State</th><th scope="col">First seen</th><th scope="col">Last seen</th></tr></thead><tbody>
  ${incidents.map(
    (r) => html`<tr><td>${severityBadge(r.severity)}</td><td>${DETECTORS_BY_ALERT[r.alert].meta.title}</td>
      <td><a href="/tenants/${t}/incidents/${encodeURIComponent(r.fingerprint)}">${subjectOf(r.incident)}</a></td>
      <td>${r.state}</td><td>${formatTime(r.firstSeen)}</td><td>${formatTime(r.lastSeen)}</td></tr>`,
  )}</tbody></table>
  <h2>Scan history</h2>${scanHistory(tenant.id, scans)}`;
}

function scanHistory(tenantId: string, scans: readonly ScanSummary[]): SafeHtml {
  return html`<table><thead><tr><th scope="col">Finished</th><th scope="col">Trigger</th><th scope="col">Result</th><th scope="col">Duration</th><th scope="col">Incidents</th><th scope="col">Changes</th><th scope="col">Failed sources</th></tr></thead><tbody>
  ${scans.map(
    (
      s,
    ) => html`<tr><td><a href="/tenants/${encodeURIComponent(tenantId)}/scans/${encodeURIComponent(s.scanId)}">${formatTime(s.finishedAt)}</a></td>
      <td>${s.trigger}</td><td><span class="status-${s.outcome}">${s.outcome}</span></td><td>${duration(s)}</td>
      <td>${incidentTotal(s)}</td><td>${s.transitions}</td><td>${s.failedSources.map((f) => `${f.source}: ${f.cause}`).join('; ') || '-'}</td></tr>`,
  )}</tbody></table>`;
}

export function incidentPage(
  tenant: { id: string; name: string },
  record: IncidentRecord,
  suppressions: readonly Suppression[],
  transitions: readonly Transition[],
): SafeHtml {
  const words = describeIncident(record.incident, tenant.id);
  const lifecycle: HtmlValue[] = [
    html`<dt>First seen</dt><dd>${formatTime(record.firstSeen)}</dd>`,
    html`<dt>Last seen</dt><dd>${formatTime(record.lastSeen)} (${record.timesSeen} scan(s))</dd>`,
    record.resolvedAt ? html`<dt>Resolved</dt><dd>${formatTime(record.resolvedAt)}</dd>` : '',
    ...suppressions.map(
      (s) => html`<dt>Suppressed</dt><dd>${s.reason} (by ${s.author}, until ${formatTime(s.expiresAt)})</dd>`,
    ),
  ];
  return html`<p><a href="/tenants/${encodeURIComponent(tenant.id)}">← ${tenant.name}</a></p>
  <h1>${DETECTORS_BY_ALERT[record.alert].meta.title} ${severityBadge(record.severity)}</h1>
  <h2>Lifecycle</h2><dl class="facts">${lifecycle}</dl>
  <table><caption class="muted">Transitions still in the feed</caption><thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">Scan</th></tr></thead><tbody>
  ${transitions.map(
    (
      t,
    ) => html`<tr><td>${formatTime(t.at)}</td><td>${TRANSITION_WORD[t.type]}${t.suppressed ? ' (suppressed)' : ''}</td>
      <td><a href="/tenants/${encodeURIComponent(tenant.id)}/scans/${encodeURIComponent(t.scanId)}">${t.scanId}</a></td></tr>`,
  )}</tbody></table>
  <h2>Incident</h2>${incidentBlock(words, record.state, 'h3')}`;
}

export function scanPage(
  tenant: { id: string; name: string },
  scanId: string,
  summary: ScanSummary | undefined,
  transitions: readonly Transition[] | null,
): SafeHtml {
  const t = encodeURIComponent(tenant.id);
  return html`<p><a href="/tenants/${t}">← ${tenant.name}</a></p><h1>Scan ${scanId}</h1>
  ${
    summary
      ? html`<p>Finished ${formatTime(summary.finishedAt)} · <span class="status-${summary.outcome}">${summary.outcome}</span> · ${summary.transitions} change(s)</p>
    ${summary.failedSources.length ? html`<div class="banner" role="alert">Failed sources: <ul>${summary.failedSources.map((f) => html`<li><code>${f.source}</code>: ${f.cause}</li>`)}</ul></div>` : ''}`
      : ''
  }
  <h2>Changes</h2>
  ${transitions === null ? html`<p class="muted">The changes of this scan are no longer kept.</p>` : ''}
  <table><thead><tr><th scope="col">Change</th><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Principal and role</th></tr></thead><tbody>
  ${(transitions ?? []).map(
    (
      x,
    ) => html`<tr><td>${TRANSITION_WORD[x.type]}${x.suppressed ? ' (suppressed)' : ''}</td><td>${severityBadge(x.severity)}</td>
      <td>${DETECTORS_BY_ALERT[x.alert].meta.title}</td>
      <td><a href="/tenants/${t}/incidents/${encodeURIComponent(x.fingerprint)}">${subjectOf(x.incident)}</a></td></tr>`,
  )}</tbody></table>`;
}

/** Shown while a requested scan runs; without JavaScript the page refreshes itself. */
export function scanProgressPage(
  tenant: { id: string; name: string },
  scanId: string,
  state: string,
  percent: number,
): SafeHtml {
  const t = encodeURIComponent(tenant.id);
  return html`<p><a href="/tenants/${t}">← ${tenant.name}</a></p><h1>Scanning ${tenant.name}</h1>
  <div class="progress" role="status" aria-live="polite" id="scan-progress" data-status-url="/tenants/${t}/scans/${encodeURIComponent(scanId)}/status"
    data-done-url="/tenants/${t}/scans/${encodeURIComponent(scanId)}">Scan ${scanId}: <span id="scan-state">${state}</span>, <span id="scan-percent">${percent}</span>%</div>
  <progress max="100" value="${percent}" aria-label="Scan progress"></progress>
  <noscript><p>This page reloads every few seconds until the scan ends.</p></noscript>`;
}

export interface FeedRow {
  cursor: string;
  tenantName: string;
  transition: Transition;
  event: unknown;
}

export function feedPage(rows: readonly FeedRow[], nextCursor: string | undefined): SafeHtml {
  return html`<h1>Feed</h1><p class="muted">Events as the SOC receives them from <code>/api/v1/feed</code>, oldest first.</p>
  ${rows.map(
    (
      r,
    ) => html`<details class="incident"><summary>${formatTime(r.transition.at)} · ${TRANSITION_WORD[r.transition.type]} · ${severityBadge(r.transition.severity)} · ${r.tenantName} · ${DETECTORS_BY_ALERT[r.transition.alert].meta.title} · ${subjectOf(r.transition.incident)}</summary>
      <pre>${JSON.stringify(r.event, null, 2)}</pre></details>`,
  )}
  ${rows.length === 0 ? html`<p>No events.</p>` : ''}
  ${nextCursor ? html`<p><a href="/feed?cursor=${encodeURIComponent(nextCursor)}">Newer events →</a></p>` : ''}`;
}

export function messagePage(title: string, message: string, link?: { href: string; text: string }): SafeHtml {
  return html`<h1>${title}</h1><p>${message}</p>${link ? html`<p><a href="${link.href}">${link.text}</a></p>` : ''}`;
}
