import type { DetectorsConfig } from '../detectors/config-schema.js';
import type { TenantFixture } from '../fixture-format/schema.js';
import type { ActivationHistoryMode } from '../graph/activation-history.js';
import type { GraphSession, SessionOptions } from '../graph/session.js';
import type { Logger } from '../log.js';
import { type Assessment, assessTenant } from '../scan/run-scan.js';
import { FixtureRecorder } from './fixture-recorder.js';
import { type PseudonymMapping, pseudonymizeFixture } from './pseudonymize.js';

export interface CaptureInput {
  tenant: { id: string; name: string };
  /** Opens the tenant's Graph session with the recorder's observer attached. */
  openSession(options: Pick<SessionOptions, 'onResult'>): GraphSession;
  detectors: DetectorsConfig;
  activationHistory?: ActivationHistoryMode;
  /** The capture's clock: the scan's `now` and the fixture's `referenceTime`. */
  now: Date;
  /** @defaultValue true */
  pseudonymize?: boolean;
  logger?: Logger;
}

export interface Capture {
  fixture: TenantFixture;
  /** What the live scan found while it was recorded (before pseudonymisation). */
  assessment: Assessment;
  /** Original -> pseudonym; only in memory, for tests (the CLI discards it with the key). */
  mapping?: PseudonymMapping;
}

/**
 * `pimwatch capture`: runs a scan's reads (nothing is stored, nobody is notified) with every Graph answer
 * recorded, and turns the recording into a tenant fixture that replays the same incidents at its
 * `referenceTime`.
 */
export async function captureTenant(input: CaptureInput): Promise<Capture> {
  const recorder = new FixtureRecorder();
  const session = input.openSession({ onResult: recorder.observe });
  let assessment: Assessment;
  try {
    assessment = await assessTenant({
      tenant: input.tenant,
      session,
      detectors: input.detectors,
      now: input.now,
      ...(input.activationHistory ? { activationHistory: input.activationHistory } : {}),
      ...(input.logger ? { logger: input.logger } : {}),
    });
  } finally {
    await session.close();
  }
  const recorded = recorder.toFixture(input.tenant.id, input.now);
  if (input.pseudonymize === false) return { fixture: recorded, assessment };
  const { fixture, mapping } = pseudonymizeFixture(recorded);
  return { fixture, assessment, mapping };
}
