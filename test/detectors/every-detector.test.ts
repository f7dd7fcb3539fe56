import { describe, expect, it } from 'vitest';
import { detectorsConfigSchema } from '../../src/detectors/config-schema.js';
import { DETECTORS } from '../../src/detectors/registry.js';
import { runDetectors } from '../../src/detectors/run.js';
import { everyAlertTenant } from '../support/sample-tenant.js';
import { NOW } from '../support/snapshot-factory.js';

/**
 * What holds for every detector, written once over the registry instead of once per alert module: a
 * failed source the detector declares makes it unknown (never clean, never with incidents), and a
 * switched-off detector is disabled. The sample tenant makes every alert fire, so a verdict of "no
 * incidents" here could only come from the rule under test being broken.
 */

const cases = DETECTORS.flatMap((detector) =>
  detector.meta.sources.map((source) => ({ alert: detector.meta.alert, source })),
);

describe('every detector', () => {
  it('fires in the sample tenant when nothing failed (so the cases below start from a finding)', () => {
    const outcomes = runDetectors({
      snapshot: everyAlertTenant().build(),
      config: detectorsConfigSchema.parse({}),
      now: NOW,
    });
    for (const { meta } of DETECTORS) {
      const outcome = outcomes[meta.alert];
      expect(outcome.status === 'ok' && outcome.incidents.length > 0, meta.alert).toBe(true);
    }
  });

  it.each(cases)('$alert is unknown when its declared source $source fails', ({ alert, source }) => {
    const snapshot = everyAlertTenant().failedSource(source, `GET ${source}: 503 after retries`, 503).build();
    const outcome = runDetectors({ snapshot, config: detectorsConfigSchema.parse({}), now: NOW })[alert];
    expect(outcome.status).toBe('unknown');
    expect(outcome).not.toHaveProperty('incidents');
    expect(outcome.status === 'unknown' ? outcome.cause : '').toContain(
      `source ${source} failed: GET ${source}: 503 after retries`,
    );
  });

  it.each(DETECTORS.map((d) => ({ alert: d.meta.alert })))(
    '$alert is disabled when switched off',
    ({ alert }) => {
      const config = detectorsConfigSchema.parse({ [alert]: { enabled: false } });
      const outcomes = runDetectors({ snapshot: everyAlertTenant().build(), config, now: NOW });
      expect(outcomes[alert]).toEqual({ status: 'disabled' });
      // Only the switched-off detector is affected.
      const others = DETECTORS.filter((d) => d.meta.alert !== alert);
      for (const { meta } of others) expect(outcomes[meta.alert].status).toBe('ok');
    },
  );
});
