import type { Severity } from '../model/alerts.js';
import type { Transition } from '../model/lifecycle.js';
import { changeAdvice, changeBadge, changeCounts, changeHeadline, NOTHING_TO_DO } from './change-words.js';
import { type DigestCut, type DigestGroup, digestLine, renderFittedDigest } from './digest.js';
import { clip, type Fact, incidentFacts, type RenderContext, severityCounts } from './incident-text.js';
import { transitionLinks } from './links.js';

/**
 * Teams cards for the Workflows webhook ("When a Teams webhook request is received"): an Adaptive Card
 * 1.5 wrapped in the message envelope the flow expects. Pure: the same transitions and context always
 * give the same JSON, so a retried delivery posts the very same card.
 */

/**
 * Teams documents a 28 KB limit for a message; read as 28,000 bytes of UTF-8 JSON (not 28,672), so a
 * digest stays under it whichever way the service counts.
 */
export const TEAMS_MAX_BYTES = 28_000;

export type TextColor = 'Default' | 'Accent' | 'Good' | 'Warning' | 'Attention';
export type ContainerStyle = 'default' | 'emphasis' | 'accent' | 'good' | 'warning' | 'attention';

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  size?: 'Small' | 'Default' | 'Medium' | 'Large';
  weight?: 'Default' | 'Bolder';
  color?: TextColor;
  isSubtle?: boolean;
  spacing?: 'None' | 'Small' | 'Medium';
  separator?: boolean;
}
export interface FactSet {
  type: 'FactSet';
  facts: Fact[];
}
export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}
export interface ActionSet {
  type: 'ActionSet';
  actions: OpenUrlAction[];
}
export interface Container {
  type: 'Container';
  items: CardElement[];
  style?: ContainerStyle;
  bleed?: boolean;
  separator?: boolean;
  spacing?: 'None' | 'Small' | 'Medium';
}
export type CardElement = TextBlock | FactSet | ActionSet | Container;

export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: '1.5';
  /** Teams draws the card across the channel's width instead of a narrow bubble. */
  msteams: { width: 'Full' };
  body: CardElement[];
  actions?: OpenUrlAction[];
}

/** What the Workflows webhook receives: a message with one Adaptive Card attachment. */
export interface TeamsMessage {
  type: 'message';
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive';
      contentUrl: null;
      content: AdaptiveCard;
    },
  ];
}

const SEVERITY_COLOR: Readonly<Record<Severity, TextColor>> = {
  high: 'Attention',
  medium: 'Warning',
  low: 'Accent',
};
const SEVERITY_STYLE: Readonly<Record<Severity, ContainerStyle>> = {
  high: 'attention',
  medium: 'warning',
  low: 'accent',
};

/** A resolved incident is good news whatever its severity: green, not red. */
function colorOf(transition: Transition): TextColor {
  return transition.type === 'resolved' ? 'Good' : SEVERITY_COLOR[transition.severity];
}
function styleOf(transition: Transition): ContainerStyle {
  return transition.type === 'resolved' ? 'good' : SEVERITY_STYLE[transition.severity];
}

/**
 * Teams reads TextBlock and fact text as Markdown: without escaping, `adm_priya_raman` turns partly
 * italic and a display name such as `[help](https://…)` becomes a link. Names come from the directory,
 * so every piece of data is escaped; only our own layout uses size and weight, never Markdown.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]~<>#]/g, (c) => `\\${c}`);
}

function text(value: string, options: Omit<TextBlock, 'type' | 'text'> = {}): TextBlock {
  return { type: 'TextBlock', text: escapeMarkdown(value), wrap: true, ...options };
}

/** `HIGH · NEW`: severity and change in words, so colour is never the only signal. */
function badge(transition: Transition): string {
  return changeBadge(transition).toUpperCase();
}

/** Teams cuts long button titles; the page name matters more than the object's full name. */
function openUrl(title: string, url: string): OpenUrlAction {
  return { type: 'Action.OpenUrl', title: clip(title, 80), url };
}

function card(body: CardElement[], actions: OpenUrlAction[] = []): AdaptiveCard {
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.5',
    msteams: { width: 'Full' },
    body,
    ...(actions.length > 0 ? { actions } : {}),
  };
}

export function teamsMessage(content: AdaptiveCard): TeamsMessage {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}

/** What a card says to do: the alert's mitigation, or nothing for a resolved incident. */
function guidance(advice: ReturnType<typeof changeAdvice>): CardElement[] {
  if (advice.resolved) return [text(NOTHING_TO_DO, { separator: true })];
  return [
    text('What to do', { weight: 'Bolder', separator: true }),
    ...advice.steps.map((step, i) => text(`${i + 1}. ${step}`, { spacing: i === 0 ? 'Small' : 'None' })),
  ];
}

/** One card for one transition: header in the severity's colour, facts, what to do, remediation buttons. */
export function renderTeamsCard(transition: Transition, ctx: RenderContext): TeamsMessage {
  const { title, subject, sentence } = changeHeadline(transition, ctx);
  const advice = changeAdvice(transition, ctx);
  const header: Container = {
    type: 'Container',
    style: styleOf(transition),
    bleed: true,
    items: [
      text(badge(transition), { size: 'Small', weight: 'Bolder', color: colorOf(transition) }),
      text(title, { size: 'Large', weight: 'Bolder', spacing: 'None' }),
      text(`${ctx.tenantName} · ${subject}`, { isSubtle: true, spacing: 'None' }),
    ],
  };
  const body: CardElement[] = [header, text(sentence, { weight: 'Bolder', color: colorOf(transition) })];
  if (!advice.resolved) body.push(text(advice.description, { spacing: 'Small' }));
  body.push({ type: 'FactSet', facts: escapeFacts(incidentFacts(transition, ctx)) }, ...guidance(advice));
  const actions = transitionLinks(transition, ctx).map((link) => openUrl(link.title, link.url));
  return teamsMessage(card(body, actions));
}

function escapeFacts(facts: Fact[]): Fact[] {
  return facts.map((f) => ({ title: escapeMarkdown(f.title), value: escapeMarkdown(f.value) }));
}

/** An alert's section: its title and counts, one line per change, and the alert's links once. */
function digestGroup(group: DigestGroup, ctx: RenderContext): Container {
  const color: TextColor = group.transitions.every((t) => t.type === 'resolved')
    ? 'Good'
    : SEVERITY_COLOR[group.severity];
  return {
    type: 'Container',
    separator: true,
    spacing: 'Medium',
    items: [
      text(`${group.title} (${group.transitions.length})`, { weight: 'Bolder', color }),
      text(group.heading, { size: 'Small', isSubtle: true, spacing: 'None' }),
      ...group.transitions.map((t) => text(`• ${digestLine(t, ctx)}`, { spacing: 'None' })),
      ...(group.links.length > 0
        ? [{ type: 'ActionSet' as const, actions: group.links.map((l) => openUrl(l.title, l.url)) }]
        : []),
    ],
  };
}

export interface DigestOptions {
  /** @defaultValue {@link TEAMS_MAX_BYTES} */
  maxBytes?: number;
}

/** UTF-8 size of the JSON the webhook receives. */
export function messageBytes(message: TeamsMessage): number {
  return Buffer.byteLength(JSON.stringify(message), 'utf8');
}

function digestMessage({ all, groups, shown, visible, end }: DigestCut, ctx: RenderContext): TeamsMessage {
  const total = all.length;
  const top = groups[0]!.transitions[0]!;
  const header: Container = {
    type: 'Container',
    style: styleOf(top),
    bleed: true,
    items: [
      text(`PIM alert changes in ${ctx.tenantName}`, { size: 'Large', weight: 'Bolder' }),
      text(`${changeCounts(all)} · ${severityCounts(all)}`, {
        spacing: 'None',
        color: colorOf(top),
        weight: 'Bolder',
      }),
      text(`Tenant ${ctx.tenantId}`, { isSubtle: true, spacing: 'None', size: 'Small' }),
    ],
  };
  const body: CardElement[] = [
    header,
    ...visible.map((g) => digestGroup(g, ctx)),
    text(end.text, {
      separator: true,
      isSubtle: shown === total,
      weight: shown < total ? 'Bolder' : 'Default',
    }),
  ];
  return teamsMessage(card(body, end.link ? [openUrl(end.link.title, end.link.url)] : []));
}

/**
 * One card for a scan's changes, grouped by alert, most severe first. When every change would not fit
 * in `maxBytes`, as many as fit are listed (the most severe ones), then "and N more" and where to see all.
 */
export function renderTeamsDigest(
  transitions: readonly Transition[],
  ctx: RenderContext,
  options: DigestOptions = {},
): TeamsMessage {
  const maxBytes = options.maxBytes ?? TEAMS_MAX_BYTES;
  const { rendered: message } = renderFittedDigest(
    transitions,
    ctx,
    (cut) => digestMessage(cut, ctx),
    (rendered) => messageBytes(rendered) <= maxBytes,
  );
  if (messageBytes(message) > maxBytes) {
    throw new RangeError(`even an empty digest exceeds ${maxBytes} bytes`);
  }
  return message;
}
