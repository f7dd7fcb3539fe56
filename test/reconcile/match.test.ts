import { describe, expect, it } from 'vitest';
import { detectorFor } from '../../src/detectors/registry.js';
import type { Incident } from '../../src/model/incident.js';
import type { GraphIncident } from '../../src/model/snapshot.js';
import { matchIncidents, roleTemplateResolver } from '../../src/reconcile/match.js';
import { incidentsOf, runAlert } from '../support/detector-harness.js';
import { ago, graphIncident, NOW, plus, roleId, SECOND, tenant, uid } from '../support/snapshot-factory.js';
import { reconcileScan, verdicts, withPim } from './support.js';

const SEQUENTIAL = 'SequentialActivationRenewalsAlert';
const HOUR = 3600 * SECOND;

/** Dave's two runs of three one-hour activations: ten days ago and three days ago. */
const daveTwoRuns = () =>
  withPim(
    tenant()
      .user('dave')
      .eligible('dave', 'privilegedRoleAdmin')
      .activationRun('dave', 'privilegedRoleAdmin', { start: ago('P10D'), count: 3 })
      .activationRun('dave', 'privilegedRoleAdmin', { start: ago('P3D'), count: 3 }),
  );

const pimRun = (id: string, start: string | null, hours = 3): Partial<GraphIncident> => ({
  id,
  assigneeId: uid('dave'),
  roleTemplateId: roleId('privilegedRoleAdmin'),
  sequenceStartDateTime: start,
  sequenceEndDateTime: start ? plus(start, hours * HOUR) : null,
});

describe('sequential runs: overlapping runs pair first', () => {
  it('pairs each run with the PIM run it overlaps, whatever order PIM lists them in', () => {
    const snapshot = daveTwoRuns()
      .graphAlert(SEQUENTIAL, [pimRun('recent', ago('P3D', -30 * 60 * SECOND)), pimRun('older', ago('P10D'))])
      .build();
    const result = reconcileScan(snapshot);
    const pimIdByStart = Object.fromEntries(
      result.incidents
        .filter((i) => i.alert === SEQUENTIAL)
        .map((i) => [i.sequenceStartDateTime, i.graphIncidentId]),
    );
    expect(pimIdByStart).toEqual({ [ago('P10D')]: 'older', [ago('P3D')]: 'recent' });
  });

  it('keeps runs that do not overlap apart: a different run is a different incident', () => {
    const snapshot = daveTwoRuns()
      .graphAlert(SEQUENTIAL, [pimRun('recent', ago('P3D')), pimRun('long-ago', ago('P20D'))])
      .build();
    expect(verdicts(reconcileScan(snapshot), SEQUENTIAL)).toEqual([
      'dave @ privilegedRoleAdmin: both',
      'dave @ privilegedRoleAdmin: graphOnly/notDetectedLocally',
      'dave @ privilegedRoleAdmin: oursOnly/graphMissing',
    ]);
  });

  it('pairs a PIM run without times with the run left over', () => {
    const snapshot = daveTwoRuns()
      .graphAlert(SEQUENTIAL, [pimRun('recent', ago('P3D')), pimRun('undated', null)])
      .build();
    const result = reconcileScan(snapshot);
    expect(verdicts(result, SEQUENTIAL)).toEqual([
      'dave @ privilegedRoleAdmin: both',
      'dave @ privilegedRoleAdmin: both',
    ]);
    const older = result.incidents.find((i) => i.sequenceStartDateTime === ago('P10D'));
    expect(older?.graphIncidentId).toBe('undated');
  });
});

describe('matchIncidents', () => {
  it('names a custom role by its definition id when PIM gives only that', () => {
    const snapshot = tenant().build();
    const customDefinitionId = 'b5c0f6a0-0000-4000-8000-00000000c0de';
    const customTemplateId = 'a1a1a1a1-0000-4000-8000-000000000001';
    (snapshot.roleDefinitions as Map<string, unknown>).set(customTemplateId, {
      id: customDefinitionId,
      templateId: customTemplateId,
      displayName: 'Custom Ops',
      isBuiltIn: false,
      isPrivileged: true,
    });
    const ours = {
      alert: 'StaleSignInAlert',
      assigneeId: uid('alice'),
      roleTemplateId: customTemplateId,
      roleDefinitionId: customDefinitionId,
    } as Incident;
    const theirs = graphIncident('StaleSignInAlert', {
      assigneeId: uid('alice').toUpperCase(),
      roleDefinitionId: customDefinitionId.toUpperCase(),
    });
    const result = matchIncidents(
      detectorFor('StaleSignInAlert').meta.matchBy,
      [ours],
      [theirs],
      roleTemplateResolver(snapshot),
    );
    expect(result.pairs).toHaveLength(1);
    expect(result.oursOnly).toEqual([]);
    expect(result.graphOnly).toEqual([]);
  });

  it('pairs one to one: a second PIM incident for the same holder and role stays PIM-only', () => {
    const snapshot = withPim(tenant().user('erin', { lastSignIn: null }).assigned('erin', 'globalAdmin'))
      .graphAlert('StaleSignInAlert', [
        { assigneeId: uid('erin'), roleTemplateId: roleId('globalAdmin') },
        { assigneeId: uid('erin'), roleTemplateId: roleId('globalAdmin') },
      ])
      .build();
    expect(verdicts(reconcileScan(snapshot), 'StaleSignInAlert')).toEqual([
      'erin @ globalAdmin: both',
      'erin @ globalAdmin: graphOnly/notDetectedLocally',
    ]);
  });

  it('does not match a PIM incident that lacks the holder it needs', () => {
    const snapshot = withPim(tenant().user('erin', { lastSignIn: null }).assigned('erin', 'globalAdmin'))
      .graphAlert('StaleSignInAlert', [{ roleTemplateId: roleId('globalAdmin') }])
      .build();
    expect(verdicts(reconcileScan(snapshot), 'StaleSignInAlert')).toEqual([
      '@ globalAdmin: graphOnly/notDetectedLocally',
      'erin @ globalAdmin: oursOnly/graphMissing',
    ]);
  });

  it('matches the licence incident by tenant alone, whatever PIM calls the status', () => {
    const snapshot = withPim(tenant().withoutSkus())
      .graphAlert('InvalidLicenseAlert', [{ id: 'lic', tenantLicenseStatus: 'SomethingElse' }])
      .build();
    const ours = incidentsOf(runAlert('InvalidLicenseAlert', snapshot, {}, NOW));
    expect(ours).toHaveLength(1);
    const result = reconcileScan(snapshot);
    expect(result.incidents.find((i) => i.alert === 'InvalidLicenseAlert')).toMatchObject({
      classification: 'both',
      graphIncidentId: 'lic',
    });
  });
});
