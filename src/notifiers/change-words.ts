import type { Transition } from '../model/lifecycle.js';
import { plural, SEVERITY_WORD, TRANSITION_WORD, transitionCounts } from './incident-text.js';

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
