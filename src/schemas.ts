import { z } from 'zod';
import { configSchema } from './config/schema.js';
import { FEED_SCHEMA_VERSION, feedEventSchema } from './notifiers/feed-event.js';
import { scanReportSchema } from './scan/report-schema.js';

/**
 * The published JSON Schemas (`schemas/`), generated from the zod schemas the code validates and
 * derives its types with, so the two never drift. The major version is in the file name and `$id`;
 * the README's "Schemas and compatibility" says what a minor and a major version may change.
 */

/** A URN, not a URL: the schemas are files in the repository and the package, not served anywhere. */
export const SCHEMA_ID_PREFIX = 'urn:pimwatch:schema:';

export interface PublishedSchema {
  file: string;
  title: string;
  /** `input`: what a person writes (defaults optional); `output`: what pimwatch emits. */
  io: 'input' | 'output';
  schema: z.ZodType;
}

const FEED_MAJOR = FEED_SCHEMA_VERSION.split('.')[0]!;

export const PUBLISHED_SCHEMAS: readonly PublishedSchema[] = [
  {
    file: 'pimwatch-config.v1.schema.json',
    title: 'pimwatch configuration (YAML or JSON)',
    io: 'input',
    schema: configSchema,
  },
  {
    file: 'scan-report.v1.schema.json',
    title: 'pimwatch scan report (scan --format json)',
    io: 'output',
    schema: scanReportSchema,
  },
  {
    file: `feed-event.v${FEED_MAJOR}.schema.json`,
    title: `pimwatch SOC feed event, schemaVersion ${FEED_SCHEMA_VERSION}`,
    io: 'output',
    schema: feedEventSchema,
  },
];

/** The JSON Schema document of one published schema, as committed (2-space JSON, final newline). */
export function renderJsonSchema(published: PublishedSchema): string {
  const generated = z.toJSONSchema(published.schema, { io: published.io, target: 'draft-2020-12' });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  const document = {
    $schema,
    $id: `${SCHEMA_ID_PREFIX}${published.file.replace(/\.schema\.json$/, '')}`,
    title: published.title,
    ...rest,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
