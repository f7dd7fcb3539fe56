import { GraphRequestError, graphErrorBody, newRequestId } from './graph-error.js';
import type { GraphRequest, GraphResponse } from './graph-request.js';

/** Graph answers a `$batch` of more than 20 requests with 400. */
export const MAX_BATCH_REQUESTS = 20;

interface InnerRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

interface InnerResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * Runs a JSON batch: each inner request goes through the router on its own (so it is counted, faulted
 * and throttled like a top-level one) and its outcome, errors and 429s included, becomes one entry of
 * `responses`. The entries come back in reverse order: Graph does not promise any order, and a client
 * that matches by position instead of by `id` should fail in tests rather than in production.
 */
export function runBatch(outer: GraphRequest, handle: (inner: GraphRequest) => GraphResponse): GraphResponse {
  const requests = parseBatch(outer.body);
  const responses: InnerResponse[] = [];
  const statusById = new Map<string, number>();
  let delayMs = 0;
  let truncate = false;
  for (const inner of requests) {
    const failedDependency = inner.dependsOn.find((id) => (statusById.get(id) ?? 0) >= 400);
    let response: GraphResponse;
    if (failedDependency !== undefined) {
      response = {
        status: 424,
        headers: {},
        body: graphErrorBody(
          'FailedDependency',
          `Request ${failedDependency}, which this request depends on, failed.`,
          {
            requestId: newRequestId(),
          },
        ),
      };
    } else {
      response = handle(innerRequest(outer, inner));
    }
    statusById.set(inner.id, response.status);
    delayMs = Math.max(delayMs, response.delayMs ?? 0);
    // A cut-off inner body cannot be expressed inside valid JSON; the whole batch answer is cut instead,
    // which is what a broken connection would do.
    truncate ||= response.truncate === true;
    const headers: Record<string, string> = { ...response.headers };
    if (response.body !== undefined) headers['Content-Type'] = 'application/json';
    responses.push({
      id: inner.id,
      status: response.status,
      headers,
      ...(response.body !== undefined ? { body: response.body } : {}),
    });
  }
  responses.reverse();
  return { status: 200, headers: {}, body: { responses }, delayMs, truncate };
}

function parseBatch(body: unknown): InnerRequest[] {
  const invalid = (detail: string) =>
    new GraphRequestError(400, 'BadRequest', `Invalid batch payload format: ${detail}.`);
  if (!isObject(body) || !Array.isArray(body.requests))
    throw invalid("the body must be an object with a 'requests' array");
  if (body.requests.length > MAX_BATCH_REQUESTS) {
    throw new GraphRequestError(
      400,
      'BadRequest',
      `Number of batch requests exceeds the limit of ${MAX_BATCH_REQUESTS}: ${body.requests.length} were sent.`,
    );
  }
  if (body.requests.length === 0) throw invalid('the batch holds no requests');
  const seen = new Set<string>();
  return body.requests.map((raw, index): InnerRequest => {
    if (!isObject(raw)) throw invalid(`request ${index} is not an object`);
    const { id, method, url } = raw;
    if (typeof id !== 'string' || id === '') throw invalid(`request ${index} has no string id`);
    if (seen.has(id)) throw invalid(`request id '${id}' is used twice`);
    if (typeof method !== 'string' || !METHODS.has(method.toUpperCase())) {
      throw invalid(`request '${id}' has no valid method`);
    }
    if (typeof url !== 'string' || url === '') throw invalid(`request '${id}' has no url`);
    const headers: Record<string, string> = {};
    if (raw.headers !== undefined) {
      if (!isObject(raw.headers)) throw invalid(`request '${id}' headers must be an object`);
      for (const [name, value] of Object.entries(raw.headers)) headers[name.toLowerCase()] = String(value);
    }
    if (raw.body !== undefined && headers['content-type'] === undefined) {
      throw invalid(`request '${id}' has a body but no Content-Type header`);
    }
    const dependsOn = raw.dependsOn === undefined ? [] : raw.dependsOn;
    if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string' || !seen.has(d))) {
      throw invalid(`request '${id}' depends on a request that does not come before it`);
    }
    seen.add(id);
    return {
      id,
      method: method.toUpperCase(),
      url,
      headers,
      body: raw.body,
      dependsOn: dependsOn as string[],
    };
  });
}

function innerRequest(outer: GraphRequest, inner: InnerRequest): GraphRequest {
  // Inner URLs are relative to the version the batch was posted to ("/users?$top=5"). One that repeats the
  // version ("/v1.0/users") or is absolute is taken as a path, whose first segment Graph does not know.
  const url = new URL(inner.url.replace(/^\/*/, '/'), 'https://batch.invalid');
  const path = url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map(safeDecode)
    .join('/');
  return {
    method: inner.method,
    version: outer.version,
    path,
    query: url.searchParams,
    headers: inner.headers,
    body: inner.body,
    caller: outer.caller,
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
