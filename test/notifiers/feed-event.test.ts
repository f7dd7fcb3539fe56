import { describe, expect, it } from 'vitest';
import { ALERT_IDS } from '../../src/model/alerts.js';
import type { Suppression } from '../../src/model/lifecycle.js';
import { ALERT_ATTACK_TECHNIQUES, ATTACK_TECHNIQUES, ATTACK_VERSION } from '../../src/notifiers/attack.js';
import { FEED_SCHEMA_VERSION, renderFeedEvent } from '../../src/notifiers/feed-event.js';
import { OCSF_VERSION, toOcsfDetectionFinding } from '../../src/notifiers/ocsf.js';
import { PACKAGE_VERSION } from '../../src/util/package-version.js';
import { validateOcsfEvent } from '../support/ocsf-validator.js';
import { CTX, oneTransitionPerAlert, TRANSITION_TYPES } from './sample-transitions.js';

describe('renderFeedEvent', () => {
  describe.each(TRANSITION_TYPES)('%s', (type) => {
    it.each(oneTransitionPerAlert(type))('$alert matches its snapshot', (transition) => {
      const event = renderFeedEvent(transition, CTX);
      expect(event).toMatchObject({
        schemaVersion: FEED_SCHEMA_VERSION,
        eventId: transition.eventId,
        type: `incident.${type}`,
        time: transition.at,
        tenantId: CTX.tenantId,
        alert: transition.alert,
        severity: transition.severity,
        incident: { fingerprint: transition.fingerprint },
      });
      expect(event).toMatchSnapshot();
    });
  });

  it('keeps the event id of the transition, so a redelivery is recognisably the same event', () => {
    const [t] = oneTransitionPerAlert('opened');
    expect(renderFeedEvent(t!, CTX).eventId).toBe(t!.eventId);
    expect(renderFeedEvent(structuredClone(t!), CTX)).toEqual(renderFeedEvent(t!, CTX));
    const resolved = oneTransitionPerAlert('resolved')[0]!;
    expect(renderFeedEvent(resolved, CTX).eventId).not.toBe(t!.eventId);
  });

  it('tags the role-assignment alert with T1098.003 and the exposure alerts with T1078.004', () => {
    const events = oneTransitionPerAlert('opened').map((t) => renderFeedEvent(t, CTX));
    expect(Object.fromEntries(events.map((e) => [e.alert, e.attack]))).toEqual({
      TooManyGlobalAdminsAssignedToTenantAlert: ['T1078.004'],
      InvalidLicenseAlert: [],
      NoMfaOnRoleActivationAlert: ['T1078.004'],
      RedundantAssignmentAlert: ['T1078.004'],
      RolesAssignedOutsidePimAlert: ['T1098.003'],
      SequentialActivationRenewalsAlert: ['T1078.004'],
      StaleSignInAlert: ['T1078.004'],
    });
    for (const alert of ALERT_IDS) {
      for (const id of ALERT_ATTACK_TECHNIQUES[alert]) expect(ATTACK_TECHNIQUES[id].id).toBe(id);
    }
  });

  it('carries a suppression, which only the pull feed ever shows', () => {
    const suppression: Suppression = {
      id: 'sup-1',
      tenantId: CTX.tenantId,
      principalId: 'x',
      alert: 'StaleSignInAlert',
      reason: 'break-glass account, tested monthly',
      author: 'secops@contoso.example',
      createdAt: '2026-06-01T00:00:00.000Z',
      expiresAt: '2026-08-01T00:00:00.000Z',
    };
    const t = { ...oneTransitionPerAlert('opened')[6]!, suppressed: suppression };
    expect(renderFeedEvent(t, CTX).suppression).toEqual({
      id: 'sup-1',
      reason: 'break-glass account, tested monthly',
      author: 'secops@contoso.example',
      expiresAt: '2026-08-01T00:00:00.000Z',
    });
  });

  it('only copies the documented incident fields', () => {
    const t = oneTransitionPerAlert('opened')[4]!;
    const leaky = { ...t, incident: { ...t.incident, internalNote: 'x' } as typeof t.incident };
    expect(renderFeedEvent(leaky, CTX).incident).not.toHaveProperty('internalNote');
  });
});

describe('toOcsfDetectionFinding', () => {
  it('maps an opened high incident to a new Detection Finding', () => {
    const outside = oneTransitionPerAlert('opened').find((t) => t.alert === 'RolesAssignedOutsidePimAlert')!;
    const finding = toOcsfDetectionFinding(renderFeedEvent(outside, CTX));
    // The package version changes with every release; the snapshot holds a placeholder.
    const product = { ...finding.metadata.product, version: '<package version>' };
    expect({ ...finding, metadata: { ...finding.metadata, product } }).toMatchSnapshot();
    expect(finding).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      type_uid: 200401,
      severity_id: 4,
      status_id: 1,
      confidence_id: 3,
      time: Date.parse(outside.at),
      metadata: { version: OCSF_VERSION, uid: outside.eventId, product: { name: 'pimwatch' } },
      finding_info: { uid: outside.fingerprint, types: ['RolesAssignedOutsidePimAlert'] },
      cloud: { account: { uid: CTX.tenantId } },
    });
    expect(finding.finding_info.attacks).toEqual([
      {
        tactic: { uid: 'TA0003', name: 'Persistence' },
        technique: { uid: 'T1098', name: 'Account Manipulation' },
        sub_technique: { uid: 'T1098.003', name: 'Additional Cloud Roles' },
        version: ATTACK_VERSION,
      },
      {
        tactic: { uid: 'TA0004', name: 'Privilege Escalation' },
        technique: { uid: 'T1098', name: 'Account Manipulation' },
        sub_technique: { uid: 'T1098.003', name: 'Additional Cloud Roles' },
        version: ATTACK_VERSION,
      },
    ]);
    expect(finding.resources.map((r) => r.type)).toEqual(['Microsoft Entra user', 'Microsoft Entra role']);
  });

  it.each([
    { type: 'opened', activity: 1, status: 1 },
    { type: 'reopened', activity: 2, status: 1 },
    { type: 'resolved', activity: 3, status: 4 },
  ] as const)(
    'maps $type to activity $activity and status $status for every alert',
    ({ type, activity, status }) => {
      for (const t of oneTransitionPerAlert(type)) {
        const finding = toOcsfDetectionFinding(renderFeedEvent(t, CTX));
        expect(finding.activity_id).toBe(activity);
        expect(finding.status_id).toBe(status);
        expect(finding.type_uid).toBe(200400 + activity);
        expect(finding.severity_id).toBe({ low: 2, medium: 3, high: 4 }[t.severity]);
        expect(finding.confidence_id).toBe(t.incident.classification === 'both' ? 3 : 2);
        expect(finding.finding_info.uid).toBe(t.fingerprint);
        expect(finding.resources.length).toBeGreaterThan(0);
      }
    },
  );

  it('describes a tenant-wide incident by the tenant', () => {
    const licence = oneTransitionPerAlert('opened').find((t) => t.alert === 'InvalidLicenseAlert')!;
    const finding = toOcsfDetectionFinding(renderFeedEvent(licence, CTX));
    expect(finding.resources).toEqual([
      { uid: CTX.tenantId, name: 'Contoso', type: 'Microsoft Entra tenant' },
    ]);
    expect(finding.finding_info.attacks).toEqual([]);
  });

  const SUPPRESSION: Suppression = {
    id: 'sup-1',
    tenantId: CTX.tenantId,
    principalId: 'x',
    alert: 'StaleSignInAlert',
    reason: 'break-glass account, tested monthly',
    author: 'secops@contoso.example',
    createdAt: '2026-06-01T00:00:00.000Z',
    expiresAt: '2026-08-01T00:00:00.000Z',
  };

  it.each(TRANSITION_TYPES)('gives a %s finding of every alert, suppressed or not, no OCSF error', (type) => {
    for (const t of oneTransitionPerAlert(type)) {
      for (const suppressed of [null, SUPPRESSION]) {
        const finding = toOcsfDetectionFinding(renderFeedEvent({ ...t, suppressed }, CTX));
        expect({ alert: t.alert, errors: validateOcsfEvent(finding).errors }).toEqual({
          alert: t.alert,
          errors: [],
        });
      }
    }
  });

  it('says Suppressed for a suppressed incident, Resolved once it is gone', () => {
    const status = (type: (typeof TRANSITION_TYPES)[number]) => {
      const t = { ...oneTransitionPerAlert(type)[6]!, suppressed: SUPPRESSION };
      const f = toOcsfDetectionFinding(renderFeedEvent(t, CTX));
      return [f.status_id, f.status, f.status_detail];
    };
    expect(status('opened')).toEqual([3, 'Suppressed', 'break-glass account, tested monthly']);
    expect(status('reopened')).toEqual([3, 'Suppressed', 'break-glass account, tested monthly']);
    expect(status('resolved')).toEqual([4, 'Resolved', undefined]);
  });

  it('declares the cloud profile, the tenant, the product and its version, and no original_time', () => {
    const t = oneTransitionPerAlert('opened')[6]!;
    const { metadata } = toOcsfDetectionFinding(renderFeedEvent(t, CTX));
    expect(metadata).toEqual({
      version: '1.8.0',
      profiles: ['cloud'],
      uid: t.eventId,
      correlation_uid: t.fingerprint,
      tenant_uid: CTX.tenantId,
      product: { name: 'pimwatch', uid: 'pimwatch', vendor_name: 'pimwatch', version: PACKAGE_VERSION },
    });
    expect(PACKAGE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('puts the principal, role and tenant in evidences and observables', () => {
    const outside = oneTransitionPerAlert('opened').find((t) => t.alert === 'RolesAssignedOutsidePimAlert')!;
    const finding = toOcsfDetectionFinding(renderFeedEvent(outside, CTX));
    const [evidence] = finding.evidences;
    expect(evidence?.user).toMatchObject({ uid: outside.incident.assigneeId, type_id: 1, type: 'User' });
    expect(evidence?.resources?.map((r) => r.type)).toEqual([
      'Microsoft Entra role',
      'Microsoft Entra tenant',
    ]);
    expect(evidence?.data).toMatchObject({ roleTemplateId: outside.incident.roleTemplateId });
    expect(finding.observables.map((o) => [o.type_id, o.value])).toEqual([
      [31, outside.incident.assigneeId],
      [4, outside.incident.assigneeUserPrincipalName],
      [10, outside.incident.roleTemplateId],
      [38, outside.incident.roleDisplayName],
      [35, CTX.tenantId],
    ]);
  });
});

describe('the OCSF validator (test support) finds what OCSF forbids', () => {
  const valid = () =>
    toOcsfDetectionFinding(renderFeedEvent(oneTransitionPerAlert('opened')[6]!, CTX)) as unknown as Record<
      string,
      // biome-ignore lint/suspicious/noExplicitAny: a test breaks the event in every way it can
      any
    >;

  it.each([
    {
      name: 'cloud without the cloud profile (regression guard: every 1.3.0 event did this)',
      breakIt: (e: ReturnType<typeof valid>) => delete e.metadata.profiles,
      error: 'cloud: belongs to profile(s) cloud, not declared',
    },
    {
      name: 'an attribute outside the class',
      breakIt: (e: ReturnType<typeof valid>) => {
        e.cursor = '1-0';
      },
      error: 'cursor: unknown attribute of detection_finding',
    },
    {
      name: 'an unknown attribute deep inside',
      breakIt: (e: ReturnType<typeof valid>) => {
        e.finding_info.attacks[0].tactic.color = 'red';
      },
      error: 'finding_info.attacks[0].tactic.color: unknown attribute of tactic',
    },
    {
      name: 'a missing required attribute',
      breakIt: (e: ReturnType<typeof valid>) => delete e.finding_info.uid,
      error: 'finding_info.uid: required by finding_info, missing',
    },
    {
      name: 'an enum value whose caption disagrees',
      breakIt: (e: ReturnType<typeof valid>) => {
        e.status = 'Closed';
      },
      error: 'status_id: 1 is "New", but status says "Closed"',
    },
    {
      name: 'a value not in the enum',
      breakIt: (e: ReturnType<typeof valid>) => {
        e.severity_id = 7;
        delete e.severity;
      },
      error: 'severity_id: 7 is not one of 0, 1, 2, 3, 4, 5, 6, 99',
    },
    {
      name: 'a wrong type',
      breakIt: (e: ReturnType<typeof valid>) => {
        e.time = '2026-06-12T12:00:00Z';
      },
      error: 'time: not a long_t: "2026-06-12T12:00:00Z"',
    },
    {
      name: 'a type_uid that does not follow the activity',
      breakIt: (e: ReturnType<typeof valid>) => {
        e.type_uid = 200403;
      },
      error: 'type_uid: 200403 is not class_uid * 100 + activity_id',
    },
    {
      name: 'an undeclared profile',
      breakIt: (e: ReturnType<typeof valid>) => {
        e.metadata.profiles = ['cloud', 'firewall'];
      },
      error: 'metadata.profiles: no profile firewall',
    },
  ])('$name', ({ breakIt, error }) => {
    const event = valid();
    expect(validateOcsfEvent(event).errors).toEqual([]);
    breakIt(event);
    expect(validateOcsfEvent(event).errors).toContain(error);
  });
});
