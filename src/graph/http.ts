import { setTimeout as sleep } from 'node:timers/promises';
import type { TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  ResponseType,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { GraphRequestCounts } from '../model/snapshot.js';
import { Semaphore } from '../util/semaphore.js';
import { type GraphFailure, type GraphResult, parseGraphError } from './errors.js';
import { batchCapacity, type RateLimits, type ThrottleClass, tenantRateLimiter } from './rate-limits.js';
import type { Trust } from './trust.js';

export type GraphVersion = 'v1.0' | 'beta';

export interface GraphRequestSpec {
  method?: 'GET' | 'POST' | 'PATCH';
  version: GraphVersion;
  /** The path after the version segment (`users`), or an absolute `@odata.nextLink`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Which of Graph's throttles this request draws on. */
  throttle: ThrottleClass;
  /** Counts the request against this name (a snapshot source) in `countsByTag`. */
  tag?: string;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface GraphHttpOptions {
  tenantId: string;
  baseUrl: string;
  credential: TokenCredential;
  trust?: Trust;
  maxConcurrency: number;
  requestTimeoutMs: number;
  maxRetries: number;
  maxRetryDelayMs: number;
  rateLimits: RateLimits;
  /** Background scans ask Graph to throttle them before interactive traffic. */
  priority?: 'Low' | 'Normal' | 'High';
  logger?: Logger;
  /** Told about every wait worth showing a person: a retry's delay, or pacing under a throttle. */
  onWait?: (wait: GraphWait) => void;
  /**
   * Told the final outcome of every request (after retries; each `$batch` item on its own, with its own
   * spec): `pimwatch capture` records a scan's answers through it.
   */
  onResult?: GraphResultObserver;
  /** Aborts the session's work (a cancelled scan job): no request is sent or retried after it fires. */
  signal?: AbortSignal;
}

export type GraphResultObserver = (spec: GraphRequestSpec, result: GraphResult<GraphResponse>) => void;

/**
 * A wait the HTTP layer is about to make (`retry`: Graph answered 429, 503 or 504, or did not answer;
 * `delayMs` known) or is already making (`pacing`: a request has waited over a second for a throttle's
 * budget, `delayMs` unknown).
 */
export type GraphWait =
  | { reason: 'retry'; delayMs: number; throttled: boolean }
  | { reason: 'pacing'; throttle: ThrottleClass };

/** A request held back this long by pacing is worth a word on the progress line. */
const PACING_NOTICE_MS = 1000;

const RETRYABLE_STATUS = new Set([429, 503, 504]);
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
/** Graph's documented maximum of requests in one JSON batch. */
export const MAX_BATCH_REQUESTS = 20;

/**
 * The only place pimwatch sends HTTP to Graph. It owns authentication (through the official Graph
 * client and an @azure/identity credential), the per-tenant concurrency limit, client-side pacing
 * under Graph's published throttles, retries of 429/503/504 and broken responses (honouring
 * `Retry-After`, capped), and request counting. Expected failures come back as values.
 */
export class GraphHttp {
  readonly counts: GraphRequestCounts = { http: 0, logical: 0, throttled: 0, retried: 0 };
  readonly countsByTag = new Map<string, number>();
  private readonly client: Client;
  private readonly slots: Semaphore;
  private readonly limiter;
  private readonly log: Logger;
  private readonly origin: string;

  constructor(private readonly options: GraphHttpOptions) {
    const base = new URL(options.baseUrl);
    this.origin = base.origin;
    const authProvider = new TokenCredentialAuthenticationProvider(options.credential, {
      scopes: [GRAPH_SCOPE],
    });
    this.client = Client.initWithMiddleware({
      // Our own retry loop replaces the client's RetryHandler: it must count, cap and log each retry.
      middleware: [new AuthenticationHandler(authProvider), new HTTPMessageHandler()],
      baseUrl: this.origin,
      // The client only attaches tokens to Graph's own hosts and to these (bare hostnames, https only).
      customHosts: new Set([base.hostname]),
      ...(options.trust?.dispatcher
        ? { fetchOptions: { dispatcher: options.trust.dispatcher } as RequestInit }
        : {}),
    });
    this.slots = new Semaphore(options.maxConcurrency);
    this.limiter = tenantRateLimiter(options.tenantId, options.baseUrl, options.rateLimits);
    this.log = options.logger ?? silentLogger;
  }

  /** Fails fast with the credential's own message when no token can be had (bad secret, unknown app). */
  async checkCredential(): Promise<void> {
    await this.accessToken();
  }

  /** The Graph access token the credential gets (for `doctor`, which reads its `roles`; never logged). */
  async accessToken(): Promise<string> {
    const token = await this.options.credential.getToken(GRAPH_SCOPE);
    if (!token) throw new Error('the credential returned no token');
    return token.token;
  }

  async send(spec: GraphRequestSpec): Promise<GraphResult<GraphResponse>> {
    let attempt = 0;
    for (;;) {
      await this.paced(spec.throttle, 1);
      this.count(spec.tag, 1);
      const result = await this.slots.run(() => this.sendOnce(spec));
      const retry = this.retryDecision(result, attempt);
      if (!retry) {
        const final: GraphResult<GraphResponse> = result.ok
          ? { ok: true, value: result.value }
          : { ok: false, failure: result.failure };
        this.options.onResult?.(spec, final);
        return final;
      }
      if (retry.throttled) this.limiter.drain(spec.throttle);
      attempt += 1;
      this.counts.retried += 1;
      this.log.debug({ path: describePath(spec), attempt, delayMs: retry.delayMs }, 'graph request retried');
      this.retryWait(retry);
      await this.pause(retry.delayMs);
    }
  }

  /**
   * Sends GET requests in JSON batches of at most 20, retrying only the inner requests Graph throttled
   * or could not serve. Results come back in the order of `specs` (Graph answers in any order).
   */
  async batch(version: GraphVersion, specs: GraphRequestSpec[]): Promise<GraphResult<GraphResponse>[]> {
    const results: GraphResult<GraphResponse>[] = new Array(specs.length);
    // A batch never holds more requests of one throttle than that throttle's whole budget, or Graph
    // would answer the surplus with 429 straight away.
    const size = Math.min(
      MAX_BATCH_REQUESTS,
      ...specs.map((s) => batchCapacity(s.throttle, this.options.rateLimits)),
    );
    const chunks: number[][] = [];
    for (let i = 0; i < specs.length; i += size) {
      chunks.push(specs.slice(i, i + size).map((_, j) => i + j));
    }
    await Promise.all(
      chunks.map(async (indexes) => {
        const done = await this.batchChunk(
          version,
          indexes.map((i) => specs[i]!),
        );
        done.forEach((result, j) => {
          results[indexes[j]!] = result;
          this.options.onResult?.(specs[indexes[j]!]!, result);
        });
      }),
    );
    return results;
  }

  private async batchChunk(
    version: GraphVersion,
    specs: GraphRequestSpec[],
  ): Promise<GraphResult<GraphResponse>[]> {
    const results: (GraphResult<GraphResponse> | undefined)[] = new Array(specs.length);
    let pending = specs.map((_, i) => i);
    let attempt = 0;
    while (pending.length > 0) {
      // Inner requests draw on their own throttles one by one, as Graph counts them.
      for (const cls of new Set(pending.map((i) => specs[i]!.throttle))) {
        await this.paced(cls, pending.filter((i) => specs[i]!.throttle === cls).length);
      }
      for (const i of pending) this.count(specs[i]!.tag, 1);
      const body = {
        requests: pending.map((i) => ({
          id: String(i),
          method: 'GET',
          url: `/${relativeUrl(specs[i]!, this.origin)}`,
        })),
      };
      const outer = await this.slots.run(() =>
        this.sendOnce({ method: 'POST', version, path: '$batch', body, throttle: 'directory' }),
      );
      if (!outer.ok) {
        const retry = this.retryDecision(outer, attempt);
        if (!retry) {
          for (const i of pending) results[i] = { ok: false, failure: outer.failure };
          break;
        }
        attempt += 1;
        this.counts.retried += pending.length;
        this.retryWait(retry);
        await this.pause(retry.delayMs);
        continue;
      }
      const inner = readBatchResponses(outer.value.body);
      if (!inner) {
        for (const i of pending) results[i] = invalidBatch(specs[i]!, version);
        break;
      }
      const stillPending: number[] = [];
      let delayMs = 0;
      let throttled = false;
      for (const i of pending) {
        const spec = specs[i]!;
        const answer = inner.get(String(i));
        const result:
          | GraphResult<GraphResponse>
          | { ok: false; failure: GraphFailure; retryAfterMs?: number } =
          answer === undefined
            ? {
                ok: false,
                failure: failureOf(spec, 'invalidResponse', 'the $batch response had no answer for it'),
              }
            : innerResult(spec, answer);
        const decision = this.retryDecision(
          result.ok
            ? { ok: true, value: result.value }
            : { ok: false, failure: result.failure, ...retryAfterOf(answer) },
          attempt,
        );
        if (decision) {
          stillPending.push(i);
          delayMs = Math.max(delayMs, decision.delayMs);
          throttled ||= decision.throttled;
          if (decision.throttled) this.counts.throttled += 1;
        } else {
          results[i] = result.ok ? result : { ok: false, failure: result.failure };
        }
      }
      if (stillPending.length === 0) break;
      if (throttled) for (const i of stillPending) this.limiter.drain(specs[i]!.throttle);
      attempt += 1;
      this.counts.retried += stillPending.length;
      this.log.debug(
        { version, retrying: stillPending.length, attempt, delayMs },
        'graph batch requests retried',
      );
      this.retryWait({ delayMs, throttled });
      await this.pause(delayMs);
      pending = stillPending;
    }
    return results.map(
      (r, i) => r ?? { ok: false, failure: failureOf(specs[i]!, 'invalidResponse', 'no answer from $batch') },
    );
  }

  /** Takes throttle budget, saying so when that holds the request back for a while. */
  private async paced(cls: ThrottleClass, count: number): Promise<void> {
    const onWait = this.options.onWait;
    if (!onWait) return this.limiter.take(cls, count);
    const notice = setTimeout(() => onWait({ reason: 'pacing', throttle: cls }), PACING_NOTICE_MS);
    try {
      await this.limiter.take(cls, count);
    } finally {
      clearTimeout(notice);
    }
  }

  /** A retry's wait, cut short (by throwing) when the session is aborted. */
  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, this.options.signal ? { signal: this.options.signal } : undefined);
  }

  private retryWait(retry: { delayMs: number; throttled: boolean }): void {
    this.options.onWait?.({ reason: 'retry', delayMs: retry.delayMs, throttled: retry.throttled });
  }

  private count(tag: string | undefined, n: number): void {
    this.counts.logical += n;
    if (tag) this.countsByTag.set(tag, (this.countsByTag.get(tag) ?? 0) + n);
  }

  private retryDecision(
    result: { ok: true; value: GraphResponse } | { ok: false; failure: GraphFailure; retryAfterMs?: number },
    attempt: number,
  ): { delayMs: number; throttled: boolean } | undefined {
    if (result.ok) return undefined;
    const f = result.failure;
    const transient =
      (f.kind === 'http' && f.status !== undefined && RETRYABLE_STATUS.has(f.status)) ||
      f.kind === 'network' ||
      f.kind === 'timeout' ||
      f.kind === 'invalidResponse';
    if (!transient || attempt >= this.options.maxRetries) return undefined;
    const throttled = f.status === 429;
    const backoff = Math.min(this.options.maxRetryDelayMs, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    const delayMs =
      result.retryAfterMs !== undefined
        ? Math.min(this.options.maxRetryDelayMs, result.retryAfterMs)
        : backoff;
    return { delayMs: Math.max(0, Math.round(delayMs)), throttled };
  }

  private async sendOnce(
    spec: GraphRequestSpec,
  ): Promise<
    { ok: true; value: GraphResponse } | { ok: false; failure: GraphFailure; retryAfterMs?: number }
  > {
    const method = spec.method ?? 'GET';
    const abort = this.options.signal;
    abort?.throwIfAborted();
    this.counts.http += 1;
    const url = absoluteUrl(spec, this.origin);
    let response: Response;
    try {
      let request = this.client
        .api(url)
        .responseType(ResponseType.RAW)
        .option('signal', requestSignal(this.options.requestTimeoutMs, abort));
      if (this.options.priority) request = request.header('x-ms-throttle-priority', this.options.priority);
      response =
        method === 'GET'
          ? await request.get()
          : method === 'POST'
            ? await request.post(spec.body ?? null)
            : await request.patch(spec.body ?? {});
    } catch (error) {
      // Aborted on purpose: that is no failed request to record or retry.
      abort?.throwIfAborted();
      return { ok: false, failure: transportFailure(spec, error) };
    }
    const headers = Object.fromEntries(response.headers.entries());
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      return { ok: false, failure: transportFailure(spec, error) };
    }
    let body: unknown = null;
    if (text.length > 0 && (headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch (error) {
        return {
          ok: false,
          failure: failureOf(
            spec,
            'invalidResponse',
            `response is not valid JSON (${(error as Error).message}); ${text.length} bytes received, truncated?`,
            response.status,
          ),
        };
      }
    }
    if (response.status === 429) this.counts.throttled += 1;
    if (response.status >= 400) {
      const graphError = parseGraphError(body);
      return {
        ok: false,
        failure: {
          ...failureOf(
            spec,
            'http',
            graphError.message ?? response.statusText ?? 'request failed',
            response.status,
          ),
          ...(graphError.code ? { code: graphError.code } : {}),
          ...(graphError.requestId ? { requestId: graphError.requestId } : {}),
        },
        ...retryAfterMsOf(headers['retry-after']),
      };
    }
    return { ok: true, value: { status: response.status, headers, body } };
  }
}

/** `GET v1.0/users` for logs: the path without the query, which can be long and hold ids. */
function describePath(spec: GraphRequestSpec): string {
  return `${spec.method ?? 'GET'} ${spec.version}/${pathOf(spec)}`;
}

/** The Graph path a request reads, without version segment or query (also for an absolute next link). */
export function pathOf(spec: GraphRequestSpec): string {
  if (!/^https:\/\//.test(spec.path)) return spec.path.replace(/^\//, '').split('?')[0]!;
  const url = new URL(spec.path);
  return url.pathname.replace(/^\/(v1\.0|beta)\//, '');
}

function queryString(query: Record<string, string> | undefined): string {
  if (!query) return '';
  const parts = Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function absoluteUrl(spec: GraphRequestSpec, origin: string): string {
  if (/^https:\/\//.test(spec.path)) return spec.path;
  return `${origin}/${spec.version}/${spec.path.replace(/^\//, '')}${queryString(spec.query)}`;
}

/** A batch item's URL: relative and without the version segment (Graph rejects `/v1.0/...` inside a batch). */
function relativeUrl(spec: GraphRequestSpec, origin: string): string {
  if (/^https:\/\//.test(spec.path)) {
    const url = new URL(spec.path);
    if (url.origin !== origin) throw new Error(`refusing to follow a link to another host: ${url.origin}`);
    return `${url.pathname.replace(/^\/(v1\.0|beta)\//, '')}${url.search}`;
  }
  return `${spec.path.replace(/^\//, '')}${queryString(spec.query)}`;
}

function failureOf(
  spec: GraphRequestSpec,
  kind: GraphFailure['kind'],
  message: string,
  status?: number,
): GraphFailure {
  return {
    kind,
    method: spec.method ?? 'GET',
    path: pathOf(spec),
    version: spec.version,
    message,
    ...(status !== undefined ? { status } : {}),
  };
}

function transportFailure(spec: GraphRequestSpec, error: unknown): GraphFailure {
  const err = error as {
    name?: string;
    message?: string;
    code?: string;
    statusCode?: number;
    cause?: unknown;
  };
  const text = `${err.message ?? ''} ${String((err.cause as { message?: string } | undefined)?.message ?? '')}`;
  if (err.name === 'TimeoutError' || /aborted due to timeout|TimeoutError/i.test(text)) {
    return failureOf(spec, 'timeout', 'no answer within the request timeout');
  }
  if (/AADSTS|AuthenticationRequired|CredentialUnavailable|authentication/i.test(`${err.name} ${text}`)) {
    return failureOf(spec, 'auth', `could not get a token: ${firstLine(err.message)}`);
  }
  return failureOf(spec, 'network', firstLine(err.message ?? String(error)));
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.slice(0, 300);
}

function retryAfterMsOf(header: string | undefined): { retryAfterMs?: number } {
  if (!header) return {};
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return { retryAfterMs: Math.max(0, seconds * 1000) };
  const date = Date.parse(header);
  return Number.isNaN(date) ? {} : { retryAfterMs: Math.max(0, date - Date.now()) };
}

/** A request's own timeout, and the session's abort when it has one. */
function requestSignal(timeoutMs: number, abort: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return abort ? AbortSignal.any([timeout, abort]) : timeout;
}

interface BatchAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

function readBatchResponses(body: unknown): Map<string, BatchAnswer> | undefined {
  const responses = (body as { responses?: unknown } | null)?.responses;
  if (!Array.isArray(responses)) return undefined;
  const byId = new Map<string, BatchAnswer>();
  for (const r of responses) {
    if (r && typeof r === 'object' && typeof (r as { id?: unknown }).id === 'string') {
      byId.set((r as { id: string }).id, r as BatchAnswer);
    }
  }
  return byId;
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

function retryAfterOf(answer: BatchAnswer | undefined): { retryAfterMs?: number } {
  return retryAfterMsOf(lowerKeys(answer?.headers)['retry-after']);
}

function innerResult(
  spec: GraphRequestSpec,
  answer: BatchAnswer,
): GraphResult<GraphResponse> & { retryAfterMs?: number } {
  const headers = lowerKeys(answer.headers);
  if (answer.status >= 400) {
    const graphError = parseGraphError(answer.body);
    return {
      ok: false,
      failure: {
        ...failureOf(spec, 'http', graphError.message ?? 'request failed', answer.status),
        ...(graphError.code ? { code: graphError.code } : {}),
      },
    };
  }
  // Graph base64-encodes inner bodies that are not JSON; ours are always JSON objects.
  if (typeof answer.body === 'string') {
    try {
      return { ok: true, value: { status: answer.status, headers, body: JSON.parse(answer.body) } };
    } catch {
      return {
        ok: false,
        failure: failureOf(spec, 'invalidResponse', 'batch item body is not JSON', answer.status),
      };
    }
  }
  return { ok: true, value: { status: answer.status, headers, body: answer.body ?? null } };
}

function invalidBatch(spec: GraphRequestSpec, version: GraphVersion): GraphResult<GraphResponse> {
  return {
    ok: false,
    failure: failureOf(spec, 'invalidResponse', `the ${version}/$batch response has no "responses" array`),
  };
}
