import { detectorFor } from '../detectors/registry.js';
import type { Detector } from '../detectors/types.js';
import type { Severity } from '../model/alerts.js';
import type { Incident } from '../model/incident.js';
import type { ClassifiedIncident, ReasonCode, Transition, TransitionType } from '../model/lifecycle.js';
import { principalLabel } from '../model/principal.js';
import type { ReconciledIncident } from '../model/reconciled.js';

/**
 * The words every renderer shares, so a card, a mail and a feed event describe an incident the same
 * way. Everything here is pure: times come from the transition and are formatted without the locale
 * or the time zone of the machine, so a render is the same wherever and whenever it runs.
 */

/** What renderers are told about the tenant, how to write times, and where to link. */
export interface RenderContext {
  tenantId: string;
  tenantName: string;
  /** A page listing the tenant's incidents (a digest's "and N more"); the PIM alerts page when absent. */
  incidentsUrl?: string;
  /** The operator console's external base URL, without a trailing slash; absent when there is none. */
  consoleUrl?: string;
  /** BCP 47 locale times are written in. @defaultValue en-GB */
  locale?: string;
  /** IANA time zone times are written in. @defaultValue UTC */
  timeZone?: string;
  /** The alert registry titles, steps and dates come from. @defaultValue the built-in one */
  alerts?: readonly Detector[];
}

export type TimeStyle = Pick<RenderContext, 'locale' | 'timeZone'>;

export interface Fact {
  title: string;
  value: string;
}

export const SEVERITY_WORD: Readonly<Record<Severity, string>> = {
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

export const TRANSITION_WORD: Readonly<Record<TransitionType, string>> = {
  opened: 'New',
  resolved: 'Resolved',
  reopened: 'Reopened',
};

/** The fact that dates the change. */
const WHEN_TITLE: Readonly<Record<TransitionType, string>> = {
  opened: 'Detected',
  resolved: 'Resolved',
  reopened: 'Reopened',
};

type AlertsOf = Pick<RenderContext, 'alerts'>;

export function alertTitle(transition: Pick<Transition, 'alert'>, ctx: AlertsOf = {}): string {
  return detectorFor(transition.alert, ctx.alerts).meta.title;
}

export function mitigationSteps(
  transition: Pick<Transition, 'alert'>,
  ctx: AlertsOf = {},
): readonly string[] {
  return detectorFor(transition.alert, ctx.alerts).meta.mitigation;
}

export function alertDescription(transition: Pick<Transition, 'alert'>, ctx: AlertsOf = {}): string {
  return detectorFor(transition.alert, ctx.alerts).meta.description;
}

/** Long names and evidence are cut so one odd object cannot blow a card past Teams' size limit. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
      timeZoneName: 'short',
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * `12 Jun 2026, 12:00 UTC` (en-GB, UTC): in the configured locale and time zone, never the machine's,
 * so a render is the same wherever it runs. The raw text when it is not a time.
 */
export function formatTime(iso: string, style: TimeStyle = {}): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return formatterFor(style.locale ?? 'en-GB', style.timeZone ?? 'UTC').format(new Date(ms));
}

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;

/** Evidence readings carry Graph's ISO times; people read them in their own format. */
export function timesInWords(text: string, style: TimeStyle = {}): string {
  return text.replace(ISO_TIME, (iso) => formatTime(iso, style));
}

/** `Alice Admin (alice@contoso.example)`, `Deployment Pipeline (service principal)`; undefined without one. */
export function principalText(
  incident: Pick<
    Incident,
    'assigneeId' | 'assigneeType' | 'assigneeDisplayName' | 'assigneeUserPrincipalName'
  >,
): string | undefined {
  const text = principalLabel(incident, { upn: 'paren', kind: true });
  return text === undefined ? undefined : clip(text, 200);
}

export function roleText(incident: Pick<Incident, 'roleDisplayName' | 'roleTemplateId'>): string | undefined {
  const name = incident.roleDisplayName ?? incident.roleTemplateId;
  return name ? clip(name, 120) : undefined;
}

/** Who and what, in one line: `Alice Admin (alice@…) · Global Administrator`, or the tenant itself. */
export function subjectOf(incident: ClassifiedIncident): string {
  const parts = [principalText(incident), roleText(incident)].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(' · ') : 'the whole tenant';
}

const REASON_TEXT: Readonly<Record<ReasonCode, string>> = {
  graphAlertDisabled: "PIM's own alert is switched off in this tenant",
  thresholdsDiffer: "pimwatch's thresholds differ from the tenant's PIM settings",
  graphScanStale: 'PIM has not scanned since this appeared',
  excludedLocally: 'the principal is excluded in the pimwatch configuration',
  principalDeleted: 'PIM still lists a principal that no longer exists',
  graphMissing: 'PIM does not report it, for no reason pimwatch can name',
  notDetectedLocally: 'pimwatch does not find it, for no reason it can name',
  graphUnavailable: "PIM's alerts could not be read in this scan",
};

/** Why ours and PIM's disagree, in words (the HTML report and the console say it like the cards). */
export function reasonText(reason: ReasonCode): string {
  return REASON_TEXT[reason];
}

/** The reconciler's own account of a disagreement (`reasonDetail`), when the incident carries one. */
export function reasonDetailOf(incident: ClassifiedIncident): string | undefined {
  const detail = (incident as ReconciledIncident).reasonDetail;
  return typeof detail === 'string' && detail.trim() !== '' ? clip(detail.trim(), 300) : undefined;
}

/** How this incident compares with PIM's own, in words: the reconciler's detail when it gave one. */
export function classificationText(incident: ClassifiedIncident): string {
  if (incident.classification === 'both') return 'Confirmed: PIM reports it too';
  const why =
    reasonDetailOf(incident) ?? (incident.reason ? REASON_TEXT[incident.reason] : 'PIM does not report it');
  if (incident.reason === 'graphUnavailable') return `Not compared: ${why}`;
  return `Found by pimwatch only: ${why}`;
}

/** The sentence that heads a card or mail section: what happened to the incident. */
export function transitionSentence(transition: Transition): string {
  switch (transition.type) {
    case 'opened':
      return `New ${transition.severity}-severity incident`;
    case 'reopened':
      return `Incident is back (${transition.severity} severity): it had been resolved`;
    case 'resolved':
      return 'Resolved: pimwatch no longer finds this';
  }
}

/** The dates that matter for this alert; `null` means "never" for sign-ins and activations. */
export function dateFacts(incident: ClassifiedIncident, style: TimeStyle & AlertsOf): Fact[] {
  const facts: Fact[] = [];
  const when = (title: string, value: string | null | undefined, nullMeans?: string) => {
    if (value === undefined) return;
    if (value === null) {
      if (nullMeans) facts.push({ title, value: nullMeans });
      return;
    }
    facts.push({ title, value: formatTime(value, style) });
  };
  const assignmentDateTitle = detectorFor(incident.alert, style.alerts).meta.assignmentDateTitle;
  if (assignmentDateTitle) {
    when(assignmentDateTitle, incident.assignmentCreatedDateTime);
  } else {
    when('Holding since', incident.assignmentCreatedDateTime, 'unknown (long ago)');
  }
  when('Last sign-in', incident.lastSignInDateTime, 'never');
  when('Last activation', incident.lastActivationDateTime, 'never');
  if (incident.activationCount !== undefined) {
    facts.push({ title: 'Activations in a row', value: String(incident.activationCount) });
  }
  when('First activation', incident.sequenceStartDateTime);
  when('Last activation ended', incident.sequenceEndDateTime, 'still active');
  if (incident.tenantLicenseStatus !== undefined) {
    facts.push({ title: 'Licence status', value: incident.tenantLicenseStatus });
  }
  return facts;
}

/** The first few evidence readings (`via group Tier 0 Admins`, `ga=4 all=6 percent=66.67`). */
export function evidenceText(
  incident: ClassifiedIncident,
  style: TimeStyle = {},
  max = 3,
): string | undefined {
  const details = incident.evidence.map((e) => e.detail).filter((d): d is string => Boolean(d));
  if (details.length === 0) return undefined;
  const shown = details.slice(0, max).map((d) => clip(timesInWords(d, style), 160));
  const more = details.length > max ? `; and ${details.length - max} more` : '';
  return shown.join('; ') + more;
}

/**
 * The facts of one transition, in the order people read them: where, what, how bad, what changed,
 * who and which role, the alert's own dates, the evidence, and how PIM sees it.
 */
export function incidentFacts(transition: Transition, ctx: RenderContext): Fact[] {
  const incident = transition.incident;
  const facts: Fact[] = [
    { title: 'Tenant', value: `${clip(ctx.tenantName, 120)} (${ctx.tenantId})` },
    { title: 'Alert', value: `${alertTitle(transition, ctx)} (${transition.alert})` },
    { title: 'Severity', value: SEVERITY_WORD[transition.severity] },
    { title: WHEN_TITLE[transition.type], value: formatTime(transition.at, ctx) },
  ];
  const principal = principalText(incident);
  if (principal) facts.push({ title: 'Principal', value: principal });
  const role = roleText(incident);
  if (role) facts.push({ title: 'Role', value: role });
  facts.push(...dateFacts(incident, ctx));
  const evidence = evidenceText(incident, ctx);
  if (evidence) facts.push({ title: 'Evidence', value: evidence });
  facts.push({ title: 'Compared with PIM', value: classificationText(incident) });
  facts.push({ title: 'Incident', value: transition.fingerprint });
  return facts;
}

/** `2 high, 1 medium` (most severe first, absent severities left out). */
export function severityCounts(transitions: readonly Transition[]): string {
  const counts: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  for (const t of transitions) counts[t.severity] += 1;
  return (['high', 'medium', 'low'] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

/** `2 new, 1 resolved` (absent kinds left out). */
export function transitionCounts(transitions: readonly Transition[]): string {
  const counts: Record<TransitionType, number> = { opened: 0, reopened: 0, resolved: 0 };
  for (const t of transitions) counts[t.type] += 1;
  return (['opened', 'reopened', 'resolved'] as const)
    .filter((type) => counts[type] > 0)
    .map((type) => `${counts[type]} ${TRANSITION_WORD[type].toLowerCase()}`)
    .join(', ');
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
