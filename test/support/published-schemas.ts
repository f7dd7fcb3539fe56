import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

/**
 * Validates values against the committed JSON Schemas in `schemas/` with a JSON Schema validator (ajv),
 * the way a consumer of pimwatch's output or a configuration editor would.
 */

// zod writes an exhaustive record as `propertyNames` plus `required`, which ajv's strictRequired flags.
const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  validateFormats: false,
});
const compiled = new Map<string, ValidateFunction>();

export function publishedSchemaValidator(file: string): ValidateFunction {
  let validate = compiled.get(file);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(join('schemas', file), 'utf8')) as object);
    compiled.set(file, validate);
  }
  return validate;
}

/** The validator's complaints about `value`, one line each; empty when it conforms. */
export function schemaProblems(file: string, value: unknown): string[] {
  const validate = publishedSchemaValidator(file);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}

export const FEED_EVENT_SCHEMA = 'feed-event.v1.schema.json';
export const SCAN_REPORT_SCHEMA = 'scan-report.v1.schema.json';
export const CONFIG_SCHEMA = 'pimwatch-config.v1.schema.json';

export function expectConformsTo(file: string, values: readonly unknown[]): void {
  expect(values.length).toBeGreaterThan(0);
  for (const value of values) expect(schemaProblems(file, value)).toEqual([]);
}
