import type { Severity } from '../model/alerts.js';
import type { Transition } from '../model/lifecycle.js';
import {
  alertDescription,
  alertTitle,
  clip,
  type Fact,
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
import { incidentsPageUrl, transitionLinks } from './links.js';

/**
 * Teams cards for the Workflows webhook ("When a Teams webhook request is received"): an Adaptive Card
 * 1.5 wrapped in the message envelope the flow expects. Pure: the same transitions and context always
 * give the same JSON, so a retried delivery posts the very same card.
 */

/** The Workflows webhook refuses bodies above 28 KB (28,672 bytes), counted as UTF-8. */
export const TEAMS_MAX_BYTES = 28 * 1024;

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
  return `${SEVERITY_WORD[transition.severity].toUpperCase()} · ${TRANSITION_WORD[transition.type].toUpperCase()}`;
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
function guidance(transition: Transition): CardElement[] {
  if (transition.type === 'resolved') {
    return [
      text(
        'Nothing to do. If the fix was deliberate, this is the confirmation; if not, find out who changed it.',
        {
          separator: true,
        },
      ),
    ];
  }
  const steps = mitigationSteps(transition).map((step, i) =>
    text(`${i + 1}. ${step}`, { spacing: i === 0 ? 'Small' : 'None' }),
  );
  return [text('What to do', { weight: 'Bolder', separator: true }), ...steps];
}

/** One card for one transition: header in the severity's colour, facts, what to do, remediation buttons. */
export function renderTeamsCard(transition: Transition, ctx: RenderContext): TeamsMessage {
  const header: Container = {
    type: 'Container',
    style: styleOf(transition),
    bleed: true,
    items: [
      text(badge(transition), { size: 'Small', weight: 'Bolder', color: colorOf(transition) }),
      text(alertTitle(transition), { size: 'Large', weight: 'Bolder', spacing: 'None' }),
      text(`${ctx.tenantName} · ${subjectOf(transition.incident)}`, { isSubtle: true, spacing: 'None' }),
    ],
  };
  const body: CardElement[] = [
    header,
    text(transitionSentence(transition), { weight: 'Bolder', color: colorOf(transition) }),
  ];
  if (transition.type !== 'resolved') body.push(text(alertDescription(transition), { spacing: 'Small' }));
  body.push({ type: 'FactSet', facts: escapeFacts(incidentFacts(transition, ctx)) }, ...guidance(transition));
  const actions = transitionLinks(transition, ctx).map((link) => openUrl(link.title, link.url));
  return teamsMessage(card(body, actions));
}

function escapeFacts(facts: Fact[]): Fact[] {
  return facts.map((f) => ({ title: escapeMarkdown(f.title), value: escapeMarkdown(f.value) }));
}

/** A digest's entry: badge, title, who and what, and buttons to PIM's alert, the principal and the role. */
function digestItem(transition: Transition, ctx: RenderContext): Container {
  const links = transitionLinks(transition, ctx);
  // The alert's own page and the pages after the alert list (principal, role): the list itself is
  // linked once at the bottom of the digest.
  const buttons = [links[0], ...links.slice(2, 4)]
    .filter((l) => l !== undefined)
    .map((l) => openUrl(l.title, l.url));
  return {
    type: 'Container',
    separator: true,
    spacing: 'Medium',
    items: [
      text(badge(transition), { size: 'Small', weight: 'Bolder', color: colorOf(transition) }),
      text(alertTitle(transition), { weight: 'Bolder', spacing: 'None' }),
      text(subjectOf(transition.incident), { isSubtle: true, spacing: 'None' }),
      { type: 'ActionSet', actions: buttons },
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

function digestMessage(sorted: Transition[], shown: number, ctx: RenderContext): TeamsMessage {
  const total = sorted.length;
  const top = sorted[0]!;
  const header: Container = {
    type: 'Container',
    style: styleOf(top),
    bleed: true,
    items: [
      text(`PIM alert changes in ${ctx.tenantName}`, { size: 'Large', weight: 'Bolder' }),
      text(`${plural(total, 'change')}: ${transitionCounts(sorted)} · ${severityCounts(sorted)}`, {
        spacing: 'None',
        color: colorOf(top),
        weight: 'Bolder',
      }),
      text(`Tenant ${ctx.tenantId}`, { isSubtle: true, spacing: 'None', size: 'Small' }),
    ],
  };
  const body: CardElement[] = [header, ...sorted.slice(0, shown).map((t) => digestItem(t, ctx))];
  const moreUrl = incidentsPageUrl(ctx, sorted[Math.min(shown, total - 1)]!);
  if (shown < total) {
    body.push(text(`and ${total - shown} more`, { weight: 'Bolder', separator: true }));
  }
  const actions = [openUrl(shown < total ? `See all ${total} changes` : 'All PIM alerts', moreUrl)];
  return teamsMessage(card(body, actions));
}

/**
 * One card for a scan's transitions, most severe first. When every entry would not fit in `maxBytes`,
 * as many as fit are listed (the most severe ones) followed by "and N more" and a link to the full list.
 */
export function renderTeamsDigest(
  transitions: readonly Transition[],
  ctx: RenderContext,
  options: DigestOptions = {},
): TeamsMessage {
  if (transitions.length === 0) throw new RangeError('a digest needs at least one transition');
  const maxBytes = options.maxBytes ?? TEAMS_MAX_BYTES;
  const sorted = sortTransitions(transitions);
  const full = digestMessage(sorted, sorted.length, ctx);
  if (messageBytes(full) <= maxBytes) return full;
  // Size grows with every entry shown, so the largest count that fits is found by bisection.
  let fits = 0;
  let tooMany = sorted.length;
  while (tooMany - fits > 1) {
    const mid = Math.floor((fits + tooMany) / 2);
    if (messageBytes(digestMessage(sorted, mid, ctx)) <= maxBytes) fits = mid;
    else tooMany = mid;
  }
  const trimmed = digestMessage(sorted, fits, ctx);
  if (messageBytes(trimmed) > maxBytes) {
    throw new RangeError(`even an empty digest exceeds ${maxBytes} bytes`);
  }
  return trimmed;
}
