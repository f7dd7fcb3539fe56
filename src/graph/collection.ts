import type { z } from 'zod';
import type { GraphFailure } from './errors.js';
import type { GraphHttp, GraphRequestSpec, GraphResponse } from './http.js';

/** What reading one collection gave: every item, or the first failure (a partial list is never "ok"). */
export type ReadOutcome<T> = { status: 'ok'; items: T[] } | { status: 'error'; failure: GraphFailure };

interface Page {
  value: unknown[];
  nextLink: string | undefined;
}

function pageOf(spec: GraphRequestSpec, response: GraphResponse): Page | GraphFailure {
  const body = response.body as { value?: unknown; '@odata.nextLink'?: unknown } | null;
  if (!body || !Array.isArray(body.value)) {
    return {
      kind: 'invalidResponse',
      method: spec.method ?? 'GET',
      path: pathForMessage(spec),
      version: spec.version,
      message: 'response has no "value" array',
      status: response.status,
    };
  }
  const next = body['@odata.nextLink'];
  return { value: body.value, nextLink: typeof next === 'string' && next.length > 0 ? next : undefined };
}

function pathForMessage(spec: GraphRequestSpec): string {
  return /^https:\/\//.test(spec.path)
    ? new URL(spec.path).pathname.replace(/^\/(v1\.0|beta)\//, '')
    : spec.path.split('?')[0]!;
}

/**
 * Checks each item against the reader's schema at the edge and maps it into the domain model.
 * One malformed item fails the whole source, naming the path, the item and the field: a scan must not
 * quietly skip objects it could not understand.
 */
function parseItems<S extends z.ZodType, T>(
  spec: GraphRequestSpec,
  raw: unknown[],
  offset: number,
  schema: S,
  map: (item: z.infer<S>) => T,
): T[] | GraphFailure {
  const out: T[] = [];
  for (let i = 0; i < raw.length; i++) {
    const parsed = schema.safeParse(raw[i]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length ? issue.path.join('.') : '(item)';
      return {
        kind: 'invalidResponse',
        method: 'GET',
        path: pathForMessage(spec),
        version: spec.version,
        message: `item ${offset + i} is not as expected: ${field}: ${issue.message}`,
      };
    }
    out.push(map(parsed.data));
  }
  return out;
}

function isFailure(value: unknown): value is GraphFailure {
  return (
    typeof value === 'object' && value !== null && 'kind' in value && 'message' in value && 'path' in value
  );
}

/** Reads one collection to its end, following `@odata.nextLink`. */
export async function readCollection<S extends z.ZodType, T>(
  http: GraphHttp,
  spec: GraphRequestSpec,
  schema: S,
  map: (item: z.infer<S>) => T,
): Promise<ReadOutcome<T>> {
  const items: T[] = [];
  let current: GraphRequestSpec = spec;
  for (;;) {
    const result = await http.send(current);
    if (!result.ok) return { status: 'error', failure: result.failure };
    const page = pageOf(current, result.value);
    if (isFailure(page)) return { status: 'error', failure: page };
    const parsed = parseItems(spec, page.value, items.length, schema, map);
    if (isFailure(parsed)) return { status: 'error', failure: parsed };
    items.push(...parsed);
    if (!page.nextLink) return { status: 'ok', items };
    current = { ...spec, path: page.nextLink, query: undefined };
  }
}

/**
 * Reads many collections of the same kind (members of many groups, users by id in chunks) through
 * JSON batches: all first pages together, then all next pages together, until every one has ended.
 */
export async function readCollectionsBatched<S extends z.ZodType, T>(
  http: GraphHttp,
  specs: GraphRequestSpec[],
  schema: S,
  map: (item: z.infer<S>) => T,
): Promise<ReadOutcome<T>[]> {
  const outcomes: ReadOutcome<T>[] = specs.map(() => ({ status: 'ok', items: [] }));
  let round = specs.map((spec, index) => ({ index, spec }));
  while (round.length > 0) {
    const version = round[0]!.spec.version;
    const results = await http.batch(
      version,
      round.map((r) => r.spec),
    );
    const next: typeof round = [];
    results.forEach((result, k) => {
      const { index, spec } = round[k]!;
      const outcome = outcomes[index]!;
      if (outcome.status !== 'ok') return;
      if (!result.ok) {
        outcomes[index] = { status: 'error', failure: result.failure };
        return;
      }
      const page = pageOf(spec, result.value);
      if (isFailure(page)) {
        outcomes[index] = { status: 'error', failure: page };
        return;
      }
      const parsed = parseItems(specs[index]!, page.value, outcome.items.length, schema, map);
      if (isFailure(parsed)) {
        outcomes[index] = { status: 'error', failure: parsed };
        return;
      }
      outcome.items.push(...parsed);
      if (page.nextLink)
        next.push({ index, spec: { ...specs[index]!, path: page.nextLink, query: undefined } });
    });
    round = next;
  }
  return outcomes;
}
