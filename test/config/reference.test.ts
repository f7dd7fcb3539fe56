import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REFERENCE_END, REFERENCE_START, renderConfigReference } from '../../scripts/config-reference.js';

describe("the README's configuration reference", () => {
  it('is the one generated from the schemas (run `npm run config-reference` after changing them)', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(
      readme.indexOf(REFERENCE_START) + REFERENCE_START.length,
      readme.indexOf(REFERENCE_END),
    );
    expect(section.trim()).toBe(renderConfigReference().trim());
  });

  it('documents every top-level section and the keys people set most', () => {
    const reference = renderConfigReference();
    for (const key of [
      'tenants[].credential',
      'graph.baseUrl',
      'redis.url',
      'detectors.thresholds',
      'notifiers.routing',
      'worker.concurrency',
      'api.apiKeys',
    ]) {
      expect(reference).toContain(`| \`${key}\` |`);
    }
    expect(reference).toMatch(
      /\| `detectors\.StaleSignInAlert\.duration` \| string \| `"P30D"` \| A privileged user/,
    );
  });
});
