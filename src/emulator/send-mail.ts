import { GraphRequestError } from './graph-error.js';
import { emptyResponse, type GraphResponse } from './graph-request.js';
import type { TenantStore } from './tenant-store.js';

/** A message the emulator accepted through `POST users/{id}/sendMail`. */
export interface SentMail {
  /** The id or user principal name as the request addressed the sender. */
  sender: string;
  /** The sender's object id when the tenant has the user. */
  senderId: string;
  message: MailMessage;
  saveToSentItems: boolean;
  receivedAt: string;
}

export interface MailMessage {
  subject: string;
  toRecipients: Array<{ emailAddress: { address: string; name?: string } }>;
  [property: string]: unknown;
}

/** Checks a sendMail body the way Exchange does for the fields a notifier must get right, then records it. */
export function acceptSendMail(
  store: TenantStore,
  sender: string,
  body: unknown,
  outbox: SentMail[],
): GraphResponse {
  const user = store.get('users')?.get(sender);
  if (!user)
    throw new GraphRequestError(404, 'ErrorInvalidUser', `The requested user '${sender}' is invalid.`);
  if (!isObject(body) || !isObject(body.message)) {
    throw new GraphRequestError(400, 'ErrorInvalidRequest', 'The request body must contain a message.');
  }
  const message = body.message;
  if (typeof message.subject !== 'string') {
    throw new GraphRequestError(400, 'ErrorInvalidRequest', 'The message must have a subject.');
  }
  const recipients = message.toRecipients;
  const valid =
    Array.isArray(recipients) &&
    recipients.length > 0 &&
    recipients.every(
      (r) =>
        isObject(r) &&
        isObject(r.emailAddress) &&
        typeof r.emailAddress.address === 'string' &&
        /.+@.+/.test(r.emailAddress.address),
    );
  if (!valid) {
    throw new GraphRequestError(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid.');
  }
  outbox.push({
    sender,
    senderId: String(user.id),
    message: message as MailMessage,
    saveToSentItems: body.saveToSentItems !== false,
    receivedAt: new Date().toISOString(),
  });
  return emptyResponse(202);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
