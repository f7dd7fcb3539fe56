import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphSession } from '../../src/graph/session.js';
import { renderEmail } from '../../src/notifiers/email.js';
import { sendGraphMail } from '../../src/notifiers/send-graph-mail.js';
import { type SmtpDelivery, sendSmtpMail } from '../../src/notifiers/send-smtp.js';
import { type EmulatedTenant, startEmulatedTenant } from '../../src/scan/emulated-tenant.js';
import { demoFixture } from '../support/demo-fixture.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { CTX, scanOfTransitions } from './sample-transitions.js';

const email = renderEmail(scanOfTransitions(), CTX);
const RECIPIENTS = ['soc@contoso.example', 'oncall@contoso.example'];

describe('sendSmtpMail', () => {
  let sink: SmtpSink;
  let delivery: SmtpDelivery;
  beforeAll(async () => {
    sink = await startSmtpSink();
    delivery = {
      channel: 'mail',
      server: { host: sink.host, port: sink.port, secure: false, requireTls: false },
      from: 'pimwatch@contoso.example',
      to: RECIPIENTS,
      email,
      messageId: '<mail-3f2a@contoso.example>',
      timeoutMs: 5000,
    };
  });
  afterAll(() => sink.close());

  it('delivers a mail whose subject, recipients, both bodies and links survive the round trip', async () => {
    expect(await sendSmtpMail(delivery)).toEqual({ status: 'delivered' });
    const mail = sink.mails.at(-1)!;
    expect(mail.envelope).toEqual({ from: 'pimwatch@contoso.example', to: RECIPIENTS });
    expect(mail.to).toEqual(RECIPIENTS);
    expect(mail.from).toBe('pimwatch@contoso.example');
    expect(mail.subject).toBe('[pimwatch] Contoso: 2 high, 3 medium, 6 low – 11 PIM alert changes');
    expect(mail.messageId).toBe('<mail-3f2a@contoso.example>');
    expect(mail.text?.trim()).toBe(email.text.trim());
    expect(mail.html).toBe(email.html);
    // One link per alert and the closing one: a digest groups changes by alert.
    expect(mail.htmlLinks.length).toBe(8);
    // RFC 3834: responders such as out-of-office replies must not answer.
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(
      mail.htmlLinks.every((l) => l.startsWith(`https://entra.microsoft.com/${CTX.tenantId}/#view/`)),
    ).toBe(true);
    expect(mail.htmlLinks).toContain(
      `https://entra.microsoft.com/${CTX.tenantId}/#view/Microsoft_Azure_PIMCommon/AlertDetail/providerId/aadroles/alertId/RolesAssignedOutsidePimAlert/resourceId/${CTX.tenantId}`,
    );
    for (const link of mail.htmlLinks) expect(mail.text).toContain(link);
  });

  it('treats a refusal (5xx) as permanent and a deferral (4xx) as retryable', async () => {
    sink.rejectRecipient('gone@contoso.example', 550, 'No such user here');
    sink.rejectRecipient('busy@contoso.example', 451, 'Mailbox busy, try later');
    const refused = await sendSmtpMail({ ...delivery, to: ['gone@contoso.example'] });
    expect(refused).toMatchObject({
      status: 'permanent',
      reason: expect.stringContaining('550 No such user here'),
    });
    const deferred = await sendSmtpMail({ ...delivery, to: ['busy@contoso.example'] });
    expect(deferred).toMatchObject({
      status: 'retryable',
      reason: expect.stringContaining('451 Mailbox busy'),
    });
  });

  it('delivers to the recipients that were accepted when another is refused', async () => {
    const before = sink.mails.length;
    sink.rejectRecipient('gone@contoso.example', 550, 'No such user here');
    expect(await sendSmtpMail({ ...delivery, to: ['soc@contoso.example', 'gone@contoso.example'] })).toEqual({
      status: 'delivered',
      note: 'the server refused 1 of 2 recipients: gone@contoso.example',
    });
    expect(sink.mails.slice(before).map((m) => m.envelope.to)).toEqual([['soc@contoso.example']]);
  });

  it('reports a server that is not there as retryable and not delivered', async () => {
    const closed = await startSmtpSink();
    const port = closed.port;
    await closed.close();
    const outcome = await sendSmtpMail({ ...delivery, server: { ...delivery.server, port } });
    expect(outcome).toMatchObject({ status: 'retryable', maybeDelivered: false });
  });

  it('refuses to send in the clear when TLS is required and the server offers none', async () => {
    const outcome = await sendSmtpMail({ ...delivery, server: { ...delivery.server, requireTls: true } });
    expect(outcome.status).toBe('permanent');
  });
});

describe('sendGraphMail', () => {
  let tenant: EmulatedTenant;
  let session: GraphSession;
  const MAILBOX = 'pimwatch-notify@harbourlinefreight.onmicrosoft.com';
  beforeAll(async () => {
    const fixture = await demoFixture();
    fixture.resources.users!.push({
      id: 'b5f0c1de-2a41-4c6e-9d33-0c7a1e2f4b58',
      userPrincipalName: MAILBOX,
      displayName: 'pimwatch',
    });
    tenant = await startEmulatedTenant(fixture);
    session = tenant.openSession();
  });
  afterAll(async () => {
    await session.close();
    await tenant.close();
  });

  it('sends the HTML mail from the mailbox, without saving it to Sent Items', async () => {
    const outcome = await sendGraphMail({
      channel: 'graph-mail',
      http: session.http,
      mailbox: MAILBOX,
      to: RECIPIENTS,
      email,
      timeoutMs: 10_000,
    });
    expect(outcome).toEqual({ status: 'delivered' });
    const sent = tenant.emulator.sentMail.at(-1)!;
    expect(sent).toMatchObject({
      sender: MAILBOX,
      senderId: 'b5f0c1de-2a41-4c6e-9d33-0c7a1e2f4b58',
      saveToSentItems: false,
    });
    expect(sent.message).toEqual({
      subject: email.subject,
      body: { contentType: 'HTML', content: email.html },
      toRecipients: RECIPIENTS.map((address) => ({ emailAddress: { address } })),
    });
  });

  it('records an unknown mailbox as a permanent failure with its reason', async () => {
    const outcome = await sendGraphMail({
      channel: 'graph-mail',
      http: session.http,
      mailbox: 'nobody@harbourlinefreight.onmicrosoft.com',
      to: RECIPIENTS,
      email,
      timeoutMs: 10_000,
    });
    expect(outcome).toMatchObject({
      status: 'permanent',
      reason: expect.stringMatching(/^Graph sendMail for channel graph-mail answered 404: ErrorInvalidUser/),
    });
  });
});

describe('sendGraphMail without Mail.Send', () => {
  let tenant: EmulatedTenant;
  let session: GraphSession;
  beforeAll(async () => {
    const fixture = await demoFixture({
      applications: [
        {
          clientId: 'pimwatch-reader',
          clientSecret: 'reader-secret',
          permissions: ['RoleManagement.Read.Directory'],
        },
      ],
    });
    tenant = await startEmulatedTenant(fixture);
    session = tenant.openSession();
  });
  afterAll(async () => {
    await session.close();
    await tenant.close();
  });

  it('fails permanently and says which permission is missing', async () => {
    const fixture = await demoFixture();
    const user = String(fixture.resources.users![0]!.id);
    const outcome = await sendGraphMail({
      channel: 'graph-mail',
      http: session.http,
      mailbox: user,
      to: RECIPIENTS,
      email,
      timeoutMs: 10_000,
    });
    expect(outcome).toMatchObject({
      status: 'permanent',
      reason: expect.stringContaining('needs the Mail.Send application permission'),
    });
    expect(tenant.emulator.sentMail).toHaveLength(0);
  });
});
