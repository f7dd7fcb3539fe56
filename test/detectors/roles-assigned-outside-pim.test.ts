import { describe, expect, it } from 'vitest';
import type { DetectorsConfigInput } from '../../src/detectors/config-schema.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import { type Expected, incidentNamed, runAlert, summarize } from '../support/detector-harness.js';
import { ago, DAY, NOW, plus, roleId, SECOND, tenant, uid } from '../support/snapshot-factory.js';

const ALERT = 'RolesAssignedOutsidePimAlert';

interface Case {
  name: string;
  snapshot: TenantSnapshot;
  config: DetectorsConfigInput;
  now: Date;
  expected: Expected;
}

/** Alice holds Global Administrator as a standing assignment with no known start, as direct adds show up. */
const aliceAssigned = () => tenant().user('alice').assigned('alice', 'globalAdmin', { start: null });

const cases: Case[] = [
  { name: 'quiet in a clean tenant', snapshot: tenant().build(), config: {}, now: NOW, expected: [] },
  {
    name: 'fires for a directory role add by an admin that still exists',
    snapshot: aliceAssigned().roleAddAudit('alice', 'globalAdmin', ago('P5D')).build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: "fires on PIM's own outside-of-PIM record",
    snapshot: aliceAssigned()
      .roleAddAudit('alice', 'globalAdmin', ago('P5D'), { kind: 'pimDetected' })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'quiet for a directory add made by MS-PIM',
    snapshot: aliceAssigned().roleAddAudit('alice', 'globalAdmin', ago('P5D'), { kind: 'byPim' }).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'quiet for a directory add whose initiator is recognised by the MS-PIM app id alone',
    snapshot: aliceAssigned()
      .audit({
        activityDisplayName: 'Add member to role',
        activityDateTime: ago('P5D'),
        initiatedBy: {
          userId: null,
          userPrincipalName: null,
          appId: '01fc33a7-78ba-4d2f-a4b7-768e336e890e',
          appDisplayName: null,
        },
        target: { id: uid('alice'), type: 'user', displayName: 'alice', userPrincipalName: null },
        roleTemplateId: roleId('globalAdmin'),
      })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'quiet for a failed role add',
    snapshot: aliceAssigned().roleAddAudit('alice', 'globalAdmin', ago('P5D'), { result: 'failure' }).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'quiet for PIM activation records',
    snapshot: aliceAssigned()
      .audit({
        activityDisplayName: 'Add member to role completed (PIM activation)',
        activityDateTime: ago('P1D'),
        loggedByService: 'PIM',
        target: { id: uid('alice'), type: 'user', displayName: 'alice', userPrincipalName: null },
        roleTemplateId: roleId('globalAdmin'),
      })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  // The look-back window: its edge is inside.
  {
    name: 'a record exactly at the look-back edge counts',
    snapshot: aliceAssigned().roleAddAudit('alice', 'globalAdmin', ago('P30D')).build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'a record one second before the look-back edge does not',
    snapshot: aliceAssigned().roleAddAudit('alice', 'globalAdmin', ago('P30D', SECOND)).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a shorter configured look-back leaves an 8-day-old record out (P7D)',
    snapshot: aliceAssigned().roleAddAudit('alice', 'globalAdmin', ago('P8D')).build(),
    config: { [ALERT]: { lookBack: 'P7D' } },
    now: NOW,
    expected: [],
  },
  {
    name: 'a look-back equal to the record age keeps it (P8D)',
    snapshot: aliceAssigned().roleAddAudit('alice', 'globalAdmin', ago('P8D')).build(),
    config: { [ALERT]: { lookBack: 'P8D' } },
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  // The assignment must still exist.
  {
    name: 'quiet once the assignment has been removed',
    snapshot: tenant().user('alice').roleAddAudit('alice', 'globalAdmin', ago('P5D')).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'quiet when only an eligibility for the role remains',
    snapshot: tenant()
      .user('alice')
      .eligible('alice', 'globalAdmin')
      .roleAddAudit('alice', 'globalAdmin', ago('P5D'))
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'quiet when the assignment has expired',
    snapshot: tenant()
      .user('alice')
      .assigned('alice', 'globalAdmin', { end: ago('P1D') })
      .roleAddAudit('alice', 'globalAdmin', ago('P5D'))
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'quiet when the record is for another role than the one held',
    snapshot: aliceAssigned().roleAddAudit('alice', 'userAdmin', ago('P5D')).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  // Principal shapes.
  {
    name: 'a group assigned outside PIM is reported as the group',
    snapshot: tenant()
      .user('alice')
      .group('tier0')
      .members('tier0', ['alice'])
      .assigned('tier0', 'globalAdmin', { start: null })
      .roleAddAudit('tier0', 'globalAdmin', ago('P5D'))
      .build(),
    config: {},
    now: NOW,
    expected: ['tier0 @ globalAdmin'],
  },
  {
    name: 'a group assigned through PIM, with members made eligible in PIM for Groups, is not outside PIM',
    snapshot: tenant()
      .user('alice')
      .group('tier0')
      .members('tier0', ['alice'])
      .assigned('tier0', 'globalAdmin')
      .roleAddAudit('tier0', 'globalAdmin', ago('P5D'), { kind: 'byPim' })
      .audit({
        activityDisplayName: 'Add member to group',
        activityDateTime: ago('P4D'),
        target: { id: uid('alice'), type: 'user', displayName: 'alice', userPrincipalName: null },
      })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a time-bound assignment made through PIM is not outside PIM',
    snapshot: tenant()
      .user('alice')
      .assigned('alice', 'userAdmin', { start: ago('P5D'), end: plus(NOW, 30 * DAY) })
      .roleAddAudit('alice', 'userAdmin', ago('P5D'), { kind: 'byPim' })
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a service principal assigned outside PIM is reported',
    snapshot: tenant()
      .servicePrincipal('deployer')
      .assigned('deployer', 'privilegedRoleAdmin', { start: null })
      .roleAddAudit('deployer', 'privilegedRoleAdmin', ago('P2D'))
      .build(),
    config: {},
    now: NOW,
    expected: ['deployer @ privilegedRoleAdmin'],
  },
  {
    name: 'a tenant never onboarded to PIM: the assignment exists in roleAssignments',
    snapshot: tenant()
      .notOnboarded()
      .user('alice')
      .roleAssignment('alice', 'globalAdmin')
      .roleAddAudit('alice', 'globalAdmin', ago('P5D'))
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'several records for one assignment make one incident',
    snapshot: aliceAssigned()
      .roleAddAudit('alice', 'globalAdmin', ago('P20D'))
      .roleAddAudit('alice', 'globalAdmin', ago('P2D'), { kind: 'pimDetected' })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ globalAdmin'],
  },
  {
    name: 'a record that names no role is not an incident',
    snapshot: aliceAssigned().roleAddAudit('alice', 'globalAdmin', ago('P5D'), { withoutRole: true }).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  // Exclusions and unknown.
  {
    name: 'an excluded principal is not reported',
    snapshot: aliceAssigned().roleAddAudit('alice', 'globalAdmin', ago('P5D')).build(),
    config: { exclusions: [{ principalId: uid('alice'), reason: 'break-glass' }] },
    now: NOW,
    expected: [],
  },
];

describe(ALERT, () => {
  it.each(cases)('$name', ({ snapshot, config, now, expected }) => {
    expect(summarize(ALERT, runAlert(ALERT, snapshot, config, now))).toEqual(expected);
  });

  it('dates the incident by the latest record and keeps every record as evidence', () => {
    const snapshot = aliceAssigned()
      .roleAddAudit('alice', 'globalAdmin', ago('P20D'), { id: 'a1' })
      .roleAddAudit('alice', 'globalAdmin', ago('P2D'), { id: 'a2', kind: 'pimDetected' })
      .build();
    const incident = incidentNamed(runAlert(ALERT, snapshot), 'alice @ globalAdmin');
    expect(incident).toMatchObject({
      severity: 'high',
      assigneeType: 'user',
      assigneeUserPrincipalName: 'alice@contoso.example',
      roleDisplayName: 'Global Administrator',
      roleDefinitionId: roleId('globalAdmin'),
      assignmentCreatedDateTime: ago('P2D'),
    });
    expect(incident.evidence.map((e) => `${e.kind}:${e.id}`)).toEqual([
      'auditRecord:a1',
      'auditRecord:a2',
      `grant:${snapshot.grants[0]!.id}`,
    ]);
  });

  it('lists records that name no principal as unknown items', () => {
    const outcome = runAlert(
      ALERT,
      aliceAssigned()
        .roleAddAudit('alice', 'globalAdmin', ago('P5D'), { id: 'x', withoutTarget: true })
        .build(),
    );
    if (outcome.status !== 'ok') throw new Error(outcome.status);
    expect(outcome.unknownItems).toEqual([
      {
        subject: 'audit record x',
        cause: 'the record does not name the principal or the role that was assigned',
      },
    ]);
  });

  it('keeps the fingerprint when newer records arrive, and tells principals apart', () => {
    const once = aliceAssigned().roleAddAudit('alice', 'globalAdmin', ago('P20D'));
    const first = incidentNamed(runAlert(ALERT, once.build()), 'alice @ globalAdmin');
    const again = incidentNamed(
      runAlert(ALERT, once.roleAddAudit('alice', 'globalAdmin', ago('P1D')).build()),
      'alice @ globalAdmin',
    );
    expect(again.assignmentCreatedDateTime).not.toBe(first.assignmentCreatedDateTime);
    expect(again.fingerprint).toBe(first.fingerprint);
    const bob = incidentNamed(
      runAlert(
        ALERT,
        tenant()
          .user('bob')
          .assigned('bob', 'globalAdmin')
          .roleAddAudit('bob', 'globalAdmin', ago('P20D'))
          .build(),
      ),
      'bob @ globalAdmin',
    );
    expect(bob.fingerprint).not.toBe(first.fingerprint);
  });
});
