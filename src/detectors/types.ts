import type { z } from 'zod';
import type { AlertId, Severity } from '../model/alerts.js';
import type { AttackTechniqueId } from '../model/attack.js';
import type { DetectorResult, Incident } from '../model/incident.js';
import type { SourceName, TenantSnapshot } from '../model/snapshot.js';
import type { RemediationLink } from './entra-links.js';
import type { IncidentContext } from './holding-dates.js';
import type { HoldingIndex } from './holdings.js';
import type { ReadonlyIdSet } from './id-set.js';
import type { ThresholdMeaning } from './threshold-rules.js';

/** Every detector's config is a strict object with at least `enabled`. */
export type DetectorConfigSchema = z.ZodObject<{ enabled: z.ZodDefault<z.ZodBoolean> } & z.ZodRawShape>;

/** Graph's configuration `@odata.type` for an alert. */
export type GraphConfigurationType = `#microsoft.graph.${string}AlertConfiguration`;

/**
 * What identifies an incident of this alert on both sides (design section 3, "one incident per"), so
 * one of PIM's incidents can be paired with ours: the holder, the tenant, the role, holder and role, or
 * (sequential activations) holder, role and the run itself, paired by overlapping time.
 */
export type MatchBy = 'assignee' | 'tenant' | 'role' | 'assigneeAndRole' | 'run';

/** What PIM does when it remediates an incident of an alert (its definition's mitigation). */
export type RemediationAction = 'removeRoleAssignment' | 'requireMfaOnActivation' | 'applyMitigationSteps';

/** The principal and role an incident names: what a remediation summary is written from. */
export type IncidentSubject = Pick<
  Incident,
  | 'assigneeId'
  | 'assigneeType'
  | 'assigneeDisplayName'
  | 'assigneeUserPrincipalName'
  | 'roleTemplateId'
  | 'roleDisplayName'
>;

/** How an alert's incidents are fixed: by PIM on request, and by a person through the admin center. */
export interface AlertRemediation {
  /** What asking PIM to remediate one incident does, in one line a person reads before saying yes. */
  pim(incident: IncidentSubject): { action: RemediationAction; summary: string };
  /** Admin-center pages where the fix is made, listed after the alert, principal and role pages. */
  links?(tenantId: string): readonly RemediationLink[];
}

/** A role an alert is about without its incidents naming it (Global Administrator for too many of them). */
export interface ImpliedRole {
  templateId: string;
  displayName: string;
}

/** The dated (and counted) fields an incident may carry, whichever side reported it. */
export type IncidentDates = Pick<
  Incident,
  | 'assignmentCreatedDateTime'
  | 'lastSignInDateTime'
  | 'lastActivationDateTime'
  | 'activationCount'
  | 'sequenceStartDateTime'
  | 'sequenceEndDateTime'
  | 'tenantLicenseStatus'
>;

/** When the situation behind one of our incidents came about, and in words what happened then. */
export interface SituationDate {
  at: string;
  what: string;
}

/** What a detector is, independent of any tenant: used by reports, notifiers and the README. */
export interface DetectorMeta<Config> {
  /** Graph's alert definition id suffix; also the registry key and the module's export. */
  alert: AlertId;
  /** One line a person understands without knowing PIM. */
  title: string;
  /** Graph's `severityLevel` for this alert. */
  severity: Severity;
  /** What the finding means and why it matters. */
  description: string;
  /** What to do about it, one step per entry. */
  mitigation: readonly string[];
  /** The snapshot sources the verdict depends on; any of them failing makes the verdict unknown. */
  sources: readonly SourceName[];
  graphConfigurationType: GraphConfigurationType;
  /**
   * Config keys named and valued like Graph's configuration properties, so reconciliation can put the
   * tenant's own values in their place (`thresholds: tenant`).
   */
  thresholdKeys: readonly (keyof Config & string)[];
  /** How one of PIM's incidents of this alert is paired with ours. */
  matchBy: MatchBy;
  /** MITRE ATT&CK techniques the alert is evidence of, or exposure to; empty when none fits. */
  attack: readonly AttackTechniqueId[];
  remediation: AlertRemediation;
  impliedRole?: ImpliedRole;
  /** The title under which `assignmentCreatedDateTime` is shown; absent: "Holding since". */
  assignmentDateTitle?: string;
  /**
   * For alerts that read activation history: the setting that says how far back they look, and whether
   * their incidents carry `lastActivationDateTime` (which the audit log cannot know past its retention).
   */
  activationHistory?: { windowKey: keyof Config & string; reportsLastActivation: boolean };
  /** For alerts that read the directory audit log: the setting (an ISO duration) that says how far back. */
  auditLogWindowKey?: keyof Config & string;
}

/** Everything a detector may look at. There is deliberately no clock, logger or client here. */
export interface DetectorInput<Config> {
  snapshot: TenantSnapshot;
  config: Config;
  now: Date;
  /** Resolved once per scan from the snapshot; shared by all detectors. */
  holdings: HoldingIndex;
  /** Role template ids treated as privileged (Graph's `isPrivileged`, or the config's replacement list). */
  privilegedRoles: ReadonlyIdSet;
  /** Principals this detector must leave out of its incidents and its counts. */
  exclusions: ReadonlyIdSet;
}

export interface Detector<Schema extends DetectorConfigSchema = DetectorConfigSchema> {
  meta: DetectorMeta<z.output<Schema>>;
  /** Strict schema of this detector's settings; defaults live here and nowhere else. */
  config: Schema;
  /** Pure: the same input always gives the same result. */
  detect(input: DetectorInput<z.output<Schema>>): DetectorResult;
  /** What the thresholds mean; absent for an alert without thresholds (they never explain anything). */
  thresholds?: ThresholdMeaning<z.output<Schema>>;
  /**
   * The moment an incident first became true, when the snapshot can tell: PIM cannot have reported
   * anything it last scanned before that. Absent when the snapshot cannot say (a policy or SKU change).
   */
  situationDate?(
    incident: Incident,
    ctx: IncidentContext,
    config: z.output<Schema>,
  ): SituationDate | undefined;
  /** The dates that matter for this alert, in a few words, for the text report; absent: none. */
  keyDates?(incident: IncidentDates): string;
}

/** Declares a detector; the identity function exists so TypeScript infers the config type from the schema. */
export function defineDetector<Schema extends DetectorConfigSchema>(
  detector: Detector<Schema>,
): Detector<Schema> {
  return detector;
}
