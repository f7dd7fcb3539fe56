import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { z } from 'zod';
import { configSchema } from '../src/config/schema.js';

/**
 * The configuration reference in the README, generated from the schemas so it is never written twice:
 * structure, types, defaults and allowed values come from the zod schema (as JSON Schema); the words
 * come from the TSDoc comments on the schema's properties in the source. A comment is matched to a
 * JSON Schema object by the exact set of property names of the `z.object({...})` it sits in, which
 * identifies each object of this configuration uniquely.
 */

type Json = Record<string, unknown>;

interface Row {
  path: string;
  type: string;
  default: string;
  description: string;
}

function cleanComment(text: string): string {
  return text
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, ''))
    .join(' ')
    .replace(/@defaultValue[^@]*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

interface Commented {
  file: string;
  comments: Map<string, string>;
}

/** Property comments of every `z.object({...})` literal in the given files, keyed by their sorted key set. */
function commentsByKeySet(files: string[]): Map<string, Commented[]> {
  const found = new Map<string, Commented[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node) => {
      if (
        ts.isCallExpression(node) &&
        /(^|\.)(object|strictObject|looseObject)$/.test(node.expression.getText(source)) &&
        node.arguments[0] &&
        ts.isObjectLiteralExpression(node.arguments[0])
      ) {
        const literal = node.arguments[0];
        const comments = new Map<string, string>();
        const keys: string[] = [];
        for (const property of literal.properties) {
          const name =
            property.name && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))
              ? property.name.text
              : undefined;
          if (!name) continue;
          keys.push(name);
          const ranges = ts.getLeadingCommentRanges(text, property.getFullStart()) ?? [];
          const doc = ranges
            .map((r) => text.slice(r.pos, r.end))
            .filter((c) => c.startsWith('/**'))
            .pop();
          if (doc) comments.set(name, cleanComment(doc));
        }
        const key = [...keys].sort().join(',');
        found.set(key, [...(found.get(key) ?? []), { file, comments }]);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.push(path);
    }
  };
  for (const dir of ['config', 'detectors', 'notifiers', 'jobs', 'api', 'reconcile', 'console'])
    walk(join(root, dir));
  return out;
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

/** `StaleSignInAlert` -> `stale-sign-in`: the detector module holding that alert's settings. */
function moduleNameOf(segment: string): string {
  return segment
    .replace(/Alert$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/**
 * Several objects can share a key set (every detector with just `enabled` and `duration`); then the one
 * written in the module named after the parent key (the alert) is the one meant.
 */
function wordsFor(properties: Record<string, Json>, path: string, comments: Map<string, Commented[]>) {
  const candidates = comments.get(Object.keys(properties).sort().join(',')) ?? [];
  const parent = path.split('.').pop() ?? '';
  const preferred = candidates.find((c) => c.file.endsWith(`/${moduleNameOf(parent)}.ts`));
  return (preferred ?? candidates[0])?.comments ?? new Map<string, string>();
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

function rowsOf(schema: Json, path: string, comments: Map<string, Commented[]>, rows: Row[]): void {
  const properties = schema.properties as Record<string, Json> | undefined;
  if (properties) {
    const words = wordsFor(properties, path, comments);
    for (const [name, child] of Object.entries(properties)) {
      const childPath = path ? `${path}.${name}` : name;
      const mirror = MIRRORS[childPath] ?? MIRRORS[`${childPath}[]`];
      // A zod `.meta({ description })` (the detector modules' settings) stands in for a doc comment.
      const described = typeof child.description === 'string' ? child.description : undefined;
      const description = [words.get(name) || described, mirror ? `Holds ${mirror}.` : undefined]
        .filter(Boolean)
        .join(' ');
      rows.push({ path: childPath, type: typeOf(child), default: defaultOf(child), description });
      if (!mirror && !isSecretRef(child)) descend(child, childPath, comments, rows);
    }
  }
}

function descend(schema: Json, path: string, comments: Map<string, Commented[]>, rows: Row[]): void {
  if (schema.type === 'array' && schema.items) {
    descend(schema.items as Json, `${path}[]`, comments, rows);
    return;
  }
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (variants) {
    for (const variant of variants) {
      const discriminator = (variant.properties as Record<string, Json> | undefined)?.type?.const;
      descend(variant, discriminator ? `${path} (type: ${String(discriminator)})` : path, comments, rows);
    }
    return;
  }
  if (schema.type === 'object') rowsOf(schema, path, comments, rows);
}

/** The reference as a Markdown table. */
export function renderConfigReference(srcRoot = 'src'): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Json;
  const rows: Row[] = [];
  rowsOf(schema, '', commentsByKeySet(sourceFiles(srcRoot)), rows);
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
