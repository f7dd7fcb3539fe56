import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { HOLDING_SOURCES } from '../../src/detectors/holdings.js';
import { assigneeFields, incidentIdentity, roleFields } from '../../src/detectors/incident-fields.js';
import { DETECTORS } from '../../src/detectors/registry.js';
import { removeRoleAssignment } from '../../src/detectors/remediation.js';
import { runDetectors } from '../../src/detectors/run.js';
import { type Detector, defineDetector } from '../../src/detectors/types.js';
import type { AlertId } from '../../src/model/alerts.js';
import type { Transition } from '../../src/model/lifecycle.js';
import { renderEmail } from '../../src/notifiers/email.js';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import { incidentFacts } from '../../src/notifiers/incident-text.js';
import { renderTeamsCard } from '../../src/notifiers/teams-card.js';
import { reconcile } from '../../src/reconcile/classify.js';
import { thresholdRows } from '../../src/reconcile/report-table.js';
import { effectiveDetectorsConfig } from '../../src/reconcile/thresholds.js';
import { activationHistoryReport } from '../../src/scan/activation-history-report.js';
import { formatTable } from '../../src/scan/format-text.js';
import {
  detectorReports,
  ourReportIncident,
  type ScanReport,
  sortReportIncidents,
  sourceReports,
} from '../../src/scan/report.js';
import { scanReportSchema, scanReportSchemasFor } from '../../src/scan/report-schema.js';
import { everyAlertTenant } from '../support/sample-tenant.js';
import { NOW, TENANT_ID } from '../support/snapshot-factory.js';

/**
 * Adding an alert is its module plus a registry line. This test plays the next engineer: it defines an
 * eighth alert here, in the test, puts it in a registry next to the built-in seven, and runs it through
 * detection, reconciliation, the scan report (built and validated), the text report, the notifiers and
 * the SOC feed event, none of which is changed for it.
 */

// A test-only id: the built-in `AlertId` union cannot know it, which is the point.
const THROWAWAY = 'DirectGlobalAdminAlert' as AlertId;

const config = z
  .object({ enabled: z.boolean().default(true).meta({ description: 'Run this detector.' }) })
  .strict();

const throwaway: Detector<typeof config> = defineDetector({
  meta: {
    alert: THROWAWAY,
    title: 'Global Administrator held directly (throwaway test alert)',
    severity: 'high',
    description: 'A test alert: every holder of Global Administrator, one incident each.',
    mitigation: ['Nothing: this alert exists only in a test.', 'It proves that one file is enough.'],
    sources: [...HOLDING_SOURCES],
    graphConfigurationType: '#microsoft.graph.directGlobalAdminAlertConfiguration',
    thresholdKeys: [],
    matchBy: 'assigneeAndRole',
    attack: ['T1098.003'],
    remediation: { pim: removeRoleAssignment },
  },
  config,
  detect({ snapshot, holdings }) {
    const incidents = holdings.all
      .filter((h) => h.roleTemplateId === '62e90394-69f5-4237-9190-012177145e10')
      .map((h) => ({
        ...incidentIdentity(snapshot, THROWAWAY, 'high', {
          principalId: h.principalId,
          roleTemplateId: h.roleTemplateId,
        }),
        ...assigneeFields(snapshot, h.principalId),
        ...roleFields(snapshot, h.roleTemplateId),
        evidence: [{ kind: 'metric' as const, id: 'throwaway', detail: 'throwaway evidence' }],
      }));
    return { status: 'ok', incidents };
  },
  keyDates: () => 'throwaway key dates',
});

const ALERTS: readonly Detector[] = [...DETECTORS, throwaway as unknown as Detector];

function assess() {
  const snapshot = everyAlertTenant().build();
  const local = detectorsConfigSchema.parse({});
  const { config: effective, provenance } = effectiveDetectorsConfig({ local, snapshot, alerts: ALERTS });
  const outcomes = runDetectors({ snapshot, config: effective, now: NOW, alerts: ALERTS });
  const reconciled = reconcile({
    snapshot,
    outcomes,
    config: effective,
    provenance,
    now: NOW,
    alerts: ALERTS,
  });
  return { snapshot, outcomes, provenance, reconciled };
}

function reportOf({ snapshot, outcomes, provenance, reconciled }: ReturnType<typeof assess>): ScanReport {
  const time = NOW.toISOString();
  return {
    tenantId: TENANT_ID,
    tenantName: 'Contoso',
    scanId: 'scan-add-an-alert',
    scannedAt: time,
    startedAt: time,
    finishedAt: time,
    complete: snapshot.complete,
    degraded: false,
    activationHistory: activationHistoryReport(snapshot.activationHistory),
    sources: sourceReports(snapshot),
    graphRequests: snapshot.graphRequests,
    detectors: detectorReports(outcomes, ALERTS),
    thresholds: thresholdRows(provenance, ALERTS),
    lifecycleHolds: [],
    incidents: sortReportIncidents(
      reconciled.incidents.map((i) => ourReportIncident(i, undefined, null)),
      ALERTS,
    ),
    transitions: { opened: 0, resolved: 0, reopened: 0, suppressed: 0 },
  };
}

describe('adding an alert: one module and one registry line', () => {
  const assessed = assess();
  const ours = assessed.reconciled.incidents.filter((i) => i.alert === THROWAWAY);

  it('runs the new detector next to the built-in ones, with its schema defaults as its settings', () => {
    const outcome = assessed.outcomes[THROWAWAY];
    expect(outcome.status).toBe('ok');
    expect(outcome.status === 'ok' ? outcome.incidents.length : 0).toBeGreaterThan(0);
    for (const { meta } of DETECTORS) expect(assessed.outcomes[meta.alert].status).toBe('ok');
  });

  it('reconciles its incidents with PIM (which knows nothing of it) and explains why', () => {
    expect(ours.length).toBeGreaterThan(0);
    for (const incident of ours) {
      expect(incident.classification).toBe('oursOnly');
      expect(incident.reason).toBeDefined();
    }
    expect(assessed.reconciled.byAlert[THROWAWAY]).toEqual({ both: 0, oursOnly: ours.length, graphOnly: 0 });
  });

  it('builds a scan report that validates against the schema of this registry, and prints it', () => {
    const report = reportOf(assessed);
    expect(
      scanReportSchemasFor(ALERTS.map((d) => d.meta.alert) as [string, ...string[]]).scanReportSchema.parse(
        report,
      ),
    ).toEqual(report);
    // The published schema is the built-in registry's: it rejects the unknown alert, so the pass above means something.
    expect(scanReportSchema.safeParse(report).success).toBe(false);
    expect(report.thresholds.at(-1)).toMatchObject({ alert: THROWAWAY, used: 'local', ours: {} });
    expect(report.incidents.at(-1)?.alert).toBe(THROWAWAY);

    const text = formatTable(report, ALERTS);
    expect(text).toContain(
      `[HIGH] Global Administrator held directly (throwaway test alert) — ${THROWAWAY}: ${ours.length} incident(s)`,
    );
    expect(text).toContain('throwaway key dates');
  });

  it('renders it in a Teams card, an email and the SOC feed event', () => {
    const incident = ours[0]!;
    const transition: Transition = {
      eventId: 'event-throwaway',
      type: 'opened',
      tenantId: TENANT_ID,
      fingerprint: incident.fingerprint,
      alert: THROWAWAY,
      severity: 'high',
      at: NOW.toISOString(),
      scanId: 'scan-add-an-alert',
      incident,
      suppressed: null,
    };
    const ctx = { tenantId: TENANT_ID, tenantName: 'Contoso', alerts: ALERTS };

    expect(incidentFacts(transition, ctx)).toContainEqual({
      title: 'Alert',
      value: `Global Administrator held directly (throwaway test alert) (${THROWAWAY})`,
    });
    const card = JSON.stringify(renderTeamsCard(transition, ctx));
    expect(card).toContain('Global Administrator held directly (throwaway test alert)');
    expect(card).toContain('It proves that one file is enough.');
    const email = renderEmail([transition], ctx);
    expect(email.html).toContain('Global Administrator held directly (throwaway test alert)');
    expect(email.text).toContain('Nothing: this alert exists only in a test.');

    const event = renderFeedEvent(transition, ctx);
    expect(event).toMatchObject({
      alert: THROWAWAY,
      alertTitle: 'Global Administrator held directly (throwaway test alert)',
      attack: ['T1098.003'],
      classification: 'oursOnly',
    });
    expect(event.links[0]?.title).toBe(
      'PIM alert: Global Administrator held directly (throwaway test alert)',
    );
  });
});
