import type { Severity } from '../model/alerts.js';
import type { Transition } from '../model/lifecycle.js';
import {
  alertDescription,
  alertTitle,
  incidentFacts,
  mitigationSteps,
  plural,
  type RenderContext,
  SEVERITY_WORD,
  severityCounts,
  sortTransitions,
  subjectOf,
  TRANSITION_WORD,
  transitionCounts,
  transitionSentence,
} from './incident-text.js';
import { transitionLinks } from './links.js';

/**
 * One mail for one or more transitions: a subject that says tenant, severities and count, an HTML body
 * (inline styles only: mail clients drop style sheets) and a plain-text body with the same content. Pure.
 */

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface EmailRenderOptions {
  /** @defaultValue `[pimwatch]` (the config schema's default) */
  subjectPrefix?: string;
}

/** Everything that goes into HTML is escaped, attribute values included. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const SEVERITY_HEX: Readonly<Record<Severity, string>> = {
  high: '#c4314b',
  medium: '#c19c00',
  low: '#0f6cbd',
};
const RESOLVED_HEX = '#107c10';

function colorOf(transition: Transition): string {
  return transition.type === 'resolved' ? RESOLVED_HEX : SEVERITY_HEX[transition.severity];
}

/** Subject lines are one line: a tenant name with a newline in it must not start a new header. */
function oneLine(value: string): string {
  return value.replace(/[\r\n\t]+/g, ' ').trim();
}

/** `[pimwatch] Contoso: 2 high, 1 medium – 3 PIM alert changes` */
export function emailSubject(
  transitions: readonly Transition[],
  ctx: RenderContext,
  prefix = '[pimwatch]',
): string {
  const count = plural(transitions.length, 'PIM alert change');
  const head = prefix ? `${prefix} ` : '';
  return oneLine(`${head}${ctx.tenantName}: ${severityCounts(transitions)} – ${count}`);
}

function htmlSection(transition: Transition, ctx: RenderContext): string {
  const color = colorOf(transition);
  const badge = `${SEVERITY_WORD[transition.severity]} · ${TRANSITION_WORD[transition.type]}`;
  const facts = incidentFacts(transition, ctx)
    .map(
      (f) =>
        `<tr><td style="padding:2px 12px 2px 0;color:#616161;vertical-align:top;white-space:nowrap">${escapeHtml(f.title)}</td>` +
        `<td style="padding:2px 0;vertical-align:top">${escapeHtml(f.value)}</td></tr>`,
    )
    .join('');
  const steps =
    transition.type === 'resolved'
      ? '<p style="margin:8px 0">Nothing to do. If the fix was deliberate, this is the confirmation; if not, find out who changed it.</p>'
      : `<p style="margin:12px 0 4px;font-weight:bold">What to do</p><ol style="margin:0;padding-left:20px">${mitigationSteps(
          transition,
        )
          .map((step) => `<li>${escapeHtml(step)}</li>`)
          .join('')}</ol>`;
  const description =
    transition.type === 'resolved'
      ? ''
      : `<p style="margin:8px 0">${escapeHtml(alertDescription(transition))}</p>`;
  const links = transitionLinks(transition, ctx)
    .map((l) => `<li><a href="${escapeHtml(l.url)}" style="color:#0f6cbd">${escapeHtml(l.title)}</a></li>`)
    .join('');
  return (
    `<div style="border-left:4px solid ${color};padding:8px 12px;margin:16px 0">` +
    `<div style="color:${color};font-weight:bold;font-size:12px;text-transform:uppercase">${escapeHtml(badge)}</div>` +
    `<h2 style="margin:4px 0;font-size:18px">${escapeHtml(alertTitle(transition))}</h2>` +
    `<div style="color:#616161">${escapeHtml(subjectOf(transition.incident))}</div>` +
    `<p style="margin:8px 0;font-weight:bold;color:${color}">${escapeHtml(transitionSentence(transition))}</p>` +
    description +
    `<table style="border-collapse:collapse;font-size:14px">${facts}</table>` +
    steps +
    `<p style="margin:12px 0 4px;font-weight:bold">Open in Microsoft Entra</p><ul style="margin:0;padding-left:20px">${links}</ul>` +
    `</div>`
  );
}

function textSection(transition: Transition, ctx: RenderContext, index: number): string {
  const lines = [
    `${index + 1}. [${SEVERITY_WORD[transition.severity].toUpperCase()} · ${TRANSITION_WORD[transition.type].toUpperCase()}] ${alertTitle(transition)}`,
    `   ${subjectOf(transition.incident)}`,
    `   ${transitionSentence(transition)}`,
    '',
    ...incidentFacts(transition, ctx).map((f) => `   ${f.title}: ${f.value}`),
    '',
  ];
  if (transition.type === 'resolved') {
    lines.push(
      '   Nothing to do. If the fix was deliberate, this is the confirmation; if not, find out who changed it.',
    );
  } else {
    lines.push('   What to do:', ...mitigationSteps(transition).map((step, i) => `   ${i + 1}) ${step}`));
  }
  lines.push(
    '',
    '   Open in Microsoft Entra:',
    ...transitionLinks(transition, ctx).map((l) => `   - ${l.title}: ${l.url}`),
  );
  return lines.join('\n');
}

function summary(sorted: Transition[]): string {
  return `${plural(sorted.length, 'change')}: ${transitionCounts(sorted)} (${severityCounts(sorted)})`;
}

/** A mail for `transitions` (one or a scan's worth), most severe first. */
export function renderEmail(
  transitions: readonly Transition[],
  ctx: RenderContext,
  options: EmailRenderOptions = {},
): RenderedEmail {
  if (transitions.length === 0) throw new RangeError('an email needs at least one transition');
  const sorted = sortTransitions(transitions);
  const subject = emailSubject(sorted, ctx, options.subjectPrefix);
  const heading = `PIM alert changes in ${ctx.tenantName}`;
  const footer =
    'Sent by pimwatch, which watches Microsoft Entra ID for the PIM security alerts and reports only changes.';
  const html =
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
    `<title>${escapeHtml(subject)}</title></head>` +
    '<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#242424;margin:0;padding:16px">' +
    `<h1 style="font-size:20px;margin:0 0 4px">${escapeHtml(heading)}</h1>` +
    `<div style="color:#616161">${escapeHtml(`${summary(sorted)} · tenant ${ctx.tenantId}`)}</div>` +
    sorted.map((t) => htmlSection(t, ctx)).join('') +
    `<p style="color:#616161;font-size:12px;margin-top:24px">${escapeHtml(footer)}</p>` +
    '</body></html>';
  const text = [
    heading,
    `${summary(sorted)} · tenant ${ctx.tenantId}`,
    '',
    sorted.map((t, i) => textSection(t, ctx, i)).join('\n\n'),
    '',
    '-- ',
    footer,
    '',
  ].join('\n');
  return { subject, html, text };
}
