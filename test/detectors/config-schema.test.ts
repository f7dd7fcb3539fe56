import { describe, expect, it } from 'vitest';
import {
  type DetectorsConfig,
  detectorsConfigSchema,
  detectorsOverrideSchema,
  mergeDetectorsConfig,
} from '../../src/detectors/config-schema.js';
import type { PimAlertId } from '../../src/model/alerts.js';
import { roleId, uid } from '../support/snapshot-factory.js';

/** The defaults of the settings every config has and of PIM's seven alerts (an added alert brings its own). */
const DEFAULTS: Pick<DetectorsConfig, 'thresholds' | 'exclusions' | PimAlertId> = {
  thresholds: 'tenant',
  exclusions: [],
  TooManyGlobalAdminsAssignedToTenantAlert: {
    enabled: true,
    globalAdminCountThreshold: 3,
    percentageOfGlobalAdminsOutOfRolesThreshold: 10,
  },
  InvalidLicenseAlert: { enabled: true },
  NoMfaOnRoleActivationAlert: { enabled: true, acceptAuthenticationContext: true },
  RedundantAssignmentAlert: { enabled: true, duration: 'P30D' },
  RolesAssignedOutsidePimAlert: { enabled: true, lookBack: 'P30D' },
  SequentialActivationRenewalsAlert: {
    enabled: true,
    sequentialActivationCounterThreshold: 3,
    timeIntervalBetweenActivations: 'PT10S',
    lookBack: 'P30D',
  },
  StaleSignInAlert: { enabled: true, duration: 'P30D' },
};

describe('detectorsConfigSchema', () => {
  it('fills every default from an empty object', () => {
    const parsed = detectorsConfigSchema.parse({});
    const pinned = Object.fromEntries(
      Object.keys(DEFAULTS).map((key) => [key, parsed[key as keyof DetectorsConfig]]),
    );
    expect(pinned).toEqual(DEFAULTS);
    expect(parsed.privilegedRoles).toBeUndefined();
  });

  it('fills the defaults of a partly given alert', () => {
    expect(
      detectorsConfigSchema.parse({ SequentialActivationRenewalsAlert: { lookBack: 'P7D' } })
        .SequentialActivationRenewalsAlert,
    ).toEqual({
      ...DEFAULTS.SequentialActivationRenewalsAlert,
      lookBack: 'P7D',
    });
  });

  it.each([
    { name: 'a month duration (no fixed length)', input: { StaleSignInAlert: { duration: 'P1M' } } },
    { name: 'a duration in words', input: { RedundantAssignmentAlert: { duration: '30 days' } } },
    {
      name: 'a percentage above 100',
      input: {
        TooManyGlobalAdminsAssignedToTenantAlert: { percentageOfGlobalAdminsOutOfRolesThreshold: 101 },
      },
    },
    {
      name: 'a fractional count',
      input: { TooManyGlobalAdminsAssignedToTenantAlert: { globalAdminCountThreshold: 2.5 } },
    },
    {
      name: 'a run threshold of one',
      input: { SequentialActivationRenewalsAlert: { sequentialActivationCounterThreshold: 1 } },
    },
    { name: 'an unknown thresholds source', input: { thresholds: 'graph' } },
    { name: 'a privileged role that is not a GUID', input: { privilegedRoles: ['Global Administrator'] } },
    { name: 'an empty privileged role list', input: { privilegedRoles: [] } },
    {
      name: 'an exclusion without a reason',
      input: { exclusions: [{ principalId: uid('alice'), reason: ' ' }] },
    },
    {
      name: 'an exclusion by UPN',
      input: { exclusions: [{ principalId: 'alice@contoso.example', reason: 'x' }] },
    },
    {
      name: 'an exclusion naming an unknown alert',
      input: { exclusions: [{ principalId: uid('alice'), reason: 'x', alerts: ['StaleSignIn'] }] },
    },
    { name: 'an unknown top-level key', input: { exclusion: [] } },
    { name: 'an unknown alert key', input: { StaleSignInAlert: { durations: 'P30D' } } },
  ])('rejects $name', ({ input }) => {
    expect(detectorsConfigSchema.safeParse(input).success).toBe(false);
  });
});

describe('detectorsOverrideSchema', () => {
  it('adds no defaults', () => {
    expect(detectorsOverrideSchema.parse({})).toEqual({});
    expect(detectorsOverrideSchema.parse({ StaleSignInAlert: { duration: 'P7D' } })).toEqual({
      StaleSignInAlert: { duration: 'P7D' },
    });
  });

  it('rejects unknown keys at every level, and invalid values', () => {
    expect(detectorsOverrideSchema.safeParse({ bogus: 1 }).success).toBe(false);
    expect(detectorsOverrideSchema.safeParse({ StaleSignInAlert: { bogus: 1 } }).success).toBe(false);
    expect(
      detectorsOverrideSchema.safeParse({ exclusions: [{ principalId: uid('a'), reason: 'x', bogus: 1 }] })
        .success,
    ).toBe(false);
    expect(detectorsOverrideSchema.safeParse({ StaleSignInAlert: { duration: 'soon' } }).success).toBe(false);
  });
});

describe('mergeDetectorsConfig', () => {
  const base = detectorsConfigSchema.parse({
    exclusions: [{ principalId: uid('breakglass'), reason: 'break-glass' }],
    StaleSignInAlert: { duration: 'P60D' },
    privilegedRoles: [roleId('globalAdmin')],
  });

  it('returns the base without an override', () => {
    expect(mergeDetectorsConfig(base, undefined)).toEqual(base);
    expect(mergeDetectorsConfig(base, {})).toEqual(base);
  });

  it('overrides key by key, adds exclusions and replaces the privileged roles', () => {
    const override = detectorsOverrideSchema.parse({
      thresholds: 'local',
      privilegedRoles: [roleId('userAdmin')],
      exclusions: [{ principalId: uid('lab'), reason: 'lab account', alerts: ['RedundantAssignmentAlert'] }],
      StaleSignInAlert: { enabled: false },
      TooManyGlobalAdminsAssignedToTenantAlert: { globalAdminCountThreshold: 5 },
    });
    expect(mergeDetectorsConfig(base, override)).toEqual({
      ...base,
      thresholds: 'local',
      privilegedRoles: [roleId('userAdmin')],
      exclusions: [
        ...base.exclusions,
        { principalId: uid('lab'), reason: 'lab account', alerts: ['RedundantAssignmentAlert'] },
      ],
      StaleSignInAlert: { enabled: false, duration: 'P60D' },
      TooManyGlobalAdminsAssignedToTenantAlert: {
        ...base.TooManyGlobalAdminsAssignedToTenantAlert,
        globalAdminCountThreshold: 5,
      },
    });
  });

  it('ignores keys the override leaves undefined', () => {
    expect(
      mergeDetectorsConfig(base, { StaleSignInAlert: { duration: undefined } }).StaleSignInAlert.duration,
    ).toBe('P60D');
  });
});
