import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startTestEmulator, type TestEmulator } from './helpers.js';

const message = {
  subject: 'pimwatch: 2 new incidents',
  body: { contentType: 'HTML', content: '<p>hello</p>' },
  toRecipients: [{ emailAddress: { address: 'soc@contoso.example' } }],
};

describe('sendMail', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator(
      fixture(
        { users: [{ id: 'mailer', userPrincipalName: 'pimwatch@contoso.example' }] },
        {
          applications: [
            { clientId: 'mailer-app', permissions: ['Mail.Send'] },
            { clientId: 'no-mail-app', permissions: [] },
          ],
        },
      ),
    );
  });
  afterAll(() => t.close());

  const send = (sender: string, body: unknown, token?: string) =>
    t.request('POST', `/v1.0/users/${sender}/sendMail`, { body, ...(token ? { token } : {}) });

  it('accepts a message with 202 and records it', async () => {
    const reply = await send('mailer', { message, saveToSentItems: false }, t.emu.issueToken('mailer-app'));
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
    expect(t.emu.sentMail.at(-1)).toMatchObject({
      sender: 'mailer',
      senderId: 'mailer',
      saveToSentItems: false,
      message,
    });
  });

  it('accepts the sender by user principal name', async () => {
    const before = t.emu.sentMail.length;
    expect((await send('pimwatch@contoso.example', { message }, t.emu.issueToken('mailer-app'))).status).toBe(
      202,
    );
    expect(t.emu.sentMail).toHaveLength(before + 1);
    expect(t.emu.sentMail.at(-1)?.senderId).toBe('mailer');
  });

  it('refuses messages without a subject or valid recipients, recording nothing', async () => {
    const before = t.emu.sentMail.length;
    const token = t.emu.issueToken('mailer-app');
    const noSubject = await send('mailer', { message: { ...message, subject: undefined } }, token);
    expect(noSubject.status).toBe(400);
    const noRecipients = await send('mailer', { message: { ...message, toRecipients: [] } }, token);
    expect(noRecipients.status).toBe(400);
    expect(noRecipients.json).toMatchObject({ error: { code: 'ErrorInvalidRecipients' } });
    const badAddress = await send(
      'mailer',
      { message: { ...message, toRecipients: [{ emailAddress: { address: 'nobody' } }] } },
      token,
    );
    expect(badAddress.status).toBe(400);
    expect((await send('mailer', {}, token)).status).toBe(400);
    expect(t.emu.sentMail).toHaveLength(before);
  });

  it('answers an unknown sender with 404 and an app without Mail.Send with 403', async () => {
    expect((await send('ghost', { message }, t.emu.issueToken('mailer-app'))).status).toBe(404);
    const denied = await send('mailer', { message }, t.emu.issueToken('no-mail-app'));
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
  });
});
