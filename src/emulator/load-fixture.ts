import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { visit } from 'jsonc-parser';
import { FixtureError, formatIssues } from '../errors.js';
import { fixtureSchema, type TenantFixture } from '../fixture-format/schema.js';
import { packageRoot } from '../package-info.js';
import { fixtureViolations } from './fixture-rules.js';

/**
 * Reads and validates a tenant fixture. Every failure is a FixtureError naming the file and what is
 * wrong with it (missing, not JSON with line and column, or each schema problem by path), fit to print
 * to a person as it is.
 */
export async function loadFixture(path: string): Promise<TenantFixture> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FixtureError(`fixture file ${path} not found`);
    if (code === 'EISDIR') throw new FixtureError(`fixture file ${path} is a directory, not a file`);
    throw new FixtureError(`cannot read fixture file ${path} (${code ?? 'unreadable'})`);
  }
  return parseFixture(text, path);
}

/** Validates fixture JSON text; `source` names it in errors. */
export function parseFixture(text: string, source: string): TenantFixture {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FixtureError(`fixture file ${source} is not valid JSON: ${describeJsonError(error, text)}`);
  }
  // reportInput lets the messages tell a missing value from a wrong one.
  const parsed = fixtureSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues);
    throw new FixtureError(
      `fixture file ${source} is not a valid tenant fixture:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  const duplicates = duplicateIds(parsed.data);
  if (duplicates.length > 0) {
    throw new FixtureError(
      `fixture file ${source} is not a valid tenant fixture:\n${duplicates.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  refuseEntraViolations(parsed.data, source);
  return parsed.data;
}

/** How many broken rules an error lists before summing up the rest. */
const MAX_LISTED_VIOLATIONS = 20;

/** A fixture must describe a tenant Entra could hold (design section 9); lists what breaks that. */
function refuseEntraViolations(fixture: TenantFixture, source: string): void {
  const violations = fixtureViolations(fixture);
  if (violations.length === 0) return;
  const lines = violations
    .slice(0, MAX_LISTED_VIOLATIONS)
    .map((v) => `  - ${v.path}: ${v.message} [${v.rule}]`);
  if (violations.length > MAX_LISTED_VIOLATIONS) {
    lines.push(`  - ... and ${violations.length - MAX_LISTED_VIOLATIONS} more`);
  }
  throw new FixtureError(
    `fixture file ${source} describes a tenant Entra cannot hold (${violations.length} problem${violations.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
  );
}

/** An id used twice in one collection would make lookups and paging disagree. */
function duplicateIds(fixture: TenantFixture): string[] {
  const problems: string[] = [];
  for (const [path, items] of Object.entries(fixture.resources)) {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (typeof item.id !== 'string') return;
      const key = item.id.toLowerCase();
      if (seen.has(key)) problems.push(`resources.${path}[${index}].id: duplicate id '${item.id}'`);
      seen.add(key);
    });
  }
  return problems.slice(0, 20);
}

/** JSON.parse's reason, without V8's echo of the text, plus where the text goes wrong. */
function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = message
    .replace(/\s+(in|after) JSON at position \d+.*$/s, '')
    .replace(/, .*is not valid JSON$/s, '')
    .trim();
  const { line, column } = whereJsonBreaks(text);
  return `${reason} (line ${line}, column ${column})`;
}

/**
 * 1-based line and column where JSON text stops being valid. V8's JSON.parse messages give a position
 * only for some errors ("Unexpected token '}', ... is not valid JSON" has none), so a strict JSON scanner
 * finds the first error; text it finds nothing wrong with (none left, e.g. empty) breaks at its end.
 */
function whereJsonBreaks(text: string): { line: number; column: number } {
  let first: { line: number; column: number } | undefined;
  visit(
    text,
    {
      onError: (_error, _offset, _length, startLine, startCharacter) => {
        first ??= { line: startLine + 1, column: startCharacter + 1 };
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  if (first) return first;
  const lines = text.split('\n');
  return { line: lines.length, column: lines.at(-1)!.length + 1 };
}

/**
 * `demo` names the bundled demo tenant (found from the package root, so it works from `src/` under tsx
 * and from `dist/`); anything else is a path.
 */
export function resolveFixtureArg(arg: string): string {
  if (arg !== 'demo') return resolve(arg);
  let root: string;
  try {
    root = packageRoot();
  } catch {
    throw new FixtureError('cannot find the pimwatch package root for the demo fixture');
  }
  return join(root, 'fixtures', 'demo', 'tenant.json');
}
