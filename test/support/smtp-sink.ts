import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

/** One message the sink accepted, parsed with mailparser. */
export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  subject: string | undefined;
  /** The To header's addresses. */
  to: string[];
  from: string | undefined;
  messageId: string | undefined;
  html: string | false | undefined;
  text: string | undefined;
  /** Every `href` in the HTML body, entities decoded. */
  htmlLinks: string[];
  /** The message's headers, names in lower case. */
  headers: Map<string, unknown>;
}

export interface SmtpSink {
  host: '127.0.0.1';
  port: number;
  mails: ReceivedMail[];
  /** Answers RCPT TO for this address with `code` (e.g. 550 refused, 451 try later). */
  rejectRecipient(address: string, code: number, message?: string): void;
  close(): Promise<void>;
}

function addresses(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((entry: { value?: { address?: string }[] }) =>
    (entry.value ?? []).map((a) => a.address ?? '').filter(Boolean),
  );
}

function hrefs(html: string | false | undefined): string[] {
  if (!html) return [];
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) =>
    m[1]!
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&'),
  );
}

/**
 * A local SMTP server for the email notifier's round trip: plain SMTP on 127.0.0.1 (STARTTLS switched off,
 * as a test relay, accepting any login), every message parsed with mailparser, recipients refusable per
 * address.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const rejections = new Map<string, { code: number; message: string }>();
  const server = new SMTPServer({
    authOptional: true,
    // A test relay: any user name and password are accepted, over plain SMTP.
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const rejection = rejections.get(address.address.toLowerCase());
      if (!rejection) return callback();
      const error = new Error(rejection.message) as Error & { responseCode: number };
      error.responseCode = rejection.code;
      callback(error);
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            subject: mail.subject,
            to: addresses(mail.to),
            from: addresses(mail.from)[0],
            messageId: mail.messageId,
            html: mail.html,
            text: mail.text,
            htmlLinks: hrefs(mail.html),
            headers: mail.headers,
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    mails,
    rejectRecipient(address, code, message = code >= 500 ? 'mailbox unavailable' : 'try again later') {
      rejections.set(address.toLowerCase(), { code, message });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
