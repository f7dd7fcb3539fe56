import { describe, expect, it } from 'vitest';
import { detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { DETECTORS } from '../../src/detectors/registry.js';
import { privilegedRoleSet, runDetectors } from '../../src/detectors/run.js';
import { ALERT_IDS } from '../../src/model/alerts.js';
import { SOURCE_NAMES } from '../../src/model/snapshot.js';
import { summarize } from '../support/detector-harness.js';
import { everyAlertTenant } from '../support/sample-tenant.js';
import { NOW, roleId, tenant, uid } from '../support/snapshot-factory.js';

const defaults = detectorsConfigSchema.parse({});

describe('runDetectors', () => {
  it('reports all seven alerts, and nothing for a clean tenant', () => {
    const outcomes = runDetectors({ snapshot: tenant().build(), config: defaults, now: NOW });
    expect(Object.keys(outcomes)).toEqual([...ALERT_IDS]);
    for (const alert of ALERT_IDS) expect(summarize(alert, outcomes[alert])).toEqual([]);
  });

  it('finds every alert in the sample tenant', () => {
    const outcomes = runDetectors({ snapshot: everyAlertTenant().build(), config: defaults, now: NOW });
    expect(Object.fromEntries(ALERT_IDS.map((alert) => [alert, summarize(alert, outcomes[alert])]))).toEqual({
      TooManyGlobalAdminsAssignedToTenantAlert: ['alice', 'bob', 'deployer', 'erin'],
      InvalidLicenseAlert: ['tenant'],
      NoMfaOnRoleActivationAlert: ['@ userAdmin'],
      RedundantAssignmentAlert: ['carol @ userAdmin', 'erin @ globalAdmin'],
      RolesAssignedOutsidePimAlert: ['alice @ globalAdmin'],
      SequentialActivationRenewalsAlert: ['dave @ privilegedRoleAdmin'],
      StaleSignInAlert: ['erin @ globalAdmin'],
    });
  });

  it('reports the settings each detector ran with', () => {
    const config = detectorsConfigSchema.parse({ StaleSignInAlert: { duration: 'P45D' } });
    const outcomes = runDetectors({ snapshot: tenant().build(), config, now: NOW });
    expect(outcomes.StaleSignInAlert).toMatchObject({ status: 'ok', thresholds: { duration: 'P45D' } });
    expect(outcomes.TooManyGlobalAdminsAssignedToTenantAlert).toMatchObject({
      thresholds: { globalAdminCountThreshold: 3, percentageOfGlobalAdminsOutOfRolesThreshold: 10 },
    });
    expect(outcomes.SequentialActivationRenewalsAlert).toMatchObject({
      thresholds: {
        sequentialActivationCounterThreshold: 3,
        timeIntervalBetweenActivations: 'PT10S',
        lookBack: 'P30D',
      },
    });
    expect(outcomes.InvalidLicenseAlert).toMatchObject({ thresholds: {} });
  });

  it('marks a disabled detector disabled and runs the others', () => {
    const config = detectorsConfigSchema.parse({ InvalidLicenseAlert: { enabled: false } });
    const outcomes = runDetectors({ snapshot: everyAlertTenant().build(), config, now: NOW });
    expect(outcomes.InvalidLicenseAlert).toEqual({ status: 'disabled' });
    expect(outcomes.StaleSignInAlert.status).toBe('ok');
  });

  // Generic, not per detector: every source, every detector.
  it.each(SOURCE_NAMES.map((source) => ({ source })))(
    'a failed $source makes exactly the detectors that need it unknown, without incidents',
    ({ source }) => {
      const snapshot = everyAlertTenant()
        .failedSource(source, `GET ${source}: 403 Authorization_RequestDenied`)
        .build();
      const outcomes = runDetectors({ snapshot, config: defaults, now: NOW });
      for (const detector of DETECTORS) {
        const outcome = outcomes[detector.meta.alert];
        if (detector.meta.sources.includes(source)) {
          expect(outcome).toEqual({
            status: 'unknown',
            cause: `source ${source} failed: GET ${source}: 403 Authorization_RequestDenied`,
            thresholds: expect.any(Object),
          });
        } else {
          expect(outcome.status).toBe('ok');
        }
      }
    },
  );

  it('names every failed source in the cause', () => {
    const snapshot = tenant()
      .failedSource('signInActivity', 'sign-ins: 403')
      .failedSource('roleDefinitions', 'roles: 503', 503)
      .build();
    const outcome = runDetectors({ snapshot, config: defaults, now: NOW }).StaleSignInAlert;
    expect(outcome).toMatchObject({
      status: 'unknown',
      cause: 'source roleDefinitions failed: roles: 503; source signInActivity failed: sign-ins: 403',
    });
  });

  it('turns a detector that throws into unknown instead of a clean result', () => {
    const snapshot = tenant()
      .user('alice')
      .request('alice', 'userAdmin', { start: 'not a timestamp' })
      .eligible('alice', 'globalAdmin', { start: 'also not a timestamp' })
      .build();
    const outcomes = runDetectors({ snapshot, config: defaults, now: NOW });
    expect(outcomes.SequentialActivationRenewalsAlert).toMatchObject({
      status: 'unknown',
      cause: 'detector failed: not an ISO-8601 timestamp: not a timestamp',
    });
    expect(outcomes.StaleSignInAlert).toMatchObject({
      status: 'unknown',
      cause: 'role holdings could not be resolved: not an ISO-8601 timestamp: also not a timestamp',
    });
    expect(outcomes.InvalidLicenseAlert.status).toBe('ok');
  });

  it('removes excluded principals from incidents of every alert they are excluded from', () => {
    const config = detectorsConfigSchema.parse({
      exclusions: [{ principalId: uid('erin'), reason: 'break-glass' }],
    });
    const outcomes = runDetectors({ snapshot: everyAlertTenant().build(), config, now: NOW });
    expect(summarize('RedundantAssignmentAlert', outcomes.RedundantAssignmentAlert)).toEqual([
      'carol @ userAdmin',
    ]);
    expect(
      summarize(
        'TooManyGlobalAdminsAssignedToTenantAlert',
        outcomes.TooManyGlobalAdminsAssignedToTenantAlert,
      ),
    ).toEqual(['alice', 'bob', 'deployer']);
    // Not excluded from stale sign-in unless named.
    expect(summarize('StaleSignInAlert', outcomes.StaleSignInAlert)).toEqual(['erin @ globalAdmin']);
  });
});

describe('privilegedRoleSet', () => {
  it("uses Graph's isPrivileged flags by default", () => {
    const set = privilegedRoleSet(tenant().build(), defaults);
    expect([...set].sort()).toEqual(
      [roleId('globalAdmin'), roleId('privilegedRoleAdmin'), roleId('userAdmin')].sort(),
    );
  });

  it('uses the configured list instead, compared without case', () => {
    const config = detectorsConfigSchema.parse({ privilegedRoles: [roleId('reportsReader').toUpperCase()] });
    const set = privilegedRoleSet(tenant().build(), config);
    expect(set.has(roleId('reportsReader'))).toBe(true);
    expect(set.has(roleId('globalAdmin'))).toBe(false);
  });
});
