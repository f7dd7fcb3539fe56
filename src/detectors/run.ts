import type { AlertId } from '../model/alerts.js';
import type { DetectorResult } from '../model/incident.js';
import type { TenantSnapshot } from '../model/snapshot.js';
import { alertSettings, type DetectorsConfig } from './config-schema.js';
import { excludedPrincipals } from './exclusions.js';
import { countsGroupMembers, HOLDING_SOURCES, type HoldingIndex, resolveHoldings } from './holdings.js';
import { IdSet } from './id-set.js';
import { DETECTORS } from './registry.js';
import type { Detector } from './types.js';

/** The settings a detector ran with (its config without `enabled`), for the report. */
export type ThresholdsUsed = Record<string, string | number | boolean>;

export type DetectorOutcome = (DetectorResult & { thresholds: ThresholdsUsed }) | { status: 'disabled' };
export type DetectorOutcomes = Record<AlertId, DetectorOutcome>;

export interface RunDetectorsInput {
  snapshot: TenantSnapshot;
  /** The tenant's effective settings (after merging and, later, reconciliation's thresholds). */
  config: DetectorsConfig;
  now: Date;
  /** The alert registry. @defaultValue the built-in one */
  alerts?: readonly Detector[];
}

/** Graph's `isPrivileged` roles, unless the config lists its own. */
export function privilegedRoleSet(snapshot: TenantSnapshot, config: DetectorsConfig): IdSet {
  if (config.privilegedRoles) return new IdSet(config.privilegedRoles);
  const privileged = new IdSet();
  for (const role of snapshot.roleDefinitions.values())
    if (role.isPrivileged) privileged.add(role.templateId);
  return privileged;
}

function thresholdsOf(config: object): ThresholdsUsed {
  const { enabled: _enabled, ...rest } = config as Record<string, string | number | boolean>;
  return rest;
}

/** Why a detector cannot judge: every source it needs that failed, with the source's own cause. */
function failedSourcesCause(snapshot: TenantSnapshot, detector: Detector): string | undefined {
  const failed = detector.meta.sources.filter((source) => snapshot.sources[source]?.status === 'failed');
  if (failed.length === 0) return undefined;
  return failed
    .map((source) => `source ${source} failed: ${snapshot.sources[source]?.cause ?? 'no cause recorded'}`)
    .join('; ');
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Holdings-based verdicts stand without PIM for Groups (design section 8: only what depends on it says
 * so): each role-holding group whose eligible or active memberships could not be read is listed as not
 * judged, since its PIM members hold its roles unseen.
 */
function withUnexpandedGroups(result: DetectorResult, snapshot: TenantSnapshot): DetectorResult {
  if (result.status !== 'ok' || snapshot.pimGroupsUnread.length === 0) return result;
  const unread = snapshot.pimGroupsUnread.map((groupId) => ({
    subject: `group ${snapshot.principals.get(groupId)?.displayName ?? groupId} (${groupId})`,
    cause:
      'its PIM for Groups memberships could not be read: eligible and active members through PIM for Groups are not counted',
  }));
  return { ...result, unknownItems: [...(result.unknownItems ?? []), ...unread] };
}

const EMPTY_HOLDINGS: HoldingIndex = {
  all: [],
  get: () => undefined,
  ofRole: () => [],
  ofPrincipal: () => [],
  activeGrantsOf: () => [],
};

/**
 * Runs every detector of the registry over one snapshot. Holdings and the privileged-role set are worked out once
 * and shared. A detector whose sources failed (or which throws) is `unknown`, never clean, and carries no
 * incidents; a disabled one is `disabled`.
 */
export function runDetectors({
  snapshot,
  config,
  now,
  alerts = DETECTORS,
}: RunDetectorsInput): DetectorOutcomes {
  let holdings = EMPTY_HOLDINGS;
  let holdingsError: string | undefined;
  try {
    holdings = resolveHoldings(snapshot, now);
  } catch (error) {
    holdingsError = `role holdings could not be resolved: ${describeError(error)}`;
  }
  const privilegedRoles = privilegedRoleSet(snapshot, config);
  const needsHoldings = (detector: Detector) =>
    detector.meta.sources.some((source) => (HOLDING_SOURCES as readonly string[]).includes(source));

  const outcomes = {} as DetectorOutcomes;
  for (const detector of alerts) {
    const alert = detector.meta.alert;
    const detectorConfig = alertSettings(config, detector);
    if (!detectorConfig.enabled) {
      outcomes[alert] = { status: 'disabled' };
      continue;
    }
    const thresholds = thresholdsOf(detectorConfig);
    const cause =
      failedSourcesCause(snapshot, detector) ?? (needsHoldings(detector) ? holdingsError : undefined);
    if (cause !== undefined) {
      outcomes[alert] = { status: 'unknown', cause, thresholds };
      continue;
    }
    const exclusions = excludedPrincipals(config.exclusions, alert);
    let result: DetectorResult;
    try {
      result = detector.detect({
        snapshot,
        config: detectorConfig,
        now,
        holdings,
        privilegedRoles,
        exclusions,
      });
    } catch (error) {
      result = { status: 'unknown', cause: `detector failed: ${describeError(error)}` };
    }
    if (countsGroupMembers(detector.meta.sources)) result = withUnexpandedGroups(result, snapshot);
    if (result.status === 'ok') {
      // A guarantee that does not depend on each detector remembering: excluded principals never surface.
      const incidents = result.incidents.filter(
        (i) => i.assigneeId === undefined || !exclusions.has(i.assigneeId),
      );
      outcomes[alert] = { ...result, incidents, thresholds };
    } else {
      outcomes[alert] = { ...result, thresholds };
    }
  }
  return outcomes;
}
