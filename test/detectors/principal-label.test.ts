import { describe, expect, it } from 'vitest';
import { type PrincipalFields, principalLabel } from '../../src/model/principal.js';

const ALICE: PrincipalFields = {
  assigneeId: 'a1',
  assigneeType: 'user',
  assigneeDisplayName: 'Alice Admin',
  assigneeUserPrincipalName: 'alice@contoso.example',
};
const PIPELINE: PrincipalFields = {
  assigneeId: 's1',
  assigneeType: 'servicePrincipal',
  assigneeDisplayName: 'Deployment Pipeline',
  assigneeUserPrincipalName: null,
};

/** One formatter, three styles: the text report and CLI, the notifiers, and `remediate`'s plan. */
describe('principalLabel', () => {
  it.each([
    { who: ALICE, style: { upn: 'angle' } as const, expected: 'Alice Admin <alice@contoso.example>' },
    {
      who: ALICE,
      style: { upn: 'paren', kind: true } as const,
      expected: 'Alice Admin (alice@contoso.example)',
    },
    {
      who: ALICE,
      style: { upn: 'angle', id: true } as const,
      expected: 'Alice Admin <alice@contoso.example> (a1)',
    },
    { who: PIPELINE, style: { upn: 'angle' } as const, expected: 'Deployment Pipeline' },
    {
      who: PIPELINE,
      style: { upn: 'paren', kind: true } as const,
      expected: 'Deployment Pipeline (service principal)',
    },
    // Without a display name the UPN names the principal, and is not repeated.
    {
      who: { ...ALICE, assigneeDisplayName: null },
      style: { upn: 'angle', id: true } as const,
      expected: 'alice@contoso.example (a1)',
    },
    { who: { assigneeId: 'g1' }, style: { upn: 'angle', id: true } as const, expected: 'g1' },
  ])('$expected', ({ who, style, expected }) => {
    expect(principalLabel(who, style)).toBe(expected);
  });

  it('is undefined when the incident names no principal', () => {
    expect(principalLabel({ assigneeDisplayName: 'orphan' }, { upn: 'angle' })).toBeUndefined();
  });
});
