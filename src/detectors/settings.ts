import { z } from 'zod';
import { isoDuration } from '../util/iso-duration.js';

/**
 * Settings every alert module declares the same way, with the description the README's config
 * reference and the JSON Schema show.
 */

/** `enabled`: every detector has it, on by default. */
export function enabledSetting() {
  return z.boolean().default(true).meta({ description: 'Run this detector.' });
}

/** A window such as a look-back, as an ISO-8601 duration with its default. */
export function durationSetting(defaultValue: string, description: string) {
  return isoDuration.default(defaultValue).meta({ description: `${description} ISO-8601 duration.` });
}

/** A detector's settings: `enabled` and the given ones, strict so a misspelt key is an error. */
export function detectorSettings<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.object({ enabled: enabledSetting(), ...shape }).strict();
}
