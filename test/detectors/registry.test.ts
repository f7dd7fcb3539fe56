import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { incidentLinks } from '../../src/detectors/links.js';
import {
  checkedDetectors,
  DETECTORS,
  DETECTORS_BY_ALERT,
  detectorFor,
} from '../../src/detectors/registry.js';
import { runDetectors } from '../../src/detectors/run.js';
import type { Detector } from '../../src/detectors/types.js';
import {
  ALERT_IDS,
  type AlertId,
  PIM_ALERT_IDS,
  type PimAlertId,
  type Severity,
} from '../../src/model/alerts.js';
import { ATTACK_TECHNIQUES } from '../../src/model/attack.js';
import type { Incident } from '../../src/model/incident.js';
import { SOURCE_NAMES } from '../../src/model/snapshot.js';
import { everyAlertTenant } from '../support/sample-tenant.js';
import { NOW } from '../support/snapshot-factory.js';

/** Graph's severityLevel and configuration properties per alert (graph-pim-alerts reference, section 1-2). */
const GRAPH: Record<PimAlertId, { severity: Severity; configurationType: string; thresholdKeys: string[] }> =
  {
    TooManyGlobalAdminsAssignedToTenantAlert: {
      severity: 'low',
      configurationType: '#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertConfiguration',
      thresholdKeys: ['globalAdminCountThreshold', 'percentageOfGlobalAdminsOutOfRolesThreshold'],
    },
    InvalidLicenseAlert: {
      severity: 'high',
      configurationType: '#microsoft.graph.invalidLicenseAlertConfiguration',
      thresholdKeys: [],
    },
    NoMfaOnRoleActivationAlert: {
      severity: 'medium',
      configurationType: '#microsoft.graph.noMfaOnRoleActivationAlertConfiguration',
      thresholdKeys: [],
    },
    RedundantAssignmentAlert: {
      severity: 'low',
      configurationType: '#microsoft.graph.redundantAssignmentAlertConfiguration',
      thresholdKeys: ['duration'],
    },
    RolesAssignedOutsidePimAlert: {
      severity: 'high',
      configurationType:
        '#microsoft.graph.rolesAssignedOutsidePrivilegedIdentityManagementAlertConfiguration',
      thresholdKeys: [],
    },
    SequentialActivationRenewalsAlert: {
      severity: 'medium',
      configurationType: '#microsoft.graph.sequentialActivationRenewalsAlertConfiguration',
      thresholdKeys: ['sequentialActivationCounterThreshold', 'timeIntervalBetweenActivations'],
    },
    StaleSignInAlert: {
      severity: 'medium',
      configurationType: '#microsoft.graph.staleSignInAlertConfiguration',
      thresholdKeys: ['duration'],
    },
  };

/** The fields notifiers render for each alert: Graph's incident type fields, plus our common ones. */
const COMMON_FIELDS = ['alert', 'severity', 'fingerprint', 'tenantId', 'evidence'] as const;
const ASSIGNEE = ['assigneeId', 'assigneeType', 'assigneeDisplayName', 'assigneeUserPrincipalName'] as const;
const ROLE = ['roleTemplateId', 'roleDefinitionId', 'roleDisplayName'] as const;
const RENDERED_FIELDS: Record<PimAlertId, readonly (keyof Incident)[]> = {
  TooManyGlobalAdminsAssignedToTenantAlert: [...ASSIGNEE],
  InvalidLicenseAlert: ['tenantLicenseStatus'],
  NoMfaOnRoleActivationAlert: ['roleTemplateId', 'roleDisplayName'],
  RedundantAssignmentAlert: [...ASSIGNEE, ...ROLE, 'lastActivationDateTime'],
  RolesAssignedOutsidePimAlert: [...ASSIGNEE, ...ROLE, 'assignmentCreatedDateTime'],
  SequentialActivationRenewalsAlert: [
    ...ASSIGNEE,
    ...ROLE,
    'activationCount',
    'sequenceStartDateTime',
    'sequenceEndDateTime',
  ],
  StaleSignInAlert: [...ASSIGNEE, ...ROLE, 'assignmentCreatedDateTime', 'lastSignInDateTime'],
};
const INCIDENT_FIELDS: readonly (keyof Incident)[] = [
  ...ASSIGNEE,
  ...ROLE,
  'assignmentCreatedDateTime',
  'lastSignInDateTime',
  'lastActivationDateTime',
  'activationCount',
  'sequenceStartDateTime',
  'sequenceEndDateTime',
  'tenantLicenseStatus',
];

const sample = runDetectors({
  snapshot: everyAlertTenant().build(),
  config: detectorsConfigSchema.parse({}),
  now: NOW,
});
function sampleIncident(alert: AlertId): Incident {
  const outcome = sample[alert];
  if (outcome.status !== 'ok' || outcome.incidents.length === 0)
    throw new Error(`${alert} did not fire in the sample tenant`);
  return outcome.incidents[0]!;
}

const perDetector = DETECTORS.map((detector) => ({ alert: detector.meta.alert, detector }));
/** The detectors of PIM's own alerts, which Graph's documented facts below are checked against. */
const perPimDetector = PIM_ALERT_IDS.map((alert) => ({ alert, detector: detectorFor(alert) }));

describe('detector registry', () => {
  it('lists every alert once, in ALERT_IDS order, covering all seven PIM defines', () => {
    expect(DETECTORS.map((d) => d.meta.alert)).toEqual([...ALERT_IDS]);
    expect(ALERT_IDS).toEqual(expect.arrayContaining([...PIM_ALERT_IDS]));
    expect(new Set(DETECTORS.map((d) => d.meta.alert)).size).toBe(ALERT_IDS.length);
    for (const alert of ALERT_IDS) expect(detectorFor(alert)).toBe(DETECTORS_BY_ALERT[alert]);
  });

  it('has one module per alert under src/detectors/alerts, each exporting its detector under its alert id', async () => {
    const dir = new URL('../../src/detectors/alerts/', import.meta.url);
    const exported: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const module: Record<string, unknown> = await import(new URL(file, dir).href);
      const detectors = Object.entries(module).filter(
        ([, value]) => typeof value === 'object' && value !== null && 'detect' in value && 'meta' in value,
      ) as [string, Detector][];
      expect(detectors.length, `${file} exports exactly one detector`).toBe(1);
      const [name, detector] = detectors[0]!;
      expect(detector.meta.alert, `${file}: export name and meta.alert agree`).toBe(name);
      expect(detectorFor(detector.meta.alert), `${file} is in the registry`).toBe(detector);
      exported.push(name);
    }
    expect(exported.sort()).toEqual([...ALERT_IDS].sort());
  });

  it('has no detector defined outside src/detectors/alerts', () => {
    const dir = new URL('../../src/detectors/', import.meta.url);
    const definers = readdirSync(dir).filter(
      (file) => file.endsWith('.ts') && readFileSync(new URL(file, dir), 'utf8').includes('defineDetector({'),
    );
    expect(definers).toEqual([]);
  });

  it('refuses to load when a registry key and its detector disagree', () => {
    const [first, second] = DETECTORS as [Detector, Detector];
    const entries = Object.fromEntries(DETECTORS.map((detector) => [detector.meta.alert, detector]));
    expect(checkedDetectors(entries)).toEqual(DETECTORS);
    expect(() => checkedDetectors({ ...entries, [second.meta.alert]: first })).toThrow(
      /registry key InvalidLicenseAlert holds the detector of TooManyGlobalAdminsAssignedToTenantAlert/,
    );
  });

  it('throws for an alert the registry does not hold, rather than falling through', () => {
    expect(() => detectorFor('NoSuchAlert' as AlertId)).toThrow(/no detector for alert NoSuchAlert/);
  });
});

describe('every registered detector', () => {
  it.each(perPimDetector)("$alert: metadata is complete and matches Graph's", ({ alert, detector }) => {
    const { meta } = detector;
    expect(meta.title.trim().length).toBeGreaterThan(10);
    expect(meta.description.trim().length).toBeGreaterThan(40);
    expect(meta.mitigation.length).toBeGreaterThanOrEqual(2);
    for (const step of meta.mitigation) expect(step.trim().length).toBeGreaterThan(10);
    expect(meta.sources.length).toBeGreaterThan(0);
    for (const source of meta.sources) expect(SOURCE_NAMES).toContain(source);
    expect(meta.severity).toBe(GRAPH[alert].severity);
    expect(meta.graphConfigurationType).toBe(GRAPH[alert].configurationType);
    expect([...meta.thresholdKeys]).toEqual(GRAPH[alert].thresholdKeys);
    for (const key of meta.thresholdKeys) expect(Object.keys(detector.config.shape)).toContain(key);
    expect(['assignee', 'tenant', 'role', 'assigneeAndRole', 'run']).toContain(meta.matchBy);
    for (const id of meta.attack) expect(Object.keys(ATTACK_TECHNIQUES)).toContain(id);
    expect(meta.remediation.pim(sampleIncident(alert)).summary).toMatch(/^PIM will /);
    // Every threshold says which way it works, so reconciliation can explain a difference in it.
    expect(Object.keys(detector.thresholds?.firesMoreWhen ?? {}).sort()).toEqual(
      [...meta.thresholdKeys].sort(),
    );
  });

  it('gives every detector its own title', () => {
    expect(new Set(DETECTORS.map((d) => d.meta.title)).size).toBe(DETECTORS.length);
  });

  it.each(perDetector)('$alert: its config defaults parse, with enabled on', ({ detector }) => {
    expect(detector.config.parse({})).toMatchObject({ enabled: true });
  });

  it.each(perDetector)('$alert: unknown config keys are rejected', ({ alert, detector }) => {
    expect(detector.config.safeParse({ enabeld: false }).success).toBe(false);
    expect(detectorsConfigSchema.safeParse({ [alert]: { enabeld: false } }).success).toBe(false);
  });

  it('rejects unknown keys at the top level and in exclusions', () => {
    expect(detectorsConfigSchema.safeParse({ StaleSignIn: {} }).success).toBe(false);
    expect(
      detectorsConfigSchema.safeParse({
        exclusions: [
          { principalId: '0f5a7c1e-3b2d-4e6f-8a9b-1c2d3e4f5a6b', reason: 'x', alert: ['StaleSignInAlert'] },
        ],
      }).success,
    ).toBe(false);
  });

  it.each(perPimDetector)('$alert: the sample incident has every field the notifiers render', ({ alert }) => {
    const incident = sampleIncident(alert);
    for (const field of [...COMMON_FIELDS, ...RENDERED_FIELDS[alert]]) expect(incident).toHaveProperty(field);
    for (const field of INCIDENT_FIELDS.filter((f) => !RENDERED_FIELDS[alert].includes(f))) {
      expect(incident, `${alert} should not carry ${field}`).not.toHaveProperty(field);
    }
    expect(incident.evidence.length).toBeGreaterThan(0);
    expect(incident.fingerprint).toMatch(/^[0-9a-f]{24}$/);
  });

  it.each(perPimDetector)('$alert: the sample incident has remediation links', ({ alert }) => {
    const incident = sampleIncident(alert);
    const links = incidentLinks(incident, incident.tenantId);
    expect(links.length).toBeGreaterThanOrEqual(3);
    for (const link of links) {
      expect(link.title.length).toBeGreaterThan(0);
      expect(link.url.startsWith(`https://entra.microsoft.com/${incident.tenantId}/#view/`)).toBe(true);
    }
    expect(links[0]!.url).toContain(`/alertId/${alert}/`);
  });
});
