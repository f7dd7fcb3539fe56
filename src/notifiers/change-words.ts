import type { Transition } from '../model/lifecycle.js';
import {
  alertDescription,
  alertTitle,
  mitigationSteps,
  plural,
  type RenderContext,
  SEVERITY_WORD,
  subjectOf,
  TRANSITION_WORD,
  transitionCounts,
  transitionSentence,
} from './incident-text.js';

/**
 * Words about changes that every rendering (Teams card, mail) writes the same way, so a card and a
 * mail about one scan read alike.
 */

/** `High · New`: severity and change in words, so colour is never the only signal. */
export function changeBadge(transition: Transition): string {
  return `${SEVERITY_WORD[transition.severity]} · ${TRANSITION_WORD[transition.type]}`;
}

/** `3 changes: 2 new, 1 resolved`. */
export function changeCounts(transitions: readonly Transition[]): string {
  return `${plural(transitions.length, 'change')}: ${transitionCounts(transitions)}`;
}

/**
 * What a rendering heads one change with: the alert, who or what it is about, and what happened. `ctx`
 * is where the alert's words may come from (a registry other than the built-in one).
 */
export function changeHeadline(
  transition: Transition,
  ctx: RenderContext,
): { title: string; subject: string; sentence: string } {
  return {
    title: alertTitle(transition, ctx),
    subject: subjectOf(transition.incident),
    sentence: transitionSentence(transition),
  };
}

/** Said instead of steps for a resolved incident. */
export const NOTHING_TO_DO =
  'Nothing to do. If the fix was deliberate, this is the confirmation; if not, find out who changed it.';

/**
 * What a reader should do about a change: the alert's description and mitigation steps, or neither for
 * a resolved incident (say {@link NOTHING_TO_DO} instead).
 */
export function changeAdvice(
  transition: Transition,
  ctx: RenderContext,
): { resolved: true } | { resolved: false; description: string; steps: readonly string[] } {
  if (transition.type === 'resolved') return { resolved: true };
  return {
    resolved: false,
    description: alertDescription(transition, ctx),
    steps: mitigationSteps(transition, ctx),
  };
}
