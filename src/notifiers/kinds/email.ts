import { z } from 'zod';
import { secretRefSchema } from '../../config/secret.js';
import { channelSchema } from '../channel-config.js';
import { type ChannelContext, defineChannelKind, errorReason, withSecret } from '../channel-kind.js';
import { type DeliveryOutcome, permanent } from '../delivery.js';
import { messageIdDomain, messageIdFor, type RenderedEmail, renderEmail, senderOf } from '../email.js';
import { type GraphMailClient, sendGraphMail } from '../send-graph-mail.js';
import { sendSmtpMail, smtpDeadlineMs } from '../send-smtp.js';

const smtpTransportSchema = z
  .object({
    type: z.literal('smtp').meta({ description: 'Send through an SMTP server.' }),
    host: z.string().min(1, 'required').meta({ description: 'The host name of the SMTP server.' }),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .default(587)
      .meta({ description: 'The port of the SMTP server.' }),
    secure: z.boolean().default(false).meta({
      description: 'TLS from the first byte (port 465). With `false`, STARTTLS is used when offered.',
    }),
    requireTls: z.boolean().default(true).meta({
      description: 'Refuse to send when the server does not offer STARTTLS (ignored with `secure`).',
    }),
    username: z.string().min(1).optional().meta({ description: 'The SMTP login; needs `password`.' }),
    password: secretRefSchema.optional().meta({ description: 'The SMTP password, a secret reference.' }),
  })
  .strict()
  .refine((t) => (t.username === undefined) === (t.password === undefined), {
    message: 'username and password go together',
    path: ['password'],
  });

const graphTransportSchema = z
  .object({
    type: z.literal('graph').meta({ description: 'Send through Microsoft Graph `sendMail`.' }),
    tenantId: z.guid('must be the id (a GUID) of a configured tenant').meta({
      description:
        'The configured tenant whose app registration sends the mail; it needs the `Mail.Send` application permission.',
    }),
    mailbox: z
      .string()
      .min(1, 'required')
      .meta({ description: 'The mailbox mail is sent from: a user id or user principal name.' }),
  })
  .strict();

const emailChannelSchema = channelSchema({
  from: z.email('must be an email address').optional().meta({
    description:
      'The sender address. Required for SMTP; with Graph the mailbox sends and this, when set, must be it.',
  }),
  to: z
    .array(z.email('must be an email address'))
    .min(1, 'name at least one recipient')
    .meta({ description: 'The recipients.' }),
  subjectPrefix: z
    .string()
    .max(40)
    .default('[pimwatch]')
    .meta({ description: 'Put in front of every subject.' }),
  mode: z.enum(['perTransition', 'digest']).default('digest').meta({
    description: '`digest`: one mail per scan with every change; `perTransition`: one mail per change.',
  }),
  transport: z
    .discriminatedUnion('type', [smtpTransportSchema, graphTransportSchema])
    .meta({ description: 'How mail leaves: an SMTP server, or Graph `sendMail` as a configured tenant.' }),
  messageIdDomain: z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name')
    .optional()
    .meta({
      description:
        "The domain in each mail's Message-ID (`<key@domain>`). Defaults to the sender's domain (`from`, or the Graph mailbox).",
    }),
}).refine((c) => c.transport.type !== 'smtp' || c.from !== undefined, {
  message: 'required for an SMTP transport',
  path: ['from'],
});
export type EmailChannelConfig = z.output<typeof emailChannelSchema>;

/** Sends what a render made: the mail, and the Message-ID a receiver drops a second copy by. */
type MailSend = (rendered: { email: RenderedEmail; messageId: string }) => Promise<DeliveryOutcome>;
type SmtpTransport = Extract<EmailChannelConfig['transport'], { type: 'smtp' }>;
type GraphTransport = Extract<EmailChannelConfig['transport'], { type: 'graph' }>;

function graphSend(
  config: EmailChannelConfig,
  transport: GraphTransport,
  context: ChannelContext,
  timeoutMs: number,
): MailSend {
  const sessionFor = context.deps.graphSessionFor;
  if (!sessionFor) {
    throw new Error(`email channel ${config.name} sends through Graph, but no Graph session was provided`);
  }
  return async (rendered) => {
    let http: GraphMailClient;
    try {
      http = await sessionFor(transport.tenantId);
    } catch (error) {
      return permanent(`no Graph session for tenant ${transport.tenantId}: ${errorReason(error)}`);
    }
    return sendGraphMail({
      channel: config.name,
      http,
      mailbox: transport.mailbox,
      ...(config.from ? { from: config.from } : {}),
      to: config.to,
      email: rendered.email,
      timeoutMs,
    });
  };
}

function smtpSend(
  config: EmailChannelConfig,
  transport: SmtpTransport,
  context: ChannelContext,
  timeoutMs: number,
): MailSend {
  return (rendered) => {
    const send = (password?: string): Promise<DeliveryOutcome> =>
      sendSmtpMail({
        channel: config.name,
        server: {
          host: transport.host,
          port: transport.port,
          secure: transport.secure,
          requireTls: transport.requireTls,
          ...(transport.username && password !== undefined ? { username: transport.username, password } : {}),
        },
        from: config.from!,
        to: config.to,
        email: rendered.email,
        messageId: rendered.messageId,
        timeoutMs,
      });
    return transport.password
      ? withSecret(context, transport.password, `SMTP password for channel ${config.name}`, send)
      : send();
  };
}

/** Mail through SMTP or Graph `sendMail`: a digest per scan, or one mail per change. */
export const emailKind = defineChannelKind({
  configKey: 'email',
  description: 'Email channels, sending through SMTP or Microsoft Graph.',
  schema: emailChannelSchema,
  mode: (config) => config.mode,
  build(config, context) {
    const { timeoutMs } = context;
    const transport = config.transport;
    const domain = messageIdDomain({ messageIdDomain: config.messageIdDomain, from: senderOf(config) });
    return {
      sendTimeoutMs: transport.type === 'smtp' ? smtpDeadlineMs(timeoutMs) : timeoutMs,
      render: (transitions, ctx, base) => ({
        email: renderEmail(transitions, ctx, { subjectPrefix: config.subjectPrefix }),
        messageId: messageIdFor(base.deliveryKey, domain),
      }),
      send:
        transport.type === 'graph'
          ? graphSend(config, transport, context, timeoutMs)
          : smtpSend(config, transport, context, timeoutMs),
    };
  },
  configIssues(config, whole) {
    const transport = config.transport;
    if (transport.type !== 'graph' || whole.tenantIds.has(transport.tenantId.toLowerCase())) return [];
    return [
      {
        path: ['transport', 'tenantId'],
        message: `email channel "${config.name}" sends through tenant ${transport.tenantId}, which is not configured`,
      },
    ];
  },
  // Mail carries a Message-ID derived from the delivery, which mail systems deduplicate on.
  canDeduplicate: true,
});
