import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.js';
import { FixtureError } from '../../src/errors.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { createCredential } from '../../src/graph/credential.js';
import { createTrust, type Trust } from '../../src/graph/trust.js';
import { type Json, type Reply, values } from './helpers.js';

const SCOPE = 'https://graph.microsoft.com/.default';
const TENANT_A = 'aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa';
const TENANT_B = 'bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb';
const TENANT_C = 'cccccccc-3333-4333-8333-cccccccccccc';
const UNKNOWN_TENANT = 'dddddddd-4444-4444-8444-dddddddddddd';

/** The same multi-tenant app ("scanner") is consented in A and B, with a secret per tenant. */
const fixtureA: TenantFixture = {
  tenantId: TENANT_A,
  applications: [
    { clientId: 'scanner', clientSecret: 'secret-a' },
    { clientId: 'only-in-a', clientSecret: 'secret-only-a' },
  ],
  resources: {
    users: [
      { id: 'alice', displayName: 'Alice (A)', userPrincipalName: 'alice@a.example' },
      { id: 'shared-id', displayName: 'Shared (A)', userPrincipalName: 'shared@a.example' },
    ],
    'auditLogs/directoryAudits': [],
  },
};
const fixtureB: TenantFixture = {
  tenantId: TENANT_B,
  applications: [{ clientId: 'scanner', clientSecret: 'secret-b' }],
  resources: {
    users: [
      { id: 'bob', displayName: 'Bob (B)', userPrincipalName: 'bob@b.example' },
      { id: 'shared-id', displayName: 'Shared (B)', userPrincipalName: 'shared@b.example' },
    ],
    'auditLogs/directoryAudits': [],
  },
};
/** No applications: any client id and secret get a token. */
const fixtureC: TenantFixture = {
  tenantId: TENANT_C,
  resources: { users: [{ id: 'carol', displayName: 'Carol (C)' }] },
};

interface Client {
  emu: RunningEmulator;
  trust: Trust;
  token(tenantId: string, clientId: string, secret: string): Promise<string>;
  request(method: string, path: string, token: string | null, body?: unknown): Promise<Reply>;
  close(): Promise<void>;
}

async function startClient(options: Parameters<typeof startEmulator>[0]): Promise<Client> {
  const emu = await startEmulator(options);
  const trust = createTrust(emu.caCertPem);
  return {
    emu,
    trust,
    async token(tenantId, clientId, secret) {
      // The real client path: @azure/identity's ClientSecretCredential at the emulator's authority host.
      const credential = createCredential(
        tenantId,
        { type: 'clientSecret', clientId, clientSecret: { env: 'PIMWATCH_TEST_UNUSED' } },
        { authorityHost: emu.authorityHost, trust, readSecret: () => secret },
      );
      const token = await credential.getToken(SCOPE);
      if (!token) throw new Error('no token');
      return token.token;
    },
    async request(method, path, token, body) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${emu.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: trust.dispatcher,
      } as RequestInit);
      const text = await response.text();
      const json = text === '' ? undefined : (JSON.parse(text) as Json);
      return { status: response.status, headers: response.headers, text, json };
    },
    async close() {
      await trust.close();
      await emu.close();
    },
  };
}

describe('one emulator serving several tenants', () => {
  let c: Client;
  let tokenA: string;
  let tokenB: string;
  let tokenC: string;

  beforeAll(async () => {
    c = await startClient({ fixtures: [fixtureA, fixtureB, fixtureC] });
    [tokenA, tokenB, tokenC] = await Promise.all([
      c.token(TENANT_A, 'scanner', 'secret-a'),
      c.token(TENANT_B, 'scanner', 'secret-b'),
      c.token(TENANT_C, 'whoever', 'whatever'),
    ]);
  });
  afterAll(() => c.close());

  const displayNames = async (token: string) =>
    values((await c.request('GET', '/v1.0/users?$select=id,displayName', token, undefined)).json).map(
      (u) => u.displayName,
    );

  it("serves a tenant A token from A's fixture and never from B's", async () => {
    expect(await displayNames(tokenA)).toEqual(['Alice (A)', 'Shared (A)']);
    // An id both tenants use resolves in the token's tenant.
    const shared = await c.request('GET', '/v1.0/users/shared-id', tokenA);
    expect(shared.json).toMatchObject({ displayName: 'Shared (A)' });
    // B's user does not exist for A, by id or by user principal name.
    expect((await c.request('GET', '/v1.0/users/bob', tokenA)).status).toBe(404);
    expect((await c.request('GET', '/v1.0/users/bob@b.example', tokenA)).status).toBe(404);
    const batch = await c.request('POST', '/v1.0/$batch', tokenA, {
      requests: [
        { id: '1', method: 'GET', url: '/users/alice' },
        { id: '2', method: 'GET', url: '/users/bob' },
      ],
    });
    const statuses = (batch.json!.responses as Json[]).map((r) => [r.id, r.status]);
    expect(Object.fromEntries(statuses)).toEqual({ '1': 200, '2': 404 });
  });

  it("serves tenant B's and C's tokens from their own fixtures", async () => {
    expect(await displayNames(tokenB)).toEqual(['Bob (B)', 'Shared (B)']);
    expect((await c.request('GET', '/v1.0/users/shared-id', tokenB)).json).toMatchObject({
      displayName: 'Shared (B)',
    });
    expect((await c.request('GET', '/v1.0/users/alice', tokenB)).status).toBe(404);
    expect(await displayNames(tokenC)).toEqual(['Carol (C)']);
  });

  it("checks the applications of the tenant the token endpoint's path names", async () => {
    // A's secret is not B's.
    await expect(c.token(TENANT_B, 'scanner', 'secret-a')).rejects.toThrow(/invalid_client.*AADSTS7000215/s);
    // An app consented only in A is unknown to B.
    await expect(c.token(TENANT_B, 'only-in-a', 'secret-only-a')).rejects.toThrow(
      new RegExp(`unauthorized_client.*AADSTS700016.*directory '${TENANT_B}'`, 's'),
    );
    expect(await c.token(TENANT_A, 'only-in-a', 'secret-only-a')).toBeTruthy();
  });

  it("refuses an unknown tenant with Entra's 400 AADSTS90002", async () => {
    // MSAL asks for the tenant's OIDC metadata first and gives up there, as it does against Entra itself.
    await expect(c.token(UNKNOWN_TENANT, 'scanner', 'secret-a')).rejects.toThrow(
      /endpoints_resolution_error|AADSTS90002/,
    );
    const reply = await c.request('GET', `/${UNKNOWN_TENANT}/v2.0/.well-known/openid-configuration`, null);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    expect(String(reply.json!.error_description)).toMatch(
      new RegExp(`^AADSTS90002: Tenant '${UNKNOWN_TENANT}' not found`),
    );
    const token = await fetch(`${c.emu.baseUrl}/${UNKNOWN_TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'scanner',
        client_secret: 'secret-a',
        scope: SCOPE,
      }).toString(),
      dispatcher: c.trust.dispatcher,
    } as RequestInit);
    expect(token.status).toBe(400);
    expect(await token.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
  });

  it("publishes each tenant's own OIDC metadata", async () => {
    const reply = await c.request('GET', `/${TENANT_B}/v2.0/.well-known/openid-configuration`, null);
    expect(reply.json).toMatchObject({
      token_endpoint: `${c.emu.baseUrl}/${TENANT_B}/oauth2/v2.0/token`,
      issuer: `${c.emu.baseUrl}/${TENANT_B}/v2.0`,
    });
  });

  it('keeps faults per tenant', async () => {
    c.emu.tenant(TENANT_A).setFault('users', { status: 503, retryAfter: 1 });
    try {
      expect((await c.request('GET', '/v1.0/users', tokenA)).status).toBe(503);
      expect((await c.request('GET', '/v1.0/users', tokenB)).status).toBe(200);
      // The single-tenant shorthand is the first tenant's.
      c.emu.setFault('users', undefined);
      expect((await c.request('GET', '/v1.0/users', tokenA)).status).toBe(200);
    } finally {
      c.emu.tenant(TENANT_A).setFault('users', undefined);
    }
  });

  it('counts per tenant, and in total on the server', async () => {
    c.emu.stats.reset();
    await c.request('GET', '/v1.0/users', tokenA);
    await c.request('GET', '/v1.0/users/alice', tokenA);
    await c.request('GET', '/v1.0/users', tokenB);
    await c.request('GET', '/v1.0/users', null);
    await c.token(TENANT_B, 'scanner', 'secret-b');
    const a = c.emu.tenant(TENANT_A).stats;
    const b = c.emu.tenant(TENANT_B).stats;
    expect(a).toMatchObject({ httpRequests: 2, logicalRequests: 2, tokenRequests: 0 });
    expect(a.byPath).toEqual({ users: 1, 'users/alice': 1 });
    expect(b).toMatchObject({ httpRequests: 1, logicalRequests: 1 });
    expect(b.byPath).toEqual({ users: 1 });
    expect(b.tokenRequests).toBeGreaterThan(0);
    expect(c.emu.tenant(TENANT_C).stats.httpRequests).toBe(0);
    // The whole server: both tenants, plus the request without a token that no tenant is charged with.
    expect(c.emu.stats.httpRequests).toBe(4);
    expect(c.emu.stats.logicalRequests).toBe(3);
    expect(c.emu.stats.byPath).toEqual({ users: 2, 'users/alice': 1 });
    expect(c.emu.stats.tokenRequests).toBe(b.tokenRequests);
    c.emu.tenant(TENANT_A).stats.reset();
    expect(c.emu.stats.logicalRequests).toBe(1);
  });

  it('keeps sent mail per tenant', async () => {
    const message = {
      subject: 'hi',
      body: { contentType: 'Text', content: 'x' },
      toRecipients: [{ emailAddress: { address: 'soc@b.example' } }],
    };
    const mailToken = c.emu.tenant(TENANT_B).issueToken();
    expect((await c.request('POST', '/v1.0/users/bob/sendMail', mailToken, { message })).status).toBe(202);
    expect(c.emu.tenant(TENANT_B).sentMail).toHaveLength(1);
    expect(c.emu.tenant(TENANT_A).sentMail).toHaveLength(0);
    expect(c.emu.sentMail).toBe(c.emu.tenant(TENANT_A).sentMail);
  });

  it('lists its tenants and reaches each by id', () => {
    expect(c.emu.tenantIds).toEqual([TENANT_A, TENANT_B, TENANT_C]);
    expect(c.emu.tenantId).toBe(TENANT_A);
    expect(c.emu.tenant(TENANT_B.toUpperCase()).tenantId).toBe(TENANT_B);
    expect(() => c.emu.tenant(UNKNOWN_TENANT)).toThrow(/serves no tenant/);
  });
});

describe('throttling per tenant', () => {
  let c: Client;
  beforeAll(async () => {
    c = await startClient({ fixtures: [fixtureA, fixtureB], throttle: { enabled: true } });
  });
  afterAll(() => c.close());

  it('keeps buckets per app and tenant: emptying A does not slow B', async () => {
    // The same app id in both tenants; reports allow 5 requests per 10 s per app and tenant.
    const [tokenA, tokenB] = await Promise.all([
      c.token(TENANT_A, 'scanner', 'secret-a'),
      c.token(TENANT_B, 'scanner', 'secret-b'),
    ]);
    const audits = (token: string) => c.request('GET', '/v1.0/auditLogs/directoryAudits', token);
    const a: Reply[] = [];
    for (let i = 0; i < 6; i++) a.push(await audits(tokenA));
    expect(a.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(a[5]!.headers.get('x-ms-throttle-scope')).toBe(`Tenant_Application/Read/scanner/${TENANT_A}`);
    const b: number[] = [];
    for (let i = 0; i < 5; i++) b.push((await audits(tokenB)).status);
    expect(b).toEqual([200, 200, 200, 200, 200]);
    expect(c.emu.tenant(TENANT_A).stats.throttled).toBe(1);
    expect(c.emu.tenant(TENANT_B).stats.throttled).toBe(0);
  });
});

describe('tenant options', () => {
  it('puts `fixture` first when given with `fixtures`', async () => {
    const emu = await startEmulator({ fixture: fixtureB, fixtures: [fixtureA] });
    try {
      expect(emu.tenantIds).toEqual([TENANT_B, TENANT_A]);
      expect(emu.tenantId).toBe(TENANT_B);
    } finally {
      await emu.close();
    }
  });

  it('refuses two fixtures for one tenant, and none at all', async () => {
    await expect(
      startEmulator({ fixtures: [fixtureA, { ...fixtureB, tenantId: TENANT_A.toUpperCase() }] }),
    ).rejects.toThrow(FixtureError);
    await expect(startEmulator({ fixtures: [] })).rejects.toThrow(FixtureError);
  });
});

describe('200 small tenants in one emulator', () => {
  const TENANTS = 200;
  const USERS = 300;
  const tenantId = (t: number) => `00000000-0000-4000-8000-${String(t).padStart(12, '0')}`;
  const fixtures: TenantFixture[] = Array.from({ length: TENANTS }, (_, t) => ({
    tenantId: tenantId(t),
    applications: [{ clientId: 'scanner', clientSecret: `secret-${t}` }],
    resources: {
      users: Array.from({ length: USERS }, (_, u) => ({
        id: `t${t}-u${u}`,
        displayName: `User ${u} of tenant ${t}`,
        userPrincipalName: `user${u}@t${t}.example`,
      })),
      groups: [{ id: `t${t}-g0`, displayName: 'Admins' }],
      [`groups/t${t}-g0/members`]: [{ id: `t${t}-u0` }],
    },
  }));
  let c: Client;
  let startMs = 0;

  beforeAll(async () => {
    const started = performance.now();
    c = await startClient({ fixtures });
    startMs = performance.now() - started;
  });
  afterAll(() => c.close());

  it('starts quickly', () => {
    // A sanity bound for a loaded shared machine; it takes well under a second.
    expect(startMs).toBeLessThan(10_000);
    expect(c.emu.tenantIds).toHaveLength(TENANTS);
  });

  it('serves the last tenant from its own fixture', async () => {
    const last = TENANTS - 1;
    const token = await c.token(tenantId(last), 'scanner', `secret-${last}`);
    const reply = await c.request('GET', '/v1.0/users?$select=id&$top=999', token);
    const ids = values(reply.json).map((u) => String(u.id));
    expect(ids).toHaveLength(USERS);
    expect(ids.every((id) => id.startsWith(`t${last}-`))).toBe(true);
    expect(c.emu.tenant(tenantId(last)).stats.byPath.users).toBe(1);
    expect(c.emu.tenant(tenantId(0)).stats.byPath.users).toBeUndefined();
  });
});
