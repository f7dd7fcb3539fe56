import { z } from 'zod';
import { type AlertId, alertIdFromGraphId } from '../../model/alerts.js';
import type {
  GraphAlert,
  GraphAlertConfiguration,
  GraphAlertDefinition,
  GraphIncident,
} from '../../model/snapshot.js';
import { type ReadOutcome, readCollection, readCollectionsBatched } from '../collection.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';
import { SOURCES } from '../sources.js';
import { graphDateTime, nullableString } from './shared.js';

/** Graph answers 400 on these collections without exactly this scope. */
export const ALERT_SCOPE_FILTER = "scopeId eq '/' and scopeType eq 'DirectoryRole'";

/** Items whose id is not one of the seven Entra-role alerts (a future alert type) are skipped, not errors. */
function known<T extends { alert: AlertId | undefined }>(items: T[]): (T & { alert: AlertId })[] {
  return items.filter((i): i is T & { alert: AlertId } => i.alert !== undefined);
}

const definitionSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().default(''),
  description: z.string().default(''),
  severityLevel: z.string().default('unknown'),
  securityImpact: z.string().default(''),
  mitigationSteps: z.string().default(''),
  howToPrevent: z.string().default(''),
  isRemediatable: z.boolean().default(false),
  isConfigurable: z.boolean().default(false),
});

export async function readAlertDefinitions(http: GraphHttp): Promise<ReadOutcome<GraphAlertDefinition>> {
  const outcome = await readCollection(
    http,
    sourceRequest('alertDefinitions', {
      $filter: ALERT_SCOPE_FILTER,
      $select:
        'id,displayName,description,severityLevel,securityImpact,mitigationSteps,howToPrevent,isRemediatable,isConfigurable',
    }),
    definitionSchema,
    (d) => ({ ...d, alert: alertIdFromGraphId(d.id) }),
  );
  return outcome.status === 'ok' ? { status: 'ok', items: known(outcome.items) } : outcome;
}

const THRESHOLD_KEYS = [
  'globalAdminCountThreshold',
  'percentageOfGlobalAdminsOutOfRolesThreshold',
  'duration',
  'timeIntervalBetweenActivations',
  'sequentialActivationCounterThreshold',
] as const;

const configurationSchema = z.looseObject({
  id: z.string().min(1),
  alertDefinitionId: z.string().nullish(),
  isEnabled: z.boolean().nullish(),
});

/** Read whole: each alert type's configuration has its own threshold properties (a polymorphic collection). */
export async function readAlertConfigurations(
  http: GraphHttp,
): Promise<ReadOutcome<GraphAlertConfiguration>> {
  const outcome = await readCollection(
    http,
    sourceRequest('alertConfigurations', { $filter: ALERT_SCOPE_FILTER }),
    configurationSchema,
    (c) => {
      const thresholds: Record<string, string | number> = {};
      for (const key of THRESHOLD_KEYS) {
        const value = c[key];
        // Absent is not zero: only values Graph actually sent count as the tenant's thresholds.
        if (typeof value === 'string' || typeof value === 'number') thresholds[key] = value;
      }
      return {
        id: c.id,
        alert: alertIdFromGraphId(c.alertDefinitionId ?? c.id),
        isEnabled: c.isEnabled ?? null,
        thresholds,
      };
    },
  );
  return outcome.status === 'ok' ? { status: 'ok', items: known(outcome.items) } : outcome;
}

const alertSchema = z.object({
  id: z.string().min(1),
  alertDefinitionId: z.string().nullish(),
  incidentCount: z.number().int().default(0),
  isActive: z.boolean().default(false),
  lastModifiedDateTime: graphDateTime,
  lastScannedDateTime: graphDateTime,
});

const incidentSchema = z.object({
  '@odata.type': z.string().default(''),
  id: z.string().min(1),
  assigneeId: nullableString,
  assigneeDisplayName: nullableString,
  assigneeUserPrincipalName: nullableString,
  roleTemplateId: nullableString,
  roleDefinitionId: nullableString,
  roleDisplayName: nullableString,
  assignmentCreatedDateTime: graphDateTime,
  lastSignInDateTime: graphDateTime,
  lastActivationDateTime: graphDateTime,
  activationCount: z.number().int().nullish(),
  sequenceStartDateTime: graphDateTime,
  sequenceEndDateTime: graphDateTime,
  tenantLicenseStatus: nullableString,
});

/**
 * PIM's alerts, then the incidents of every alert that has any. Incidents are listed per alert rather
 * than through `$expand`, because an expanded collection may be cut short on a large tenant.
 */
export async function readAlerts(http: GraphHttp): Promise<ReadOutcome<GraphAlert>> {
  const outcome = await readCollection(
    http,
    sourceRequest(
      'alerts',
      {
        $filter: ALERT_SCOPE_FILTER,
        $select: 'id,alertDefinitionId,incidentCount,isActive,lastModifiedDateTime,lastScannedDateTime',
      },
      { paged: false },
    ),
    alertSchema,
    (a) => ({ ...a, alert: alertIdFromGraphId(a.alertDefinitionId ?? a.id) }),
  );
  if (outcome.status === 'error') return outcome;
  const alerts = known(outcome.items);
  const withIncidents = alerts.filter((a) => a.incidentCount > 0);
  const incidentOutcomes = await readCollectionsBatched(
    http,
    withIncidents.map((a) =>
      sourceRequest(
        'alerts',
        {},
        { path: `${SOURCES.alerts.path}/${encodeURIComponent(a.id)}/alertIncidents` },
      ),
    ),
    incidentSchema,
    (i) => i,
  );
  const incidentsByAlert = new Map<string, GraphIncident[]>();
  for (let k = 0; k < withIncidents.length; k++) {
    const alert = withIncidents[k]!;
    const result = incidentOutcomes[k]!;
    if (result.status === 'error') return result;
    incidentsByAlert.set(
      alert.id,
      result.items.map(({ '@odata.type': odataType, activationCount, ...rest }) => ({
        ...rest,
        odataType,
        activationCount: activationCount ?? null,
        alert: alert.alert,
      })),
    );
  }
  return {
    status: 'ok',
    items: alerts.map((a) => ({
      id: a.id,
      alert: a.alert,
      incidentCount: a.incidentCount,
      isActive: a.isActive,
      lastModifiedDateTime: a.lastModifiedDateTime,
      lastScannedDateTime: a.lastScannedDateTime,
      incidents: incidentsByAlert.get(a.id) ?? [],
    })),
  };
}
