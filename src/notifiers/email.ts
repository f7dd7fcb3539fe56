import type { Severity } from '../model/alerts.js';
import type { Transition } from '../model/lifecycle.js';
import { changeAdvice, changeBadge, changeCounts, changeHeadline, NOTHING_TO_DO } from './change-words.js';
import type { EmailChannelConfig } from './config-schema.js';
import { type DigestCut, type DigestGroup, digestLine, renderFittedDigest } from './digest.js';
import { incidentFacts, plural, type RenderContext, severityCounts } from './incident-text.js';
import { type RemediationLink, transitionLinks } from './links.js';

/**
 * One mail for one or more transitions: a subject that says tenant, severities and count, an HTML body
 * (inline styles only: mail clients drop style sheets) and a plain-text body with the same content. Pure.
 */

/**
 * Headers every pimwatch mail carries. `Auto-Submitted: auto-generated` (RFC 3834 section 5) tells
 * responders not to answer it, so out-of-office replies do not come back to the sending mailbox.
 */
export const AUTOMATED_MAIL_HEADERS: Readonly<Record<string, string>> = {
  'Auto-Submitted': 'auto-generated',
};

/**
 * The domain of a mail's Message-ID: the configured one, else the sender's, else one that can never
 * collide with a real domain (`.invalid`, RFC 2606).
 */
export function messageIdDomain(options: { messageIdDomain?: string; from?: string }): string {
  if (options.messageIdDomain) return options.messageIdDomain;
  const at = options.from?.lastIndexOf('@') ?? -1;
  return at >= 0 ? options.from!.slice(at + 1).toLowerCase() : 'pimwatch.invalid';
}

/** The address a channel's mail comes from: `from`, or the Graph mailbox when it is an address. */
export function senderOf(config: Pick<EmailChannelConfig, 'from' | 'transport'>): string | undefined {
  if (config.from) return config.from;
  return config.transport.type === 'graph' && config.transport.mailbox.includes('@')
    ? config.transport.mailbox
    : undefined;
}

/** `<key@domain>`: the same on every attempt, so mail systems can recognise a resend. */
export function messageIdFor(deliveryKey: string, domain: string): string {
  return `<${deliveryKey}@${domain}>`;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface EmailRenderOptions {
  /** @defaultValue `[pimwatch]` (the config schema's default) */
  subjectPrefix?: string;
  /** @defaultValue {@link EMAIL_MAX_HTML_BYTES} */
  maxHtmlBytes?: number;
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
  const badge = changeBadge(transition);
  const facts = incidentFacts(transition, ctx)
    .map(
      (f) =>
        `<tr><td style="padding:2px 12px 2px 0;color:#616161;vertical-align:top;white-space:nowrap">${escapeHtml(f.title)}</td>` +
        `<td style="padding:2px 0;vertical-align:top">${escapeHtml(f.value)}</td></tr>`,
    )
    .join('');
  const advice = changeAdvice(transition, ctx);
  const steps = advice.resolved
    ? `<p style="margin:8px 0">${NOTHING_TO_DO}</p>`
    : `<p style="margin:12px 0 4px;font-weight:bold">What to do</p><ol style="margin:0;padding-left:20px">${advice.steps
        .map((step) => `<li>${escapeHtml(step)}</li>`)
        .join('')}</ol>`;
  const description = advice.resolved ? '' : `<p style="margin:8px 0">${escapeHtml(advice.description)}</p>`;
  const headline = changeHeadline(transition, ctx);
  const links = transitionLinks(transition, ctx)
    .map((l) => `<li><a href="${escapeHtml(l.url)}" style="color:#0f6cbd">${escapeHtml(l.title)}</a></li>`)
    .join('');
  return (
    `<div style="border-left:4px solid ${color};padding:8px 12px;margin:16px 0">` +
    `<div style="color:${color};font-weight:bold;font-size:12px;text-transform:uppercase">${escapeHtml(badge)}</div>` +
    `<h2 style="margin:4px 0;font-size:18px">${escapeHtml(headline.title)}</h2>` +
    `<div style="color:#616161">${escapeHtml(headline.subject)}</div>` +
    `<p style="margin:8px 0;font-weight:bold;color:${color}">${escapeHtml(headline.sentence)}</p>` +
    description +
    `<table style="border-collapse:collapse;font-size:14px">${facts}</table>` +
    steps +
    `<p style="margin:12px 0 4px;font-weight:bold">Open in Microsoft Entra</p><ul style="margin:0;padding-left:20px">${links}</ul>` +
    `</div>`
  );
}

function textSection(transition: Transition, ctx: RenderContext, index: number): string {
  const headline = changeHeadline(transition, ctx);
  const advice = changeAdvice(transition, ctx);
  const lines = [
    `${index + 1}. [${changeBadge(transition).toUpperCase()}] ${headline.title}`,
    `   ${headline.subject}`,
    `   ${headline.sentence}`,
    '',
    ...incidentFacts(transition, ctx).map((f) => `   ${f.title}: ${f.value}`),
    '',
  ];
  if (advice.resolved) lines.push(`   ${NOTHING_TO_DO}`);
  else lines.push('   What to do:', ...advice.steps.map((step, i) => `   ${i + 1}) ${step}`));
  lines.push(
    '',
    '   Open in Microsoft Entra:',
    ...transitionLinks(transition, ctx).map((l) => `   - ${l.title}: ${l.url}`),
  );
  return lines.join('\n');
}

function summary(sorted: readonly Transition[]): string {
  return `${changeCounts(sorted)} (${severityCounts(sorted)})`;
}

const FOOTER =
  'Sent by pimwatch, which watches Microsoft Entra ID for the PIM security alerts and reports only changes.';

/** Gmail clips a message whose HTML passes about 102 KB; a digest stays under 100,000 bytes. */
export const EMAIL_MAX_HTML_BYTES = 100_000;

function htmlPage(subject: string, heading: string, intro: string, content: string): string {
  return (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
    `<title>${escapeHtml(subject)}</title></head>` +
    '<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#242424;margin:0;padding:16px">' +
    `<h1 style="font-size:20px;margin:0 0 4px">${escapeHtml(heading)}</h1>` +
    `<div style="color:#616161">${escapeHtml(intro)}</div>` +
    content +
    `<p style="color:#616161;font-size:12px;margin-top:24px">${escapeHtml(FOOTER)}</p>` +
    '</body></html>'
  );
}

function htmlLink(link: RemediationLink): string {
  return `<a href="${escapeHtml(link.url)}" style="color:#0f6cbd">${escapeHtml(link.title)}</a>`;
}

function htmlGroup(group: DigestGroup, ctx: RenderContext): string {
  const color = group.transitions.every((t) => t.type === 'resolved')
    ? RESOLVED_HEX
    : SEVERITY_HEX[group.severity];
  const lines = group.transitions.map((t) => `<li>${escapeHtml(digestLine(t, ctx))}</li>`).join('');
  const links = group.links.map(htmlLink).join(' · ');
  return (
    `<div style="border-left:4px solid ${color};padding:4px 12px;margin:16px 0">` +
    `<h2 style="margin:0;font-size:16px;color:${color}">${escapeHtml(`${group.title} (${group.transitions.length})`)}</h2>` +
    `<div style="color:#616161;font-size:12px">${escapeHtml(group.heading)}</div>` +
    `<ul style="margin:6px 0;padding-left:20px">${lines}</ul>` +
    (links ? `<div>${links}</div>` : '') +
    '</div>'
  );
}

function textGroup(group: DigestGroup, ctx: RenderContext): string {
  return [
    `${group.title} (${group.transitions.length}) — ${group.heading}`,
    ...group.transitions.map((t) => `  - ${digestLine(t, ctx)}`),
    ...group.links.map((l) => `  ${l.title}: ${l.url}`),
  ].join('\n');
}

/** A scan's changes in one mail: grouped by alert, one line per change, links once per alert. */
function renderDigestEmail(
  transitions: readonly Transition[],
  ctx: RenderContext,
  subject: string,
  maxHtmlBytes: number,
): RenderedEmail {
  const heading = `PIM alert changes in ${ctx.tenantName}`;
  const intro = `${summary(transitions)} · tenant ${ctx.tenantId}`;
  const html = ({ visible, end }: DigestCut) => {
    const content =
      visible.map((g) => htmlGroup(g, ctx)).join('') +
      `<p style="margin:16px 0">${escapeHtml(end.text)}${end.link ? ` ${htmlLink(end.link)}` : ''}</p>`;
    return htmlPage(subject, heading, intro, content);
  };
  const { rendered, cut } = renderFittedDigest(
    transitions,
    ctx,
    html,
    (page) => Buffer.byteLength(page, 'utf8') <= maxHtmlBytes,
  );
  const { end } = cut;
  const text = [
    heading,
    intro,
    '',
    cut.visible.map((g) => textGroup(g, ctx)).join('\n\n'),
    '',
    end.link ? `${end.text}\n${end.link.title}: ${end.link.url}` : end.text,
    '',
    '-- ',
    FOOTER,
    '',
  ].join('\n');
  return { subject, html: rendered, text };
}

/** A mail for one transition with all its facts, what to do and its remediation links. */
function renderSingleEmail(transition: Transition, ctx: RenderContext, subject: string): RenderedEmail {
  const heading = `PIM alert changes in ${ctx.tenantName}`;
  const intro = `${summary([transition])} · tenant ${ctx.tenantId}`;
  const html = htmlPage(subject, heading, intro, htmlSection(transition, ctx));
  const text = [heading, intro, '', textSection(transition, ctx, 0), '', '-- ', FOOTER, ''].join('\n');
  return { subject, html, text };
}

/**
 * A mail for `transitions`: one change in full, or a scan's changes as a digest grouped by alert, its
 * HTML kept under `maxHtmlBytes` with "and N more".
 */
export function renderEmail(
  transitions: readonly Transition[],
  ctx: RenderContext,
  options: EmailRenderOptions = {},
): RenderedEmail {
  if (transitions.length === 0) throw new RangeError('an email needs at least one transition');
  const subject = emailSubject(transitions, ctx, options.subjectPrefix);
  if (transitions.length === 1) return renderSingleEmail(transitions[0]!, ctx, subject);
  return renderDigestEmail(transitions, ctx, subject, options.maxHtmlBytes ?? EMAIL_MAX_HTML_BYTES);
}
