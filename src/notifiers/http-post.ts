import { type Dispatcher, request } from 'undici';
import { type DeliveryOutcome, outcomeOfStatus, retryable, sanitizeReason } from './delivery.js';

/** One JSON POST to a webhook, reduced to a delivery outcome. Redirects are not followed. */
export interface JsonPost {
  url: URL;
  body: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Who is being called, for reasons: `Teams webhook for channel ops`. Never the URL. */
  what: string;
  /** An undici dispatcher, e.g. one trusting an extra CA (`createTrust`). @defaultValue undici's global one */
  dispatcher?: Dispatcher;
  /** Other secrets a receiver might echo back (a signing secret): cut from reasons like the URL. */
  redact?: readonly string[];
  /** @defaultValue the system clock (only used to read a `Retry-After` date) */
  now?: () => Date;
}

/** Enough of an error body to explain a refusal, without reading a large one whole. */
async function readSnippet(body: AsyncIterable<Buffer>, limit = 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Errors raised before a byte of the request could have reached the receiver. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
}

function transportOutcome(
  error: unknown,
  post: JsonPost,
  timedOut: boolean,
  secrets: string[],
): DeliveryOutcome {
  const code = errorCode(error);
  if (timedOut || (error as { name?: string })?.name === 'TimeoutError') {
    return retryable(`${post.what} did not answer within ${post.timeoutMs} ms`, { maybeDelivered: true });
  }
  const message = sanitizeReason(
    `${(error as Error)?.message ?? String(error)}${code ? ` (${code})` : ''}`,
    secrets,
  );
  return retryable(`${post.what} could not be reached: ${message}`, {
    maybeDelivered: code === undefined || !NOT_SENT_CODES.has(code),
  });
}

export async function postJson(post: JsonPost): Promise<DeliveryOutcome> {
  return (await postJsonForAnswer(post)).outcome;
}

/** What a receiver sends back on success, for the few that answer with something to act on. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * `postJson`, keeping the answer's text when it is a success (HEC's `ackId`); `answer` is undefined
 * for a failure.
 */
export async function postJsonForAnswer(
  post: JsonPost,
): Promise<{ outcome: DeliveryOutcome; answer?: string }> {
  const signal = AbortSignal.timeout(post.timeoutMs);
  // The URL is a secret: its query (a Workflows `sig=`) and often its path (intake URLs with a token
  // segment) authorise posting. Never let any part of it, not even the host, into a reason: receivers
  // quote the request line in their error pages.
  const secrets = [
    post.url.href,
    post.url.search.slice(1),
    post.url.pathname === '/' ? '' : post.url.pathname,
    post.url.host,
    post.url.hostname,
    ...(post.redact ?? []),
  ].filter((s) => s.length > 0);
  const now = post.now ?? (() => new Date());
  let status: number | undefined;
  try {
    const response = await request(post.url, {
      method: 'POST',
      body: post.body,
      headers: { 'content-type': 'application/json; charset=utf-8', ...post.headers },
      signal,
      ...(post.dispatcher ? { dispatcher: post.dispatcher } : {}),
    });
    status = response.statusCode;
    const retryAfter = headerValue(response.headers['retry-after']);
    let detail = '';
    let answer: string | undefined;
    if (status >= 300) {
      detail = await readSnippet(response.body).catch(() => '');
    } else {
      // Read what a success sends (Workflows sends nothing) so the connection can be reused.
      answer = await readSnippet(response.body, MAX_ANSWER_BYTES).catch(() => '');
    }
    const outcome = outcomeOfStatus(status, post.what, {
      now: now(),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
      ...(detail ? { detail: sanitizeReason(detail, secrets) } : {}),
    });
    return answer !== undefined ? { outcome, answer } : { outcome };
  } catch (error) {
    if (status !== undefined) return { outcome: outcomeOfStatus(status, post.what, { now: now() }) };
    return { outcome: transportOutcome(error, post, signal.aborted, secrets) };
  }
}
