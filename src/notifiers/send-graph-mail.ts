import type { GraphFailure } from '../graph/errors.js';
import type { GraphHttp } from '../graph/http.js';
import {
  type DeliveryOutcome,
  delivered,
  isRetryableStatus,
  permanent,
  retryable,
  sanitizeReason,
} from './delivery.js';
import type { RenderedEmail } from './email.js';

/** The part of a Graph session mail needs. */
export type GraphMailClient = Pick<GraphHttp, 'send'>;

export interface GraphMailDelivery {
  channel: string;
  http: GraphMailClient;
  /** The sending mailbox: a user id or user principal name. */
  mailbox: string;
  /** Sets the message's `from` (needs Send As on that address); absent: the mailbox sends as itself. */
  from?: string;
  to: readonly string[];
  email: RenderedEmail;
  timeoutMs: number;
}

/**
 * The `sendMail` request body. Graph's message has one body, so the HTML is sent and the plain-text
 * rendering is not (mail clients derive one); `saveToSentItems: false` keeps a service mailbox from
 * filling up with notifications. No `Auto-Submitted` header: Graph takes only `x-` custom headers,
 * UNCONFIRMED (docs/unconfirmed-graph-facts.md).
 */
export function graphSendMailBody(delivery: Pick<GraphMailDelivery, 'from' | 'to' | 'email'>): unknown {
  return {
    message: {
      subject: delivery.email.subject,
      body: { contentType: 'HTML', content: delivery.email.html },
      toRecipients: delivery.to.map((address) => ({ emailAddress: { address } })),
      ...(delivery.from ? { from: { emailAddress: { address: delivery.from } } } : {}),
    },
    saveToSentItems: false,
  };
}

const HINTS: Readonly<Record<number, string>> = {
  403: 'the app registration needs the Mail.Send application permission, with admin consent',
  404: 'the mailbox does not exist in the tenant',
};

export function graphMailOutcome(failure: GraphFailure, channel: string): DeliveryOutcome {
  const what = `Graph sendMail for channel ${channel}`;
  const detail = sanitizeReason([failure.code, failure.message].filter(Boolean).join(': '));
  switch (failure.kind) {
    case 'http': {
      const status = failure.status ?? 0;
      const hint = HINTS[status] ? ` (${HINTS[status]})` : '';
      const reason = `${what} answered ${status}: ${detail}${hint}`;
      return isRetryableStatus(status) ? retryable(reason) : permanent(reason);
    }
    case 'auth':
      return permanent(`${what}: ${detail}`);
    case 'timeout':
      return retryable(`${what}: ${detail}`, { maybeDelivered: true });
    default:
      return retryable(`${what}: ${detail}`, { maybeDelivered: true });
  }
}

/** Sends one rendered mail through Graph (`POST /users/{mailbox}/sendMail`, answered 202). */
export async function sendGraphMail(delivery: GraphMailDelivery): Promise<DeliveryOutcome> {
  let timer: NodeJS.Timeout | undefined;
  // GraphHttp has its own per-request timeout and retries; this bounds the whole attempt for the job.
  const deadline = new Promise<DeliveryOutcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          retryable(
            `Graph sendMail for channel ${delivery.channel} did not finish within ${delivery.timeoutMs} ms`,
            {
              maybeDelivered: true,
            },
          ),
        ),
      delivery.timeoutMs,
    );
  });
  const attempt = delivery.http
    .send({
      method: 'POST',
      version: 'v1.0',
      path: `users/${encodeURIComponent(delivery.mailbox)}/sendMail`,
      body: graphSendMailBody(delivery),
      throttle: 'directory',
    })
    .then(
      (result): DeliveryOutcome =>
        result.ok ? delivered : graphMailOutcome(result.failure, delivery.channel),
      (error: unknown): DeliveryOutcome =>
        // Only a credential that cannot get a token at all is thrown: a settings problem.
        permanent(
          `Graph sendMail for channel ${delivery.channel}: ${sanitizeReason(error instanceof Error ? error.message : String(error))}`,
        ),
    );
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
