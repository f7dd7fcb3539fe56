import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  configReferenceRows,
  REFERENCE_END,
  REFERENCE_START,
  renderConfigReference,
} from '../../scripts/config-reference.js';

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

  it("has a description for every key, from its schema's .meta({ description })", () => {
    // A discriminator (`type: smtp`) needs none: its value names the variant the rows below describe.
    const undescribed = configReferenceRows()
      .filter((row) => !row.discriminator && row.description === '')
      .map((row) => row.path);
    expect(undescribed).toEqual([]);
  });

  it('takes the words from the schema itself, not from comments in the source', () => {
    const rows = configReferenceRows();
    expect(rows.find((row) => row.path === 'redis.keyPrefix')?.description).toBe(
      'Prefix of every key pimwatch writes, so several deployments can share one Redis.',
    );
    expect(rows.find((row) => row.path === 'worker.concurrency')?.description).toMatch(
      /^Scans one worker runs/,
    );
  });
});
