import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderFeedEvent } from '../../src/notifiers/feed-event.js';
import { scanReportSchema } from '../../src/scan/report-schema.js';
import { PUBLISHED_SCHEMAS, renderJsonSchema } from '../../src/schemas.js';
import { CTX, oneTransitionPerAlert, TRANSITION_TYPES } from '../notifiers/sample-transitions.js';
import { demoFixture, demoNow } from '../support/demo-fixture.js';
import {
  CONFIG_SCHEMA,
  expectConformsTo,
  FEED_EVENT_SCHEMA,
  SCAN_REPORT_SCHEMA,
  schemaProblems,
} from '../support/published-schemas.js';
import { scanFixture } from '../support/scan-harness.js';

describe('the published JSON Schemas', () => {
  it.each(PUBLISHED_SCHEMAS.map((p) => [p.file, p] as const))(
    '%s is the one generated from the zod schema (run `npm run schemas` after changing it)',
    (file, published) => {
      expect(readFileSync(join('schemas', file), 'utf8')).toBe(renderJsonSchema(published));
    },
  );

  it('carry the major version in the file name and $id', () => {
    for (const { file } of PUBLISHED_SCHEMAS) {
      expect(file).toMatch(/\.v\d+\.schema\.json$/);
      const { $id } = JSON.parse(readFileSync(join('schemas', file), 'utf8')) as { $id: string };
      expect($id).toBe(`urn:pimwatch:schema:${file.replace(/\.schema\.json$/, '')}`);
    }
  });

  it('accept deploy/pimwatch.example.yaml and the demo configuration', () => {
    const example = parseYaml(readFileSync('deploy/pimwatch.example.yaml', 'utf8')) as unknown;
    expectConformsTo(CONFIG_SCHEMA, [example]);
    const demo = parseYaml(readFileSync('fixtures/demo/config.yaml', 'utf8')) as unknown;
    expectConformsTo(CONFIG_SCHEMA, [demo]);
    expect(schemaProblems(CONFIG_SCHEMA, { ...(example as object), tenant: [] })).not.toEqual([]);
  });

  it('accept the demo scan report and its feed events', async () => {
    const { report, transitions } = await scanFixture(await demoFixture(), { now: await demoNow() });
    expectConformsTo(SCAN_REPORT_SCHEMA, [JSON.parse(JSON.stringify(report))]);
    const ctx = { tenantId: report.tenantId, tenantName: report.tenantName };
    expectConformsTo(
      FEED_EVENT_SCHEMA,
      transitions.map((t) => renderFeedEvent(t, ctx)),
    );
  });

  it.each(TRANSITION_TYPES)('accept a %s feed event of every alert', (type) => {
    expectConformsTo(
      FEED_EVENT_SCHEMA,
      oneTransitionPerAlert(type).map((t) => renderFeedEvent(t, CTX)),
    );
  });

  it('refuse a field the schema does not name, in the event and in the report', async () => {
    const event = renderFeedEvent(oneTransitionPerAlert('opened')[0]!, CTX);
    expect(schemaProblems(FEED_EVENT_SCHEMA, { ...event, severityScore: 9 })).toEqual([
      expect.stringContaining('must NOT have additional properties {"additionalProperty":"severityScore"}'),
    ]);
    expect(
      schemaProblems(FEED_EVENT_SCHEMA, { ...event, incident: { ...event.incident, riskScore: 1 } }),
    ).toEqual([expect.stringContaining('"additionalProperty":"riskScore"')]);
    const { report } = await scanFixture(await demoFixture(), { now: await demoNow() });
    expect(scanReportSchema.safeParse({ ...report, extra: true }).success).toBe(false);
    expect(schemaProblems(SCAN_REPORT_SCHEMA, { ...report, extra: true })).not.toEqual([]);
  });
});
