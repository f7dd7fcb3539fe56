import { describe, expect, it } from 'vitest';
import type { AlertId, Severity } from '../../src/model/alerts.js';
import type { Transition, TransitionType } from '../../src/model/lifecycle.js';
import { type RoutingRule, routingRuleSchema } from '../../src/notifiers/config-schema.js';
import { routeTransition, routingRulesFor } from '../../src/notifiers/routing.js';
import { oneTransitionPerAlert } from './sample-transitions.js';

const base = oneTransitionPerAlert('opened')[0]!;
function transition(alert: AlertId, severity: Severity, type: TransitionType = 'opened'): Transition {
  return { ...base, alert, severity, type };
}
const rule = (input: Record<string, unknown>): RoutingRule => routingRuleSchema.parse(input);

const RULES: RoutingRule[] = [
  rule({ name: 'everything to the SIEM', channels: ['siem'] }),
  rule({ name: 'medium and up to Teams', channels: ['teams-ops'], minSeverity: 'medium' }),
  rule({ name: 'high to the on-call mail', channels: ['oncall', 'teams-ops'], minSeverity: 'high' }),
  rule({
    name: 'outside-PIM openings to security',
    channels: ['security'],
    alerts: ['RolesAssignedOutsidePimAlert'],
    transitions: ['opened', 'reopened'],
  }),
];

describe('routeTransition', () => {
  it.each([
    { t: transition('StaleSignInAlert', 'low'), expected: ['siem'] },
    { t: transition('StaleSignInAlert', 'medium'), expected: ['siem', 'teams-ops'] },
    { t: transition('InvalidLicenseAlert', 'high'), expected: ['siem', 'teams-ops', 'oncall'] },
    {
      t: transition('RolesAssignedOutsidePimAlert', 'high'),
      expected: ['siem', 'teams-ops', 'oncall', 'security'],
    },
    {
      t: transition('RolesAssignedOutsidePimAlert', 'high', 'reopened'),
      expected: ['siem', 'teams-ops', 'oncall', 'security'],
    },
    {
      t: transition('RolesAssignedOutsidePimAlert', 'high', 'resolved'),
      expected: ['siem', 'teams-ops', 'oncall'],
    },
    { t: transition('RolesAssignedOutsidePimAlert', 'low', 'opened'), expected: ['siem', 'security'] },
  ])('$t.alert $t.severity $t.type goes to $expected', ({ t, expected }) => {
    expect(routeTransition(t, RULES)).toEqual(expected);
  });

  it('sends nothing without rules', () => {
    expect(routeTransition(transition('StaleSignInAlert', 'high'), [])).toEqual([]);
  });

  it('never sends a suppressed incident', () => {
    const suppressed = {
      ...transition('RolesAssignedOutsidePimAlert', 'high'),
      suppressed: {
        id: 's',
        tenantId: base.tenantId,
        reason: 'migration window',
        author: 'a',
        createdAt: base.at,
        expiresAt: base.at,
      },
    };
    expect(routeTransition(suppressed, RULES)).toEqual([]);
  });
});

describe('routingRulesFor', () => {
  const notifiers = { routing: RULES };
  it('uses the top-level rules for a tenant without its own', () => {
    expect(routingRulesFor(notifiers, {})).toBe(RULES);
    expect(routingRulesFor(notifiers)).toBe(RULES);
  });
  it("replaces them with the tenant's own, even an empty list", () => {
    const own = [rule({ channels: ['msp-client'] })];
    expect(routingRulesFor(notifiers, { notifications: { routing: own } })).toBe(own);
    expect(routingRulesFor(notifiers, { notifications: { routing: [] } })).toEqual([]);
  });
});
