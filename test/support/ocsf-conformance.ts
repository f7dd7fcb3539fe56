import { expect } from 'vitest';
import type { Transition } from '../../src/model/lifecycle.js';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import type { RenderContext } from '../../src/notifiers/incident-text.js';
import { toOcsfDetectionFinding } from '../../src/notifiers/ocsf.js';
import { validateOcsfEvent } from './ocsf-validator.js';

/** Every transition's OCSF finding validates against OCSF's schema for the version it claims. */
export function expectConformantOcsf(transitions: readonly Transition[], ctx: RenderContext): void {
  expect(transitions.length).toBeGreaterThan(0);
  for (const transition of transitions) {
    const finding = toOcsfDetectionFinding(renderFeedEvent(transition, ctx));
    expect({ eventId: transition.eventId, errors: validateOcsfEvent(finding).errors }).toEqual({
      eventId: transition.eventId,
      errors: [],
    });
  }
}
