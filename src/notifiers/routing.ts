import { severityRank } from '../model/alerts.js';
import type { Transition } from '../model/lifecycle.js';
import type { NotifiersConfig, RoutingRule, TenantNotifications } from './config-schema.js';

/** The rules for one tenant: its own when it has them (even `[]`), the top-level ones otherwise. */
export function routingRulesFor(
  notifiers: Pick<NotifiersConfig, 'routing'>,
  tenant?: { notifications?: TenantNotifications | undefined },
): readonly RoutingRule[] {
  return tenant?.notifications?.routing ?? notifiers.routing;
}

export function ruleMatches(rule: RoutingRule, transition: Transition): boolean {
  if (rule.minSeverity && severityRank(transition.severity) < severityRank(rule.minSeverity)) return false;
  if (rule.alerts && !rule.alerts.includes(transition.alert)) return false;
  if (rule.transitions && !rule.transitions.includes(transition.type)) return false;
  return true;
}

/**
 * The channels one transition goes to: those of every matching rule, each once, in rule order. A
 * suppressed incident's transitions go nowhere: they are recorded in the feed, not sent to people.
 */
export function routeTransition(transition: Transition, rules: readonly RoutingRule[]): string[] {
  if (transition.suppressed) return [];
  const channels = new Set<string>();
  for (const rule of rules) {
    if (ruleMatches(rule, transition)) for (const channel of rule.channels) channels.add(channel);
  }
  return [...channels];
}
