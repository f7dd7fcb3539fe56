import { DETECTORS, detectorFor } from '../detectors/registry.js';
import type { Detector } from '../detectors/types.js';
import type { AlertId } from '../model/alerts.js';
import { principalLabel as formatPrincipal } from '../model/principal.js';
import type { ReportIncident, ScanReport } from './report.js';

/** The dates that matter for an alert, in a few words, as its module writes them. */
export function keyDates(i: ReportIncident, alerts: readonly Detector[] = DETECTORS): string {
  return detectorFor(i.alert, alerts).keyDates?.(i) ?? '';
}

/** `Alice Admin <alice@contoso.example>`; empty without a principal. */
export function principalLabel(i: ReportIncident): string {
  return formatPrincipal(i, { upn: 'angle' }) ?? '';
}

export function roleLabel(i: ReportIncident): string {
  return i.roleDisplayName ?? i.roleTemplateId ?? '';
}

export function comparisonLabel(i: ReportIncident): string {
  const word =
    i.classification === 'both' ? 'both' : i.classification === 'oursOnly' ? 'ours only' : 'PIM only';
  return i.reason ? `${word} (${i.reason})` : word;
}

export function stateLabel(i: ReportIncident): string {
  const state = i.state ?? '-';
  return i.suppressed ? `${state}, suppressed` : state;
}

/** Incidents of one alert, in report order. */
export function incidentsByAlert(
  report: ScanReport,
  alerts: readonly Detector[] = DETECTORS,
): Map<AlertId, ReportIncident[]> {
  const groups = new Map<AlertId, ReportIncident[]>();
  for (const { meta } of alerts) groups.set(meta.alert, []);
  for (const incident of report.incidents) groups.get(incident.alert)!.push(incident);
  return groups;
}

export function alertTitle(alert: AlertId, alerts: readonly Detector[] = DETECTORS): string {
  return detectorFor(alert, alerts).meta.title;
}

export function thresholdText(values: Record<string, string | number | boolean> | null | undefined): string {
  if (!values) return '-';
  const entries = Object.entries(values);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '-';
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** Lays out rows as aligned columns (the last column is not padded). */
export function columns(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map(
    (row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i]!))).join('  '),
  );
}

/** A scan's state in a few words: complete, complete but degraded, or partial. */
function scanState(report: ScanReport, partial: string): string {
  if (!report.complete) return partial;
  return report.degraded
    ? `complete, degraded (activation history from the audit log: ${report.activationHistory.reason ?? 'configured'})`
    : 'complete';
}

/** Where an alert's activation history came from, and what that means, one line each. */
function historyLines(report: ScanReport, alert: AlertId): string[] {
  const history = report.detectors[alert].activationHistory;
  if (!history?.source) return [];
  const why = history.reason ? ` (${history.reason})` : '';
  return [
    `activation history: ${history.source}${why}`,
    ...(history.notes ?? []).map((note) => `note: ${note}`),
  ];
}

/** The human report: grouped by alert, with severity, counts, principal, role and the key dates. */
export function formatTable(report: ScanReport, alerts: readonly Detector[] = DETECTORS): string {
  const lines: string[] = [];
  const status = scanState(report, 'PARTIAL (some sources failed; see below)');
  lines.push(`pimwatch scan of ${report.tenantName} (${report.tenantId})`);
  lines.push(
    `at ${report.scannedAt} · ${status} · ${report.incidents.length} incident(s) · ${report.graphRequests.logical} Graph requests`,
  );
  const t = report.transitions;
  lines.push(
    `changes: ${t.opened} opened, ${t.reopened} reopened, ${t.resolved} resolved${t.suppressed ? `, ${t.suppressed} suppressed` : ''}`,
  );
  for (const [alert, incidents] of incidentsByAlert(report, alerts)) {
    const detector = report.detectors[alert];
    const severity = detectorFor(alert, alerts).meta.severity.toUpperCase();
    lines.push('');
    const verdict =
      detector.status === 'ok'
        ? `${incidents.length} incident(s)`
        : detector.status === 'disabled'
          ? 'disabled'
          : 'UNKNOWN';
    lines.push(`[${severity}] ${alertTitle(alert, alerts)} — ${alert}: ${verdict}`);
    if (detector.status === 'unknown') lines.push(`  cause: ${detector.cause}`);
    lines.push(...historyLines(report, alert).map((line) => `  ${line}`));
    const hold = report.lifecycleHolds.find((h) => h.alert === alert);
    if (hold) lines.push(`  held back: ${hold.reason}`);
    if (incidents.length > 0) {
      lines.push(
        ...columns([
          ['STATE', 'PIM', 'PRINCIPAL', 'ROLE', 'DETAILS'],
          ...incidents.map((i) => [
            stateLabel(i),
            comparisonLabel(i),
            principalLabel(i) || '-',
            roleLabel(i) || '-',
            keyDates(i, alerts),
          ]),
        ]),
      );
    }
    for (const item of detector.unknownItems ?? [])
      lines.push(`  not judged: ${item.subject}: ${item.cause}`);
  }
  lines.push('', 'Thresholds (used = where the values came from):');
  lines.push(
    ...columns([
      ['ALERT', 'USED', 'OURS', 'TENANT'],
      ...report.thresholds.map((row) => [
        row.alert,
        row.reason ? `${row.used} (${row.reason})` : row.used,
        thresholdText(row.ours),
        row.tenantEnabled === false ? `disabled; ${thresholdText(row.tenant)}` : thresholdText(row.tenant),
      ]),
    ]),
  );
  const failed = Object.entries(report.sources).filter(([, s]) => s.status === 'failed');
  if (failed.length > 0) {
    lines.push('', 'Failed sources:');
    for (const [name, s] of failed) lines.push(`  ${name}: ${s.cause}`);
  }
  return `${lines.join('\n')}\n`;
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The same report as Markdown, for tickets and wikis. */
export function formatMarkdown(report: ScanReport, alerts: readonly Detector[] = DETECTORS): string {
  const lines: string[] = [];
  lines.push(`# pimwatch scan: ${md(report.tenantName)}`, '');
  lines.push(`- Tenant: \`${report.tenantId}\``);
  lines.push(`- Scanned at: ${report.scannedAt}`);
  lines.push(`- Result: ${md(scanState(report, '**partial** (some sources failed)'))}`);
  lines.push(`- Incidents: ${report.incidents.length}; Graph requests: ${report.graphRequests.logical}`);
  for (const [alert, incidents] of incidentsByAlert(report, alerts)) {
    const detector = report.detectors[alert];
    const { meta } = detectorFor(alert, alerts);
    lines.push('', `## ${md(meta.title)} (\`${alert}\`, ${meta.severity})`, '');
    const history = historyLines(report, alert);
    if (history.length > 0) lines.push(...history.map((line) => `- ${md(line)}`), '');
    if (detector.status === 'unknown') {
      lines.push(`**Unknown**: ${md(detector.cause ?? '')}`);
      continue;
    }
    if (detector.status === 'disabled') {
      lines.push('Disabled.');
      continue;
    }
    if (incidents.length === 0) {
      lines.push('No incidents.');
      continue;
    }
    lines.push('| State | PIM | Principal | Role | Details |', '|---|---|---|---|---|');
    for (const i of incidents) {
      lines.push(
        `| ${md(stateLabel(i))} | ${md(comparisonLabel(i))} | ${md(principalLabel(i) || '-')} | ${md(roleLabel(i) || '-')} | ${md(keyDates(i, alerts))} |`,
      );
    }
  }
  lines.push('', '## Thresholds', '', '| Alert | Used | Ours | Tenant |', '|---|---|---|---|');
  for (const row of report.thresholds) {
    lines.push(
      `| ${row.alert} | ${md(row.reason ? `${row.used} (${row.reason})` : row.used)} | ${md(thresholdText(row.ours))} | ${md(row.tenantEnabled === false ? `disabled; ${thresholdText(row.tenant)}` : thresholdText(row.tenant))} |`,
    );
  }
  const failed = Object.entries(report.sources).filter(([, s]) => s.status === 'failed');
  if (failed.length > 0) {
    lines.push('', '## Failed sources', '');
    for (const [name, s] of failed) lines.push(`- \`${name}\`: ${md(s.cause ?? '')}`);
  }
  return `${lines.join('\n')}\n`;
}
