import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenRegistry } from '../../src/emulator/token-registry.js';
import { createCredential } from '../../src/graph/credential.js';
import { ALERTS_ROOT, fixture, startTestEmulator, TENANT_ID, type TestEmulator, values } from './helpers.js';

const SCOPE = 'https://graph.microsoft.com/.default';

async function rsaCertificate(): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: 'pimwatch test app' }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
  });
  return { cert: pems.cert, key: pems.private };
}

describe('authentication', () => {
  let t: TestEmulator;
  let dir: string;
  let goodCertPath: string;
  let otherCertPath: string;

  beforeAll(async () => {
    const [good, other] = await Promise.all([rsaCertificate(), rsaCertificate()]);
    dir = await mkdtemp(join(tmpdir(), 'pimwatch-auth-test-'));
    goodCertPath = join(dir, 'good.pem');
    otherCertPath = join(dir, 'other.pem');
    await writeFile(goodCertPath, `${good.key}\n${good.cert}`);
    await writeFile(otherCertPath, `${other.key}\n${other.cert}`);
    t = await startTestEmulator(
      fixture(
        {
          users: [{ id: 'u1', displayName: 'Ada' }],
          [`${ALERTS_ROOT}/alerts`]: [{ id: 'a1', scopeId: '/', scopeType: 'DirectoryRole' }],
        },
        {
          applications: [
            {
              clientId: 'reader-app',
              clientSecret: 'correct horse',
              permissions: ['RoleManagementAlert.Read.Directory', 'User.Read.All'],
            },
            {
              clientId: 'cert-app',
              certificate: good.cert,
              permissions: ['RoleManagementAlert.ReadWrite.Directory', 'User.Read.All'],
            },
          ],
        },
      ),
    );
    process.env.PIMWATCH_TEST_SECRET_GOOD = 'correct horse';
    process.env.PIMWATCH_TEST_SECRET_BAD = 'battery staple';
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const secretCredential = (clientId: string, env: string) =>
    createCredential(
      TENANT_ID,
      { type: 'clientSecret', clientId, clientSecret: { env } },
      { authorityHost: t.emu.authorityHost, trust: t.trust },
    );
  const certificateCredential = (certificatePath: string) =>
    createCredential(
      TENANT_ID,
      { type: 'certificate', clientId: 'cert-app', certificatePath, sendCertificateChain: false },
      { authorityHost: t.emu.authorityHost, trust: t.trust },
    );

  it('refuses Graph requests without a token, or with one it did not issue', async () => {
    const none = await t.request('GET', '/v1.0/users', { token: null });
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({
      error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' },
    });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const forged = await t.request('GET', '/v1.0/users', { token: 'made-up' });
    expect(forged.status).toBe(401);
    expect(forged.json).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  });

  it('issues a token to ClientSecretCredential that Graph routes accept', async () => {
    const token = await secretCredential('reader-app', 'PIMWATCH_TEST_SECRET_GOOD').getToken(SCOPE);
    expect(token?.token).toBeTruthy();
    // About an hour, as Entra issues them.
    expect(token!.expiresOnTimestamp - Date.now()).toBeGreaterThan(3000 * 1000);
    const reply = await t.request('GET', '/v1.0/users', { token: token!.token });
    expect(reply.status).toBe(200);
    expect(values(reply.json)).toHaveLength(1);
  });

  it('issues a token for another resource with that audience, which Graph refuses as Graph does', async () => {
    const credential = secretCredential('reader-app', 'PIMWATCH_TEST_SECRET_GOOD');
    const monitor = await credential.getToken('https://monitor.azure.com/.default');
    const checked = t.emu.inspectToken(monitor!.token);
    expect(checked).toMatchObject({ ok: true, info: { audience: 'https://monitor.azure.com' } });
    const reply = await t.request('GET', '/v1.0/users', { token: monitor!.token });
    expect(reply.status).toBe(401);
    expect(reply.json).toMatchObject({
      error: {
        code: 'InvalidAuthenticationToken',
        message: 'Access token validation failure. Invalid audience.',
      },
    });
    const graph = await credential.getToken(SCOPE);
    expect(t.emu.inspectToken(graph!.token)).toMatchObject({
      info: { audience: 'https://graph.microsoft.com' },
    });
  });

  it('refuses a wrong secret with invalid_client AADSTS7000215', async () => {
    await expect(secretCredential('reader-app', 'PIMWATCH_TEST_SECRET_BAD').getToken(SCOPE)).rejects.toThrow(
      /invalid_client.*AADSTS7000215/s,
    );
  });

  it('refuses an unknown client with unauthorized_client', async () => {
    await expect(secretCredential('nobody', 'PIMWATCH_TEST_SECRET_GOOD').getToken(SCOPE)).rejects.toThrow(
      /unauthorized_client.*700016/s,
    );
  });

  it('issues a token to ClientCertificateCredential signed by the registered certificate', async () => {
    const token = await certificateCredential(goodCertPath).getToken(SCOPE);
    expect(token?.token).toBeTruthy();
    expect((await t.request('GET', '/v1.0/users', { token: token!.token })).status).toBe(200);
  });

  it('refuses an assertion signed by another key', async () => {
    await expect(certificateCredential(otherCertPath).getToken(SCOPE)).rejects.toThrow(/AADSTS700027/);
  });

  it("carries the app's permissions: writes need RoleManagementAlert.ReadWrite.Directory", async () => {
    const reader = await secretCredential('reader-app', 'PIMWATCH_TEST_SECRET_GOOD').getToken(SCOPE);
    const writer = await certificateCredential(goodCertPath).getToken(SCOPE);
    const refresh = (token: string) =>
      t.request('POST', `/beta/${ALERTS_ROOT}/alerts/refresh`, {
        token,
        body: { scopeId: '/', scopeType: 'DirectoryRole' },
      });
    const denied = await refresh(reader!.token);
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
    expect((await refresh(writer!.token)).status).toBe(202);
  });

  it('counts token requests apart from Graph requests', () => {
    expect(t.emu.stats.tokenRequests).toBeGreaterThan(0);
  });
});

describe('token registry', () => {
  it('tells an expired token from an unknown one', () => {
    let now = 0;
    const tokens = new TokenRegistry(() => now);
    const token = tokens.issue({ clientId: 'app', tenantId: TENANT_ID, permissions: undefined });
    expect(tokens.check(token)).toMatchObject({ ok: true, info: { clientId: 'app' } });
    now += 3599 * 1000;
    expect(tokens.check(token)).toEqual({ ok: false, reason: 'expired' });
    expect(tokens.check('other')).toEqual({ ok: false, reason: 'unknown' });
  });
});
