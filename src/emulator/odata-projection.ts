import { GraphRequestError, unsupportedQuery } from './graph-error.js';

/** What a request asked to see: `$select` and `$expand`, nested inside expansions as OData allows. */
export interface Projection {
  /** Undefined: every default property. */
  select: string[] | undefined;
  expand: Expansion[];
}

export interface Expansion extends Projection {
  /** A navigation property name, or `*` for all of them. */
  name: string;
}

export function parseProjection(select: string | null, expand: string | null): Projection {
  return {
    select: select === null ? undefined : parseSelectList(select),
    expand: expand === null ? [] : parseExpandList(expand),
  };
}

function parseSelectList(text: string): string[] {
  const names = splitTopLevel(text, ',').map((s) => s.trim());
  for (const name of names) {
    if (!/^[A-Za-z_@][\w.@/]*$/.test(name) && name !== '*') {
      throw new GraphRequestError(400, 'BadRequest', `Parsing OData Select and Expand failed: '${text}'.`);
    }
  }
  return names;
}

function parseExpandList(text: string): Expansion[] {
  return splitTopLevel(text, ',').map((part) => parseExpansion(part.trim(), text));
}

function parseExpansion(part: string, whole: string): Expansion {
  const open = part.indexOf('(');
  const name = (open === -1 ? part : part.slice(0, open)).trim();
  if (!/^[A-Za-z_*][\w.]*$/.test(name) || (open !== -1 && !part.endsWith(')'))) {
    throw new GraphRequestError(400, 'BadRequest', `Parsing OData Select and Expand failed: '${whole}'.`);
  }
  const expansion: Expansion = { name, select: undefined, expand: [] };
  if (open === -1) return expansion;
  const options = part.slice(open + 1, -1);
  for (const option of splitTopLevel(options, ';')) {
    const eq = option.indexOf('=');
    const key = option.slice(0, eq).trim().toLowerCase();
    const value = option.slice(eq + 1);
    if (eq === -1) {
      throw new GraphRequestError(400, 'BadRequest', `Parsing OData Select and Expand failed: '${whole}'.`);
    }
    if (key === '$select') expansion.select = parseSelectList(value);
    else if (key === '$expand') expansion.expand = parseExpandList(value);
    else throw unsupportedQuery(`Query option '${key}' is not supported inside $expand ('${part}').`);
  }
  return expansion;
}

/** Splits on a separator that is not inside parentheses. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim() !== '');
}

/** The part of `@odata.context` after the entity set: `(a,b,nav(inner()))`, or '' for a plain request. */
export function contextSuffix(projection: Projection): string {
  const parts = [
    ...(projection.select ?? []),
    ...projection.expand.map((e) => `${e.name}(${contextSuffix(e).slice(1, -1)})`),
  ];
  return parts.length === 0 ? '' : `(${parts.join(',')})`;
}
