import { type DetectorsConfigInput, detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { type DetectorOutcome, runDetectors } from '../../src/detectors/run.js';
import type { AlertId } from '../../src/model/alerts.js';
import type { Incident } from '../../src/model/incident.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import { NOW, nameOf, roleNameOf } from './snapshot-factory.js';

/** Runs every detector through the real runner (exclusions, unknown sources) and returns one alert's outcome. */
export function runAlert(
  alert: AlertId,
  snapshot: TenantSnapshot,
  config: DetectorsConfigInput = {},
  now: Date = NOW,
): DetectorOutcome {
  return runDetectors({ snapshot, config: detectorsConfigSchema.parse(config), now })[alert];
}

/**
 * An incident as a short readable key: `alice @ globalAdmin`, `alice` (no role), `@ userAdmin` (no
 * principal), `tenant` (neither). Ids made by the snapshot factory come back as their names.
 */
export function incidentKey(incident: Incident): string {
  const principal = incident.assigneeId ? (nameOf(incident.assigneeId) ?? incident.assigneeId) : '';
  const role = incident.roleTemplateId
    ? (roleNameOf(incident.roleTemplateId) ?? incident.roleTemplateId)
    : '';
  if (principal && role) return `${principal} @ ${role}`;
  if (principal) return principal;
  if (role) return `@ ${role}`;
  return 'tenant';
}

/** What a table expects: the exact, sorted incident keys, or a status without incidents. */
export type Expected = readonly string[] | 'unknown' | 'disabled';

/**
 * Reduces an outcome to what tables compare: sorted incident keys for `ok` (after checking every
 * incident belongs to `alert`), else the status.
 */
export function summarize(alert: AlertId, outcome: DetectorOutcome): Expected {
  if (outcome.status !== 'ok') return outcome.status;
  for (const incident of outcome.incidents) {
    if (incident.alert !== alert) throw new Error(`incident of ${incident.alert} reported under ${alert}`);
  }
  return outcome.incidents.map(incidentKey).sort();
}

/** The incidents of an `ok` outcome; fails the test for any other status. */
export function incidentsOf(outcome: DetectorOutcome): Incident[] {
  if (outcome.status !== 'ok') throw new Error(`expected status ok, got ${outcome.status}`);
  return outcome.incidents;
}

/** The one incident with this key. */
export function incidentNamed(outcome: DetectorOutcome, key: string): Incident {
  const found = incidentsOf(outcome).filter((incident) => incidentKey(incident) === key);
  if (found.length !== 1) throw new Error(`expected one incident '${key}', found ${found.length}`);
  return found[0]!;
}
