import { createHash, createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startTestEmulator, TENANT_ID, type TestEmulator } from './helpers.js';

const CLIENT = 'console-app';
const REDIRECT = 'http://127.0.0.1:9/auth/callback';
const VERIFIER = 'a-code-verifier-long-enough-for-rfc-7636-0123456789';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');
const ADA = '0a0a0a0a-0000-4000-8000-00000000000a';
const BOB = '0b0b0b0b-0000-4000-8000-00000000000b';
const GROUP = '0c0c0c0c-0000-4000-8000-00000000000c';

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('emulated Entra ID: browser sign-in (authorization code with PKCE)', () => {
  let t: TestEmulator;
  const root = () => `${t.emu.authorityHost}/${TENANT_ID}`;

  async function send(method: string, url: string, form?: Record<string, string>) {
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      ...(form
        ? {
            body: new URLSearchParams(form).toString(),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }
        : {}),
      dispatcher: t.trust.dispatcher,
    } as RequestInit);
    return {
      status: response.status,
      location: response.headers.get('location'),
      headers: response.headers,
      text: await response.text(),
    };
  }

  const authorizeParams = (extra: Record<string, string> = {}) => ({
    client_id: CLIENT,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid profile',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...extra,
  });

  async function codeFor(username: string): Promise<string> {
    const signedIn = await send('POST', `${root()}/oauth2/v2.0/authorize`, {
      ...authorizeParams(),
      username,
    });
    expect(signedIn.status).toBe(302);
    const back = new URL(signedIn.location!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('state-1');
    return back.searchParams.get('code')!;
  }

  const redeem = (code: string, verifier = VERIFIER) =>
    send('POST', `${root()}/oauth2/v2.0/token`, {
      grant_type: 'authorization_code',
      client_id: CLIENT,
      client_secret: 'console-secret',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });

  beforeAll(async () => {
    t = await startTestEmulator(
      fixture(
        {
          users: [
            { id: ADA, displayName: 'Ada <b>"Admin"</b>', userPrincipalName: 'ada@contoso.example' },
            { id: BOB, displayName: 'Bob', userPrincipalName: 'bob@contoso.example' },
          ],
          [`groups/${GROUP}/members`]: [{ id: ADA }],
        },
        {
          applications: [{ clientId: CLIENT, clientSecret: 'console-secret' }],
          appRoleAssignments: [{ clientId: CLIENT, principalId: ADA, value: 'Console.Operator' }],
        },
      ),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('publishes the authorize endpoint and a signing key', async () => {
    const discovery = await t.get(`/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
    expect(discovery.json?.authorization_endpoint).toBe(`${root()}/oauth2/v2.0/authorize`);
    const keys = await t.get(`/${TENANT_ID}/discovery/v2.0/keys`);
    expect(keys.json?.keys).toHaveLength(1);
  });

  it("shows a sign-in form listing the fixture's users, names escaped", async () => {
    const query = new URLSearchParams(authorizeParams()).toString();
    const form = await send('GET', `${root()}/oauth2/v2.0/authorize?${query}`);
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toContain('text/html');
    expect(form.text).toContain('Ada &lt;b&gt;&quot;Admin&quot;&lt;/b&gt; (ada@contoso.example)');
    expect(form.text).not.toContain('<b>');
  });

  it('refuses an authorize request without a PKCE challenge', async () => {
    const query = new URLSearchParams(authorizeParams({ code_challenge: '' })).toString();
    expect((await send('GET', `${root()}/oauth2/v2.0/authorize?${query}`)).status).toBe(400);
  });

  it('redeems a code once, with the right verifier, for an RS256 ID token carrying roles and groups', async () => {
    const wrong = await redeem(await codeFor('ada@contoso.example'), 'not-the-verifier');
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('AADSTS50148');

    const code = await codeFor('ada@contoso.example');
    const ok = await redeem(code);
    expect(ok.status).toBe(200);
    const idToken = (JSON.parse(ok.text) as { id_token: string }).id_token;
    const [header, payload, signature] = idToken.split('.') as [string, string, string];
    const keys = (await t.get(`/${TENANT_ID}/discovery/v2.0/keys`)).json?.keys as (JsonWebKey & {
      kid: string;
    })[];
    const key = keys.find((k) => k.kid === decode(header).kid)!;
    expect(decode(header).alg).toBe('RS256');
    expect(
      verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        createPublicKey({ key, format: 'jwk' }),
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true);
    expect(decode(payload)).toMatchObject({
      iss: `${root()}/v2.0`,
      aud: CLIENT,
      tid: TENANT_ID,
      oid: ADA,
      nonce: 'nonce-1',
      preferred_username: 'ada@contoso.example',
      roles: ['Console.Operator'],
      groups: [GROUP],
    });

    const replay = await redeem(code);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('AADSTS70008');
  });

  it('a user without assignments gets a token without roles; a wrong client secret gets none', async () => {
    const bob = await redeem(await codeFor('bob@contoso.example'));
    const claims = decode((JSON.parse(bob.text) as { id_token: string }).id_token.split('.')[1]!);
    expect(claims.oid).toBe(BOB);
    expect(claims.roles).toBeUndefined();
    const code = await codeFor('bob@contoso.example');
    const badSecret = await send('POST', `${root()}/oauth2/v2.0/token`, {
      grant_type: 'authorization_code',
      client_id: CLIENT,
      client_secret: 'wrong',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    });
    expect(badSecret.status).toBe(401);
  });
});
