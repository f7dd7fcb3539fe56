import type { z } from 'zod';
import type { AlertId, Severity } from '../model/alerts.js';
import type { DetectorResult } from '../model/incident.js';
import type { SourceName, TenantSnapshot } from '../model/snapshot.js';
import type { HoldingIndex } from './holdings.js';
import type { ReadonlyIdSet } from './id-set.js';

/** Every detector's config is a strict object with at least `enabled`. */
export type DetectorConfigSchema = z.ZodObject<{ enabled: z.ZodDefault<z.ZodBoolean> } & z.ZodRawShape>;

/** Graph's configuration `@odata.type` for an alert. */
export type GraphConfigurationType = `#microsoft.graph.${string}AlertConfiguration`;

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
}

/** Declares a detector; the identity function exists so TypeScript infers the config type from the schema. */
export function defineDetector<Schema extends DetectorConfigSchema>(
  detector: Detector<Schema>,
): Detector<Schema> {
  return detector;
}
