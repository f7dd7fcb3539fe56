import { GraphRequestError, unsupportedQuery } from './graph-error.js';

/**
 * A small OData `$filter` parser for the forms a directory scanner uses: comparisons (`eq`, `ne`, `gt`,
 * `ge`, `lt`, `le`), `in (...)`, `and`, `startswith(...)`, nested property paths and `any` lambdas.
 * Anything else is refused the way Graph refuses a filter a service does not support, so a client that
 * relies on a form real Graph may not accept finds out in tests.
 */

export type FilterLiteral = string | number | boolean | null | { instant: Instant; text: string };

/** A point in time at Graph's precision: milliseconds plus the 100-ns ticks below them (Graph writes 7 digits). */
export interface Instant {
  ms: number;
  ticks: number;
}

export type FilterNode =
  | { type: 'and'; clauses: FilterNode[] }
  | { type: 'compare'; op: CompareOp; path: string[]; value: FilterLiteral; text: string }
  | { type: 'in'; path: string[]; values: FilterLiteral[]; text: string }
  | { type: 'startswith'; path: string[]; prefix: string; text: string }
  | { type: 'any'; path: string[]; variable: string; body: FilterNode; text: string };

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
const COMPARE_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

/** Directory queries allow at most 15 values in one `in` (Graph counts them as OR clauses). */
export const MAX_IN_VALUES = 15;

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | ':'; at: number };

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^-?\d+(\.\d+)?$/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',' || ch === ':') {
      tokens.push({ kind: 'punct', text: ch, at: i });
      i++;
    } else if (ch === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length)
          throw syntaxError(source, `unterminated string starting at position ${start}`);
        const c = source[i]!;
        if (c === "'") {
          if (source[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      tokens.push({ kind: 'string', value, at: start });
    } else {
      const start = i;
      while (i < source.length && !/[\s(),']/.test(source[i]!)) {
        // A time literal's colons belong to the word; a lambda's `t:` colon does not.
        if (source[i] === ':' && !/^\d{4}-\d{2}-\d{2}T/.test(source.slice(start, i + 1))) break;
        i++;
      }
      tokens.push({ kind: 'word', text: source.slice(start, i), at: start });
    }
  }
  return tokens;
}

function syntaxError(source: string, detail: string): GraphRequestError {
  return new GraphRequestError(400, 'BadRequest', `Invalid filter clause: ${detail} in '${source}'.`);
}

class Parser {
  private pos = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parse(): FilterNode {
    const node = this.parseAnd();
    if (this.pos < this.tokens.length) throw this.unsupportedFrom(this.tokens[this.pos]!);
    return node;
  }

  private parseAnd(): FilterNode {
    const clauses = [this.parseUnary()];
    for (;;) {
      const next = this.peek();
      if (next?.kind !== 'word') break;
      const word = next.text.toLowerCase();
      if (word === 'and') {
        this.pos++;
        clauses.push(this.parseUnary());
      } else if (word === 'or' || word === 'not') {
        throw unsupportedQuery(`Unsupported filter operator '${next.text}' in '${this.source}'.`);
      } else {
        break;
      }
    }
    return clauses.length === 1 ? clauses[0]! : { type: 'and', clauses };
  }

  private parseUnary(): FilterNode {
    const start = this.peek();
    if (!start) throw syntaxError(this.source, 'unexpected end of expression');
    if (start.kind === 'punct' && start.text === '(') {
      this.pos++;
      const inner = this.parseAnd();
      this.expectPunct(')');
      return inner;
    }
    if (start.kind !== 'word') throw this.unsupportedFrom(start);
    if (start.text.toLowerCase() === 'not') {
      throw unsupportedQuery(`Unsupported filter operator 'not' in '${this.source}'.`);
    }
    this.pos++;
    const next = this.peek();
    if (next?.kind === 'punct' && next.text === '(') {
      return this.parseCall(start);
    }
    const path = this.parsePath(start.text);
    const op = this.peek();
    if (op?.kind !== 'word') throw this.unsupportedFrom(op ?? start);
    const opName = op.text.toLowerCase();
    this.pos++;
    if (opName === 'in') return this.parseIn(path, start);
    if (!COMPARE_OPS.has(opName)) {
      throw unsupportedQuery(`Unsupported filter operator '${op.text}' in '${this.clauseText(start)}'.`);
    }
    const value = this.parseLiteral();
    return { type: 'compare', op: opName as CompareOp, path, value, text: this.clauseText(start) };
  }

  private parseCall(name: Extract<Token, { kind: 'word' }>): FilterNode {
    const fn = name.text;
    if (fn.toLowerCase() === 'startswith') {
      this.expectPunct('(');
      const arg = this.next();
      if (arg?.kind !== 'word') throw syntaxError(this.source, 'startswith needs a property');
      const path = this.parsePath(arg.text);
      this.expectPunct(',');
      const prefix = this.next();
      if (prefix?.kind !== 'string') throw syntaxError(this.source, 'startswith needs a string');
      this.expectPunct(')');
      return { type: 'startswith', path, prefix: prefix.value, text: this.clauseText(name) };
    }
    const segments = fn.split('/');
    if (segments.length > 1 && segments.at(-1)!.toLowerCase() === 'any') {
      const path = this.parsePath(segments.slice(0, -1).join('/'));
      this.expectPunct('(');
      const variable = this.next();
      if (variable?.kind !== 'word') throw syntaxError(this.source, 'any() needs a range variable');
      this.expectPunct(':');
      const body = this.parseAnd();
      this.expectPunct(')');
      return { type: 'any', path, variable: variable.text, body, text: this.clauseText(name) };
    }
    throw unsupportedQuery(`Unsupported filter function '${fn}' in '${this.source}'.`);
  }

  private parseIn(path: string[], start: Token): FilterNode {
    this.expectPunct('(');
    const values: FilterLiteral[] = [];
    if (!this.isPunct(')')) {
      values.push(this.parseLiteral());
      while (this.isPunct(',')) {
        this.pos++;
        values.push(this.parseLiteral());
      }
    }
    this.expectPunct(')');
    if (values.length > MAX_IN_VALUES) {
      throw unsupportedQuery(
        `Too many child clauses specified in search filter expression containing 'OR' operators: ${values.length}. Max allowed: ${MAX_IN_VALUES}.`,
      );
    }
    return { type: 'in', path, values, text: this.clauseText(start) };
  }

  private parsePath(text: string): string[] {
    const path = text.split('/');
    if (path.some((s) => !/^[A-Za-z_@][\w.@]*$/.test(s))) {
      throw syntaxError(this.source, `'${text}' is not a property path`);
    }
    return path;
  }

  private parseLiteral(): FilterLiteral {
    const token = this.next();
    if (!token) throw syntaxError(this.source, 'a value is missing');
    if (token.kind === 'string') return token.value;
    if (token.kind !== 'word') throw syntaxError(this.source, `unexpected '${token.text}'`);
    const text = token.text;
    const lower = text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (DATE_TIME.test(text)) {
      const instant = parseInstant(text);
      if (instant) return { instant, text };
    }
    if (GUID.test(text)) return text;
    if (NUMBER.test(text)) return Number(text);
    throw syntaxError(this.source, `'${text}' is not a literal`);
  }

  private clauseText(start: Token): string {
    const end = this.tokens[this.pos - 1];
    const endAt = end ? end.at + tokenLength(end) : this.source.length;
    return this.source.slice(start.at, endAt).trim();
  }

  private unsupportedFrom(token: Token): GraphRequestError {
    const clause = this.source.slice(token.at).trim();
    return unsupportedQuery(`Unsupported or invalid query filter clause specified: '${clause}'.`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(): Token | undefined {
    return this.tokens[this.pos++];
  }

  private isPunct(text: string): boolean {
    const token = this.peek();
    return token?.kind === 'punct' && token.text === text;
  }

  private expectPunct(text: string): void {
    const token = this.next();
    if (token?.kind !== 'punct' || token.text !== text) {
      throw syntaxError(this.source, `expected '${text}'`);
    }
  }
}

function tokenLength(token: Token): number {
  if (token.kind === 'string') return token.value.replaceAll("'", "''").length + 2;
  return token.text.length;
}

export function parseFilter(source: string): FilterNode {
  if (source.trim() === '') throw syntaxError(source, 'empty expression');
  return new Parser(source, tokenize(source)).parse();
}

/** The clauses joined by the top-level `and`s. */
export function topLevelClauses(node: FilterNode): FilterNode[] {
  return node.type === 'and' ? node.clauses.flatMap(topLevelClauses) : [node];
}

/** Every property path the filter reads (lambda bodies included, with the range variable removed). */
export function filterPaths(node: FilterNode): string[][] {
  switch (node.type) {
    case 'and':
      return node.clauses.flatMap(filterPaths);
    case 'any':
      return [node.path, ...filterPaths(node.body).map((p) => [...node.path, ...p.slice(1)])];
    default:
      return [node.path];
  }
}

/** Reads a top-level property of an item; lets the caller resolve navigations the fixture left out. */
export type PropertyReader = (item: Readonly<Record<string, unknown>>, name: string) => unknown;

const plainReader: PropertyReader = (item, name) => item[name];

export function evaluateFilter(
  node: FilterNode,
  item: Readonly<Record<string, unknown>>,
  read: PropertyReader = plainReader,
): boolean {
  return evaluate(node, item, read, new Map());
}

function evaluate(
  node: FilterNode,
  item: Readonly<Record<string, unknown>>,
  read: PropertyReader,
  scope: Map<string, unknown>,
): boolean {
  switch (node.type) {
    case 'and':
      return node.clauses.every((c) => evaluate(c, item, read, scope));
    case 'compare':
      return compare(valueAt(item, node.path, read, scope), node.op, node.value);
    case 'in': {
      const actual = valueAt(item, node.path, read, scope);
      return node.values.some((v) => compare(actual, 'eq', v));
    }
    case 'startswith': {
      const actual = valueAt(item, node.path, read, scope);
      return typeof actual === 'string' && actual.toLowerCase().startsWith(node.prefix.toLowerCase());
    }
    case 'any': {
      const collection = valueAt(item, node.path, read, scope);
      if (!Array.isArray(collection)) return false;
      return collection.some((element) =>
        evaluate(node.body, item, read, new Map([...scope, [node.variable, element]])),
      );
    }
  }
}

function valueAt(
  item: Readonly<Record<string, unknown>>,
  path: readonly string[],
  read: PropertyReader,
  scope: Map<string, unknown>,
): unknown {
  const [head, ...rest] = path;
  let current: unknown = scope.has(head!) ? scope.get(head!) : read(item, head!);
  for (const segment of rest) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return null;
    current = (current as Record<string, unknown>)[segment];
  }
  return current === undefined ? null : current;
}

function compare(actual: unknown, op: CompareOp, expected: FilterLiteral): boolean {
  if (expected === null) {
    const isNull = actual === null || actual === undefined;
    if (op === 'eq') return isNull;
    if (op === 'ne') return !isNull;
    return false;
  }
  if (actual === null || actual === undefined) return op === 'ne';
  const order = ordering(actual, expected);
  if (order === undefined) return op === 'ne';
  switch (op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
  }
}

/** Compares a stored value with a literal; undefined when they are not comparable. */
function ordering(actual: unknown, expected: Exclude<FilterLiteral, null>): number | undefined {
  if (typeof expected === 'object') {
    const instant = typeof actual === 'string' ? parseInstant(actual) : undefined;
    if (!instant) return undefined;
    return Math.sign(instant.ms - expected.instant.ms) || Math.sign(instant.ticks - expected.instant.ticks);
  }
  if (typeof expected === 'number') {
    return typeof actual === 'number' ? Math.sign(actual - expected) : undefined;
  }
  if (typeof expected === 'boolean') {
    return typeof actual === 'boolean' ? (actual === expected ? 0 : actual ? 1 : -1) : undefined;
  }
  if (typeof actual !== 'string') return undefined;
  // Directory string comparisons ignore case (ids, UPNs, enum values alike).
  const a = actual.toLowerCase();
  const b = expected.toLowerCase();
  return a === b ? 0 : a < b ? -1 : 1;
}

function parseInstant(text: string): Instant | undefined {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
  return { ms, ticks: Number(fraction.slice(3, 7).padEnd(4, '0')) };
}
