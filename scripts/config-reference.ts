import { readFileSync } from 'node:fs';
import { PUBLISHED_SCHEMAS, renderJsonSchema } from '../src/schemas.js';

/**
 * The configuration reference in the README, generated so it is never written twice: it is read from
 * the configuration's published JSON Schema (`schemas/pimwatch-config.v1.schema.json`), itself generated
 * from the zod schema. Structure, types, defaults and allowed values come from there, and so do the
 * words: each key's `.meta({ description })`.
 */

type Json = Record<string, unknown>;

/** One key of the configuration, as the reference table lists it. */
export interface ConfigReferenceRow {
  path: string;
  type: string;
  default: string;
  description: string;
  /** A discriminator (`type: smtp`): its value is its meaning. */
  discriminator: boolean;
}

function typeOf(schema: Json): string {
  if (Array.isArray(schema.enum))
    return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (variants) {
    if (isSecretRef(schema)) return 'secret: `{ env: NAME }` or `{ file: PATH }`';
    const kinds = variants.map((v) => (v.properties as Record<string, Json> | undefined)?.type?.const);
    if (kinds.every((k) => typeof k === 'string'))
      return `one of: ${kinds.map((k) => `\`type: ${String(k)}\``).join(', ')}`;
    return variants.map(typeOf).join(' \\| ');
  }
  if (schema.type === 'array') return `list of ${typeOf((schema.items as Json) ?? {})}`;
  if (schema.type === 'string' && schema.format) return `string (${schema.format})`;
  return String(schema.type ?? 'any');
}

function defaultOf(schema: Json): string {
  if (!('default' in schema)) return '';
  const value = schema.default;
  if (value && typeof value === 'object' && !Array.isArray(value)) return '';
  return `\`${JSON.stringify(value)}\``;
}

/** Paths whose children repeat a section documented elsewhere in the table. */
const MIRRORS: Record<string, string> = {
  'tenants[].detectors': 'the keys of `detectors`, each optional; merged over the top-level values',
  'tenants[].notifications.routing[]': 'the same rule as `notifiers.routing[]`',
};

function isSecretRef(schema: Json): boolean {
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  return !!variants?.every((v) => {
    const keys = Object.keys((v.properties as Json) ?? {});
    return v.type === 'object' && keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file');
  });
}

function rowsOf(schema: Json, path: string, rows: ConfigReferenceRow[]): void {
  const properties = schema.properties as Record<string, Json> | undefined;
  if (!properties) return;
  for (const [name, child] of Object.entries(properties)) {
    const childPath = path ? `${path}.${name}` : name;
    const mirror = MIRRORS[childPath] ?? MIRRORS[`${childPath}[]`];
    const description = [child.description as string | undefined, mirror ? `Holds ${mirror}.` : undefined]
      .filter(Boolean)
      .join(' ');
    rows.push({
      path: childPath,
      type: typeOf(child),
      default: defaultOf(child),
      description,
      discriminator: name === 'type' && child.const !== undefined,
    });
    if (!mirror && !isSecretRef(child)) descend(child, childPath, rows);
  }
}

function descend(schema: Json, path: string, rows: ConfigReferenceRow[]): void {
  if (schema.type === 'array' && schema.items) {
    // A list of secret references is described by its own row; the reference's shape is not config.
    if (!isSecretRef(schema.items as Json)) descend(schema.items as Json, `${path}[]`, rows);
    return;
  }
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (variants) {
    for (const variant of variants) {
      const discriminator = (variant.properties as Record<string, Json> | undefined)?.type?.const;
      descend(variant, discriminator ? `${path} (type: ${String(discriminator)})` : path, rows);
    }
    return;
  }
  if (schema.type === 'object') rowsOf(schema, path, rows);
}

/** Every key of the configuration, in the order the schema declares them. */
export function configReferenceRows(): ConfigReferenceRow[] {
  const published = PUBLISHED_SCHEMAS.find((p) => p.file.startsWith('pimwatch-config.'));
  if (!published) throw new Error('the configuration has no published JSON Schema');
  const schema = JSON.parse(renderJsonSchema(published)) as Json;
  const rows: ConfigReferenceRow[] = [];
  rowsOf(schema, '', rows);
  return rows;
}

/** The reference as a Markdown table. */
export function renderConfigReference(): string {
  const rows = configReferenceRows();
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = ['| key | type | default | meaning |', '|---|---|---|---|'];
  for (const row of rows) {
    lines.push(`| \`${row.path}\` | ${row.type} | ${row.default} | ${cell(row.description)} |`);
  }
  return lines.join('\n');
}

export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

/** `text` with what lies between two marker comments replaced by `content` (generated README sections). */
export function replaceBetweenMarkers(text: string, startMarker: string, endMarker: string, content: string) {
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  if (start < 0 || end < start) throw new Error(`README.md has no ${startMarker} ... ${endMarker} markers`);
  return `${text.slice(0, start + startMarker.length)}\n${content}\n${text.slice(end)}`;
}

/** The README with its reference section replaced by a fresh one. */
export function withConfigReference(readme: string, reference: string): string {
  return replaceBetweenMarkers(readme, REFERENCE_START, REFERENCE_END, reference);
}

// `npm run config-reference` rewrites the README's reference section.
if (process.argv[1]?.endsWith('config-reference.ts')) {
  const { writeFileSync } = await import('node:fs');
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync('README.md', withConfigReference(readme, renderConfigReference()));
  process.stdout.write('README.md: configuration reference updated\n');
}
