import { describe, expect, it } from 'vitest';
import { type DetectorsConfigInput, detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { runDetectors } from '../../src/detectors/run.js';
import { PIM_ALERT_IDS } from '../../src/model/alerts.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import { effectiveDetectorsConfig } from '../../src/reconcile/thresholds.js';
import { NOW, tenant } from '../support/snapshot-factory.js';
import { withPim } from './support.js';

const STALE = 'StaleSignInAlert';
const GA = 'TooManyGlobalAdminsAssignedToTenantAlert';
const SEQUENTIAL = 'SequentialActivationRenewalsAlert';

function effective(snapshot: TenantSnapshot, local: DetectorsConfigInput = {}) {
  return effectiveDetectorsConfig({ local: detectorsConfigSchema.parse(local), snapshot });
}

/** PIM configured as a fresh tenant, except for the stale sign-in window. */
const tenantStaleWindow = (duration: string | number) =>
  withPim(tenant()).graphConfiguration(STALE, { thresholds: { duration } }).build();

describe('effectiveDetectorsConfig: thresholds: tenant (the default)', () => {
  it("uses the tenant's value where it differs from ours, and says both", () => {
    const { config, provenance } = effective(tenantStaleWindow('P45D'));
    expect(config.StaleSignInAlert.duration).toBe('P45D');
    expect(provenance[STALE]).toEqual({
      used: 'tenant',
      local: { duration: 'P30D' },
      tenant: { duration: 'P45D' },
      tenantEnabled: true,
      differs: true,
    });
  });

  it("uses the tenant's values for every alert of a fresh tenant; nothing differs", () => {
    const { config, provenance } = effective(withPim(tenant()).build());
    expect(config).toEqual(detectorsConfigSchema.parse({}));
    for (const alert of PIM_ALERT_IDS) {
      expect(provenance[alert], alert).toMatchObject({ used: 'tenant', differs: false, tenantEnabled: true });
      expect(provenance[alert].reason, alert).toBeUndefined();
    }
  });

  it('keeps settings that are not Graph thresholds (look-back windows, exclusions) as configured', () => {
    const snapshot = withPim(tenant())
      .graphConfiguration(SEQUENTIAL, {
        thresholds: { timeIntervalBetweenActivations: 'PT1H', sequentialActivationCounterThreshold: 5 },
      })
      .build();
    const { config } = effective(snapshot, {
      SequentialActivationRenewalsAlert: { lookBack: 'P10D', sequentialActivationCounterThreshold: 2 },
    });
    expect(config.SequentialActivationRenewalsAlert).toEqual({
      enabled: true,
      lookBack: 'P10D',
      timeIntervalBetweenActivations: 'PT1H',
      sequentialActivationCounterThreshold: 5,
    });
  });

  it('reads a whole number Graph sent as text as that number', () => {
    const snapshot = withPim(tenant())
      .graphConfiguration(GA, {
        thresholds: { globalAdminCountThreshold: '4', percentageOfGlobalAdminsOutOfRolesThreshold: 10 },
      })
      .build();
    const { config, provenance } = effective(snapshot);
    expect(config[GA].globalAdminCountThreshold).toBe(4);
    expect(provenance[GA]).toMatchObject({ used: 'tenant', differs: true });
  });

  it.each([
    ['a duration in months (not a fixed length)', 'P1M', /duration "P1M": must be an ISO-8601 duration/],
    ['text that is no duration', 'thirty days', /duration "thirty days"/],
    ['a number where a duration belongs', 30, /duration 30/],
  ])('falls back to our value for %s, and says why', (_what, duration, reason) => {
    const { config, provenance } = effective(tenantStaleWindow(duration));
    expect(config.StaleSignInAlert.duration).toBe('P30D');
    expect(provenance[STALE]).toMatchObject({ used: 'local', tenant: { duration }, differs: true });
    expect(provenance[STALE].reason).toMatch(reason);
    expect(provenance[STALE].reason).toMatch(/local thresholds used/);
  });

  it('falls back to our values when a count is out of range (a negative Global Administrator count)', () => {
    const snapshot = withPim(tenant())
      .graphConfiguration(GA, {
        thresholds: { globalAdminCountThreshold: -1, percentageOfGlobalAdminsOutOfRolesThreshold: 10 },
      })
      .build();
    const { config, provenance } = effective(snapshot);
    expect(config[GA].globalAdminCountThreshold).toBe(3);
    expect(provenance[GA].used).toBe('local');
    expect(provenance[GA].reason).toMatch(/globalAdminCountThreshold -1/);
  });

  it('falls back to our values when the tenant’s configuration lacks a threshold (absent is not zero)', () => {
    const snapshot = withPim(tenant())
      .graphConfiguration(GA, { thresholds: { globalAdminCountThreshold: 5 } })
      .build();
    const { config, provenance } = effective(snapshot);
    expect(config[GA].globalAdminCountThreshold).toBe(3);
    expect(provenance[GA]).toMatchObject({ used: 'local', tenant: { globalAdminCountThreshold: 5 } });
    expect(provenance[GA].reason).toMatch(/has no percentageOfGlobalAdminsOutOfRolesThreshold/);
  });

  it('uses our values for an alert the tenant has no configuration for', () => {
    const { config, provenance } = effective(tenant().build());
    expect(config).toEqual(detectorsConfigSchema.parse({}));
    expect(provenance[STALE]).toEqual({
      used: 'local',
      reason: 'the tenant has no configuration for this alert; local thresholds used',
      local: { duration: 'P30D' },
      tenant: null,
      tenantEnabled: null,
      differs: false,
    });
  });

  it("uses our values, with the source's cause, when the tenant's configurations could not be read", () => {
    const snapshot = withPim(tenant()).failedSource('alertConfigurations').build();
    const { config, provenance } = effective(snapshot);
    expect(config).toEqual(detectorsConfigSchema.parse({}));
    for (const alert of PIM_ALERT_IDS) {
      expect(provenance[alert], alert).toMatchObject({ used: 'local', tenant: null, tenantEnabled: null });
      expect(provenance[alert].reason).toMatch(/could not be read \(GET alertConfigurations: 403/);
    }
  });

  it('switches our detector off when the tenant switched the alert off, and says so', () => {
    const snapshot = withPim(tenant())
      .graphConfiguration(STALE, { isEnabled: false, thresholds: { duration: 'P30D' } })
      .build();
    const { config, provenance } = effective(snapshot);
    expect(config.StaleSignInAlert.enabled).toBe(false);
    expect(provenance[STALE]).toMatchObject({ used: 'tenant', tenantEnabled: false });
    expect(provenance[STALE].reason).toMatch(/isEnabled: false/);
    expect(runDetectors({ snapshot, config, now: NOW })[STALE]).toEqual({ status: 'disabled' });
  });

  it('leaves our detector as configured when the tenant does not say whether the alert is on', () => {
    const snapshot = withPim(tenant())
      .graphConfiguration(STALE, { isEnabled: null, thresholds: { duration: 'P30D' } })
      .build();
    const { config, provenance } = effective(snapshot);
    expect(config.StaleSignInAlert.enabled).toBe(true);
    expect(provenance[STALE].tenantEnabled).toBeNull();
  });

  it('never switches on a detector our configuration switched off', () => {
    const { config } = effective(withPim(tenant()).build(), { StaleSignInAlert: { enabled: false } });
    expect(config.StaleSignInAlert.enabled).toBe(false);
  });

  it('reports alerts without thresholds as taken from the tenant, with nothing to differ', () => {
    const { provenance } = effective(withPim(tenant()).build());
    for (const alert of [
      'InvalidLicenseAlert',
      'NoMfaOnRoleActivationAlert',
      'RolesAssignedOutsidePimAlert',
    ] as const) {
      expect(provenance[alert]).toEqual({
        used: 'tenant',
        local: {},
        tenant: {},
        tenantEnabled: true,
        differs: false,
      });
    }
  });

  it('treats the same duration written two ways as equal (P14D and P2W)', () => {
    const { provenance } = effective(tenantStaleWindow('P2W'), { StaleSignInAlert: { duration: 'P14D' } });
    expect(provenance[STALE].differs).toBe(false);
  });
});

describe('effectiveDetectorsConfig: thresholds: local', () => {
  it('never changes the configuration, and still shows the tenant’s values', () => {
    const snapshot = withPim(tenant())
      .graphConfiguration(STALE, { isEnabled: false, thresholds: { duration: 'P45D' } })
      .build();
    const local = detectorsConfigSchema.parse({ thresholds: 'local' });
    const { config, provenance } = effectiveDetectorsConfig({ local, snapshot });
    expect(config).toEqual(local);
    expect(provenance[STALE]).toEqual({
      used: 'local',
      reason: 'the configuration says thresholds: local',
      local: { duration: 'P30D' },
      tenant: { duration: 'P45D' },
      tenantEnabled: false,
      differs: true,
    });
  });

  it('still says why when the tenant’s configuration is missing', () => {
    const { provenance } = effective(tenant().build(), { thresholds: 'local' });
    expect(provenance[STALE]).toMatchObject({ used: 'local', tenant: null });
    expect(provenance[STALE].reason).toMatch(/no configuration/);
  });
});
