import nodemailer from 'nodemailer';
import { type DeliveryOutcome, delivered, permanent, retryable, sanitizeReason } from './delivery.js';
import { AUTOMATED_MAIL_HEADERS, type RenderedEmail } from './email.js';

export interface SmtpServer {
  host: string;
  port: number;
  secure: boolean;
  requireTls: boolean;
  username?: string;
  /** The resolved password. */
  password?: string;
}

export interface SmtpDelivery {
  channel: string;
  server: SmtpServer;
  from: string;
  to: readonly string[];
  email: RenderedEmail;
  /** `<...>`: the same on every attempt, so mail systems can recognise a resend. */
  messageId: string;
  timeoutMs: number;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  command?: string;
  message?: string;
}

/** Settings mistakes: resending the same message to the same server cannot succeed. */
const PERMANENT_CODES = new Set([
  'EAUTH',
  'ENOAUTH',
  'ETLS',
  'EREQUIRETLS',
  'ECONFIG',
  'EENVELOPE',
  'EMESSAGE',
]);

/**
 * SMTP reply codes decide first: 5xx is a refusal (permanent), 4xx a deferral (retry). Without a reply,
 * connection trouble is retried and settings mistakes are not. A connection that broke after the
 * message was handed over may still have delivered it.
 */
export function smtpOutcome(error: unknown, channel: string, secrets: readonly string[]): DeliveryOutcome {
  const e = (error ?? {}) as SmtpError;
  const reason = `SMTP for channel ${channel}: ${sanitizeReason(e.message ?? String(error), secrets)}`;
  if (typeof e.responseCode === 'number') {
    return e.responseCode >= 500 ? permanent(reason) : retryable(reason);
  }
  if (e.code && PERMANENT_CODES.has(e.code)) return permanent(reason);
  const beforeSending = e.command === 'CONN' || e.code === 'EDNS';
  return retryable(reason, { maybeDelivered: !beforeSending });
}

/** How long a whole SMTP exchange may take: nodemailer's own timeouts are per phase, this bounds them all. */
export function smtpDeadlineMs(timeoutMs: number): number {
  return timeoutMs * 2;
}

/** Sends one rendered mail through an SMTP relay, one connection per message (notifications are rare). */
export async function sendSmtpMail(delivery: SmtpDelivery): Promise<DeliveryOutcome> {
  const { server } = delivery;
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure,
    requireTLS: server.requireTls,
    ...(server.username && server.password ? { auth: { user: server.username, pass: server.password } } : {}),
    connectionTimeout: delivery.timeoutMs,
    greetingTimeout: delivery.timeoutMs,
    socketTimeout: delivery.timeoutMs,
    logger: false,
  });
  const secrets = server.password ? [server.password] : [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DeliveryOutcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          retryable(`SMTP for channel ${delivery.channel} did not finish within ${delivery.timeoutMs} ms`, {
            maybeDelivered: true,
          }),
        ),
      smtpDeadlineMs(delivery.timeoutMs),
    );
  });
  const attempt = transport
    .sendMail({
      from: delivery.from,
      to: [...delivery.to],
      subject: delivery.email.subject,
      text: delivery.email.text,
      html: delivery.email.html,
      messageId: delivery.messageId,
      headers: { ...AUTOMATED_MAIL_HEADERS },
    })
    .then(
      (info): DeliveryOutcome => {
        const refused = (info.rejected ?? []).map(String);
        if (refused.length === 0) return delivered;
        return {
          status: 'delivered',
          note: `the server refused ${refused.length} of ${delivery.to.length} recipients: ${refused.join(', ')}`,
        };
      },
      (error: unknown) => smtpOutcome(error, delivery.channel, secrets),
    );
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
