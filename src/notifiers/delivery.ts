/**
 * What one delivery attempt came to. Senders return it instead of throwing for anything expected, and
 * the notify job decides from it alone: `delivered` is done, `permanent` is recorded with its reason and
 * never retried, `retryable` is retried with backoff (or after `retryAfterMs` when the receiver said so).
 *
 * `maybeDelivered` marks a retryable failure after which the receiver may still have accepted the
 * message (a timeout once the request was on its way): the job should only retry it where the receiver
 * deduplicates (webhooks on the event id, mail on the Message-ID).
 */
export type DeliveryOutcome =
  /** `note`: delivered with a caveat worth recording (e.g. one of several recipients refused). */
  | { status: 'delivered'; note?: string }
  | { status: 'retryable'; reason: string; retryAfterMs?: number; maybeDelivered?: boolean }
  | { status: 'permanent'; reason: string };

export const delivered: DeliveryOutcome = { status: 'delivered' };

export function permanent(reason: string): DeliveryOutcome {
  return { status: 'permanent', reason };
}

export function retryable(
  reason: string,
  extra: { retryAfterMs?: number; maybeDelivered?: boolean } = {},
): DeliveryOutcome {
  return { status: 'retryable', reason, ...extra };
}

/** 408 (request timeout) and 429 (too many requests) are the client errors worth trying again. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

/** How the outcome of an HTTP answer reads: 2xx delivered; 408, 429, 5xx retryable; other 4xx (and 3xx) permanent. */
export function outcomeOfStatus(
  status: number,
  what: string,
  options: { retryAfter?: string; detail?: string; now: Date },
): DeliveryOutcome {
  if (status >= 200 && status < 300) return delivered;
  const detail = options.detail ? `: ${options.detail}` : '';
  const reason = `${what} answered ${status}${detail}`;
  if (isRetryableStatus(status)) {
    const retryAfterMs = parseRetryAfter(options.retryAfter, options.now);
    return retryable(reason, retryAfterMs !== undefined ? { retryAfterMs } : {});
  }
  if (status >= 300 && status < 400)
    return permanent(`${what} answered ${status} (a redirect, which is not followed)`);
  return permanent(reason);
}

export interface BackoffSettings {
  /** `notifiers.delivery.backoffMs`: the first retry's delay, doubled for each further attempt. */
  backoffMs: number;
  /** `notifiers.delivery.maxDelayMs`. */
  maxDelayMs: number;
}

/**
 * How long the job waits before the next attempt: the receiver's `Retry-After` when it gave one, else
 * exponential backoff; never longer than `maxDelayMs`. `attemptsMade` counts the attempts so far (>= 1).
 */
export function retryDelayMs(
  outcome: DeliveryOutcome,
  attemptsMade: number,
  settings: BackoffSettings,
): number {
  const backoff = settings.backoffMs * 2 ** Math.max(0, attemptsMade - 1);
  const wanted =
    outcome.status === 'retryable' && outcome.retryAfterMs !== undefined ? outcome.retryAfterMs : backoff;
  return Math.min(settings.maxDelayMs, Math.max(0, wanted));
}

/**
 * Keeps secrets out of reasons that quote a receiver or a library: URLs (a Workflows URL is a
 * credential) and `sig=` parameters are cut, and the text is kept short for logs and records.
 */
export function sanitizeReason(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  out = out
    .replace(/\b(?:https?|wss?):\/\/[^\s"'<>]+/gi, '[URL]')
    .replace(/\bsig=[^&\s"']+/gi, 'sig=[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return out.length > 300 ? `${out.slice(0, 299)}…` : out;
}
