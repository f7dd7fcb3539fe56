import type { AlertId, Severity } from '../model/alerts.js';
import type { Transition, TransitionType } from '../model/lifecycle.js';
import {
  alertTitle,
  clip,
  plural,
  type RenderContext,
  SEVERITY_WORD,
  subjectOf,
  TRANSITION_WORD,
  timesInWords,
  transitionCounts,
} from './incident-text.js';
import {
  consoleAlertUrl,
  consoleScanUrl,
  incidentsPageUrl,
  type RemediationLink,
  transitionLinks,
} from './links.js';

/**
 * A digest's content, shared by the Teams card and the mail: changes grouped by alert (most severe
 * first), one heading per alert with its counts, one line per principal and role, and one set of links
 * per alert. Pure; the renderers only lay it out.
 */

export interface DigestGroup {
  alert: AlertId;
  severity: Severity;
  title: string;
  /** `High · 3 new, 1 resolved` */
  heading: string;
  /** Every change of this alert, in reading order. */
  transitions: Transition[];
  /** The PIM alert in the Entra admin center, and the console's view of this alert when there is one. */
  links: RemediationLink[];
}

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { high: 0, medium: 1, low: 2 };
const TRANSITION_ORDER: Readonly<Record<TransitionType, number>> = { opened: 0, reopened: 1, resolved: 2 };

function compareInGroup(a: Transition, b: Transition): number {
  return (
    TRANSITION_ORDER[a.type] - TRANSITION_ORDER[b.type] ||
    subjectOf(a.incident).localeCompare(subjectOf(b.incident), 'en') ||
    a.eventId.localeCompare(b.eventId, 'en')
  );
}

function groupLinks(sample: Transition, ctx: RenderContext): RemediationLink[] {
  const alertPage = transitionLinks(sample, ctx)[0];
  const consoleView = consoleAlertUrl(ctx, sample.alert);
  return [
    ...(alertPage ? [{ title: 'Open the PIM alert', url: alertPage.url }] : []),
    ...(consoleView ? [{ title: 'Show in pimwatch', url: consoleView }] : []),
  ];
}

/** The changes grouped by alert: most severe alert first, then by title; a stable order. */
export function groupByAlert(transitions: readonly Transition[], ctx: RenderContext): DigestGroup[] {
  const byAlert = new Map<AlertId, Transition[]>();
  for (const t of transitions) byAlert.set(t.alert, [...(byAlert.get(t.alert) ?? []), t]);
  return [...byAlert.entries()]
    .map(([alert, items]) => {
      const sorted = [...items].sort(compareInGroup);
      const top = sorted.reduce((a, b) => (SEVERITY_ORDER[b.severity] < SEVERITY_ORDER[a.severity] ? b : a));
      return {
        alert,
        severity: top.severity,
        title: alertTitle(top, ctx),
        heading: `${SEVERITY_WORD[top.severity]} · ${transitionCounts(sorted)}`,
        transitions: sorted,
        links: groupLinks(top, ctx),
      };
    })
    .sort(
      (a, b) =>
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.title.localeCompare(b.title, 'en'),
    );
}

/**
 * One change in a line: what changed, who, which role, and the first evidence in words.
 * `New · Alice Admin (alice@contoso.example) · Global Administrator — last sign-in 12 Jun 2026, 09:00 UTC`
 */
export function digestLine(transition: Transition, ctx: RenderContext): string {
  const incident = transition.incident;
  const who = subjectOf(incident);
  const first = incident.evidence.find((e) => e.detail)?.detail;
  const evidence = first ? clip(timesInWords(first, ctx), 160) : undefined;
  const line = `${TRANSITION_WORD[transition.type]} · ${who}${evidence ? ` — ${evidence}` : ''}`;
  return clip(line, 300);
}

/** The first `shown` changes in group order, the groups cut to them (a group keeps its full heading). */
export function visibleGroups(groups: readonly DigestGroup[], shown: number): DigestGroup[] {
  const out: DigestGroup[] = [];
  let left = shown;
  for (const group of groups) {
    if (left <= 0) break;
    out.push({ ...group, transitions: group.transitions.slice(0, left) });
    left -= group.transitions.length;
  }
  return out;
}

export interface SeeAll {
  /** What to say under the list. */
  text: string;
  /** Where "See all" points, when there is a page to point to. */
  link?: RemediationLink;
}

/**
 * Where the whole scan can be read: the console's page of the scan when a console is configured;
 * otherwise the scan's HTML report, which pimwatch writes on request (`scan --format html`, and into the
 * demo's outbox), so the words say how to get it rather than link a file the reader may not have.
 */
export function seeAll(transitions: readonly Transition[], ctx: RenderContext, hidden: number): SeeAll {
  const more = hidden > 0 ? `and ${plural(hidden, 'more change')} not listed here. ` : '';
  const scanId = transitions[0]?.scanId;
  const scanPage = scanId ? consoleScanUrl(ctx, scanId) : undefined;
  if (scanPage) {
    return {
      text: `${more}Every change of this scan is on its page in pimwatch.`,
      link: { title: `See all ${plural(transitions.length, 'change')}`, url: scanPage },
    };
  }
  const sample = transitions[0];
  return {
    text: `${more}The scan's HTML report lists every change with its evidence (pimwatch scan --format html).`,
    ...(sample ? { link: { title: 'All PIM alerts', url: incidentsPageUrl(ctx, sample) } } : {}),
  };
}

/**
 * The largest `n` in `0..total` for which `fits(n)` holds, when size grows with `n`: a digest shows as
 * many changes as its channel's size limit allows. Bisection: a few renders instead of one per change.
 */
export function largestThatFits(total: number, fits: (n: number) => boolean): number {
  if (fits(total)) return total;
  let ok = 0;
  let tooMany = total;
  while (tooMany - ok > 1) {
    const mid = Math.floor((ok + tooMany) / 2);
    if (fits(mid)) ok = mid;
    else tooMany = mid;
  }
  return ok;
}

/** One way a digest can be cut: the changes it lists, grouped, and what it says about the rest. */
export interface DigestCut {
  /** Every change of the digest, and all their groups (a header may describe the whole). */
  all: readonly Transition[];
  groups: readonly DigestGroup[];
  /** How many changes are listed, and their groups cut to them. */
  shown: number;
  visible: DigestGroup[];
  /** The line under the list: "and N more" and where to see all. */
  end: SeeAll;
}

/**
 * A digest rendered with as many changes as `fits` accepts (most severe first): `render` is called for
 * a few cuts, and the largest that fits is returned with the cut it shows.
 * @throws RangeError for no transitions
 */
export function renderFittedDigest<R>(
  transitions: readonly Transition[],
  ctx: RenderContext,
  render: (cut: DigestCut) => R,
  fits: (rendered: R) => boolean,
): { rendered: R; cut: DigestCut } {
  if (transitions.length === 0) throw new RangeError('a digest needs at least one transition');
  const groups = groupByAlert(transitions, ctx);
  const cutAt = (shown: number): DigestCut => ({
    all: transitions,
    groups,
    shown,
    visible: visibleGroups(groups, shown),
    end: seeAll(transitions, ctx, transitions.length - shown),
  });
  const cut = cutAt(largestThatFits(transitions.length, (n) => fits(render(cutAt(n)))));
  return { rendered: render(cut), cut };
}
