import { describe, expect, it } from 'vitest';
import { principalTargetType } from '../../src/graph/readers/directory-audits.js';
import {
  PIM_ACTIVATION_COMPLETED,
  type RawPimAudit,
  readPimActivationRecord,
} from '../../src/graph/readers/pim-activation-audits.js';

const USER = '6b1c4f8e-0d2a-4c1b-9e3f-2a7d5c9b1e04';
const ROLE = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const GROUP = '5d0e7a2b-3c4f-4e1a-9b8c-7d6e5f4a3b2c';
const CUSTOM_ROLE = '0c9a4f1e-7d3b-4a2c-8e5f-6b1d2c3a4e5f';

/** A completed activation in the shape published examples show (see the reader's comment). */
function record(changes: Partial<RawPimAudit> = {}): RawPimAudit {
  return {
    id: 'PIM_record_1',
    category: 'RoleManagement',
    result: 'success',
    activityDisplayName: PIM_ACTIVATION_COMPLETED,
    activityDateTime: '2026-06-10T08:00:01.5Z',
    loggedByService: 'PIM',
    initiatedBy: { user: { id: USER } },
    targetResources: [
      {
        id: ROLE,
        displayName: 'User Administrator',
        type: 'Role',
        modifiedProperties: [{ displayName: 'TemplateId', newValue: `"${ROLE}"` }],
      },
      { id: 'request-1', type: 'Request' },
      { id: USER, displayName: 'Alice', type: 'User', userPrincipalName: 'alice@contoso.example' },
      { id: 'tenant', type: 'Directory' },
    ],
    additionalDetails: [
      { key: 'RoleDefinitionOriginId', value: ROLE },
      { key: 'TemplateId', value: ROLE },
      { key: 'StartTime', value: '2026-06-10T08:00:00Z' },
      { key: 'ExpirationTime', value: '2026-06-10T16:00:00.0000000Z' },
      { key: 'RequestId', value: 'request-1' },
    ],
    ...changes,
  };
}

const details = (r: RawPimAudit, drop: string) => (r.additionalDetails ?? []).filter((d) => d.key !== drop);

describe('reading PIM activation audit records', () => {
  it('reads the principal, the role and the activation window', () => {
    expect(readPimActivationRecord(record())).toEqual({
      kind: 'activation',
      activation: {
        recordId: 'PIM_record_1',
        principalId: USER,
        target: { kind: 'role', roleDefinitionId: ROLE },
        startDateTime: '2026-06-10T08:00:00.000Z',
        endDateTime: '2026-06-10T16:00:00.000Z',
        requestId: 'request-1',
      },
    });
  });

  it.each([
    ['the docs spelling of the service', { loggedByService: 'Privileged Identity Management' }],
    ['lower-case values', { loggedByService: 'pim', category: 'rolemanagement', result: 'Success' }],
  ])('accepts %s', (_name, changes) => {
    expect(readPimActivationRecord(record(changes)).kind).toBe('activation');
  });

  it('accepts target types and detail keys without regard to case (Microsoft writes `Type` in one example)', () => {
    const r = record({
      targetResources: [
        { id: ROLE, Type: 'ROLE' },
        { id: USER, Type: 'user' },
      ],
      additionalDetails: [
        { key: 'starttime', value: '2026-06-10T08:00:00Z' },
        { key: 'EXPIRATIONTIME', value: '2026-06-10T09:00:00Z' },
      ],
    });
    expect(readPimActivationRecord(r)).toMatchObject({
      kind: 'activation',
      activation: { principalId: USER, target: { kind: 'role', roleDefinitionId: ROLE }, requestId: null },
    });
  });

  it.each([
    [
      'RoleDefinitionOriginId (the definition id) first',
      [
        { key: 'RoleDefinitionOriginId', value: CUSTOM_ROLE },
        { key: 'TemplateId', value: ROLE },
      ],
      CUSTOM_ROLE,
    ],
    ['then the TemplateId detail', [{ key: 'TemplateId', value: CUSTOM_ROLE }], CUSTOM_ROLE],
    ['then the role target', [], ROLE],
  ])('finds the role from %s', (_name, roleDetails, expected) => {
    const times = [
      { key: 'StartTime', value: '2026-06-10T08:00:00Z' },
      { key: 'ExpirationTime', value: '2026-06-10T09:00:00Z' },
    ];
    const r = record({
      additionalDetails: [...roleDetails, ...times],
      targetResources: [
        { id: ROLE, type: 'Role' },
        { id: USER, type: 'User' },
      ],
    });
    expect(readPimActivationRecord(r)).toMatchObject({
      activation: { target: { kind: 'role', roleDefinitionId: expected } },
    });
  });

  it('reads a PIM for Groups record as an activation of the group membership', () => {
    const r = record({
      category: 'GroupManagement',
      targetResources: [
        { id: GROUP, displayName: 'Tier 0 Admins', type: 'Group' },
        { id: USER, type: 'User' },
      ],
    });
    expect(readPimActivationRecord(r)).toMatchObject({
      kind: 'activation',
      activation: { principalId: USER, target: { kind: 'group', groupId: GROUP } },
    });
  });

  it('fails a PIM for Groups record that names no group', () => {
    const r = record({ category: 'GroupManagement', targetResources: [{ id: USER, type: 'User' }] });
    expect(readPimActivationRecord(r)).toEqual({
      kind: 'unreadable',
      cause: 'audit record PIM_record_1 lacks the group (a Group target)',
    });
  });

  it.each([
    ['a ServicePrincipal target', 'ServicePrincipal'],
    ['an App target (the documented type for a service principal)', 'App'],
  ])('takes the principal from %s', (_name, type) => {
    const r = record({
      targetResources: [
        { id: ROLE, type: 'Role' },
        { id: 'sp-1', type },
      ],
    });
    expect(readPimActivationRecord(r)).toMatchObject({ activation: { principalId: 'sp-1' } });
  });

  it('falls back to the initiator for the principal when no principal target is listed', () => {
    const r = record({ targetResources: [{ id: ROLE, type: 'Role' }] });
    expect(readPimActivationRecord(r)).toMatchObject({ activation: { principalId: USER } });
  });

  it.each([
    [
      'Azure resource roles',
      { category: 'ResourceManagement' },
      "category 'ResourceManagement' is neither an Entra role nor PIM for Groups",
    ],
    ['a failure', { result: 'failure' }, "result 'failure'"],
    ['another service', { loggedByService: 'Core Directory' }, "logged by 'Core Directory', not PIM"],
    [
      'another activity',
      { activityDisplayName: 'Add member to role requested (PIM activation)' },
      "activity 'Add member to role requested (PIM activation)' is not a completed activation",
    ],
  ])('says why it ignores %s', (_name, changes, reason) => {
    expect(readPimActivationRecord(record(changes))).toEqual({ kind: 'ignored', reason });
  });

  it.each([
    [
      'StartTime',
      (r: RawPimAudit) => ({ additionalDetails: details(r, 'StartTime') }),
      'lacks additionalDetails StartTime',
    ],
    [
      'ExpirationTime',
      (r: RawPimAudit) => ({ additionalDetails: details(r, 'ExpirationTime') }),
      'lacks additionalDetails ExpirationTime',
    ],
    [
      'a readable StartTime',
      (r: RawPimAudit) => ({
        additionalDetails: [...details(r, 'StartTime'), { key: 'StartTime', value: 'soon' }],
      }),
      'lacks additionalDetails StartTime',
    ],
    [
      'the role',
      () => ({
        additionalDetails: record().additionalDetails!.slice(2),
        targetResources: [{ id: USER, type: 'User' }],
      }),
      'lacks the role (a Role target, RoleDefinitionOriginId or TemplateId)',
    ],
    [
      'the principal',
      () => ({ initiatedBy: null, targetResources: [{ id: ROLE, type: 'Role' }] }),
      'lacks the principal (a User target or initiatedBy.user.id)',
    ],
  ])('names what is missing when a record lacks %s', (_name, change, cause) => {
    const base = record();
    expect(readPimActivationRecord(record(change(base)))).toEqual({
      kind: 'unreadable',
      cause: `audit record PIM_record_1 ${cause}`,
    });
  });
});

describe('audit target types that name a principal', () => {
  it.each([
    ['User', 'user'],
    ['user', 'user'],
    ['Group', 'group'],
    ['App', 'servicePrincipal'],
    ['ServicePrincipal', 'servicePrincipal'],
    ['SERVICEPRINCIPAL', 'servicePrincipal'],
  ])('%s is a %s', (type, expected) => {
    expect(principalTargetType(type)).toBe(expected);
  });

  it.each(['Role', 'Device', 'Directory', 'Policy', 'Other', 'Request', '', null])(
    '%s is no principal',
    (type) => {
      expect(principalTargetType(type)).toBeUndefined();
    },
  );
});
