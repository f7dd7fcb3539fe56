import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS } from '../../src/emulator/graph-permissions.js';
import { fixture, startTestEmulator, type TestEmulator } from './helpers.js';

const APP = '7c0d4e1f-2a3b-4c5d-8e9f-0a1b2c3d4e5f';
const GRANTED = ['RoleManagement.Read.Directory', 'User.Read.All'];

function rolesOf(token: string): unknown {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).roles;
}

describe('the emulator enforces application permissions', () => {
  let t: TestEmulator;
  let restricted: string;
  beforeAll(async () => {
    t = await startTestEmulator(
      fixture(
        { users: [{ id: 'u1', displayName: 'Ada' }], 'auditLogs/directoryAudits': [] },
        { applications: [{ clientId: APP, clientSecret: 's3cret', permissions: GRANTED }] },
      ),
    );
    restricted = t.emu.issueToken(APP);
  });
  afterAll(() => t.close());

  it("puts the app's permissions into the token's roles claim", () => {
    expect(rolesOf(restricted)).toEqual(GRANTED);
    // An app the fixture does not restrict holds everything the emulator knows.
    expect(rolesOf(t.emu.issueToken('someone-else'))).toEqual([...ALL_PERMISSIONS]);
  });

  it('serves what the roles cover and refuses the rest with Graph’s 403 body', async () => {
    const ok = await t.request('GET', '/v1.0/roleManagement/directory/roleDefinitions', {
      token: restricted,
    });
    expect(ok.status).toBe(200);
    const denied = await t.request('GET', '/v1.0/auditLogs/directoryAudits', { token: restricted });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({
      error: {
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
        innerError: { 'request-id': expect.any(String) },
      },
    });
  });

  it('needs AuditLog.Read.All on top of User.Read.All for sign-in activity', async () => {
    const plain = await t.request('GET', '/v1.0/users?$select=id', { token: restricted });
    expect(plain.status).toBe(200);
    const signIns = await t.request('GET', '/v1.0/users?$select=id,signInActivity', { token: restricted });
    expect(signIns.status).toBe(403);
  });

  it('refuses schedule requests to a read-only role management grant (Graph lists only write permissions)', async () => {
    const reply = await t.request('GET', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
      token: restricted,
    });
    expect(reply.status).toBe(403);
  });

  it('checks each request inside $batch on its own', async () => {
    const reply = await t.request('POST', '/v1.0/$batch', {
      token: restricted,
      body: {
        requests: [
          { id: '1', method: 'GET', url: '/users?$select=id' },
          { id: '2', method: 'GET', url: '/auditLogs/directoryAudits' },
        ],
      },
    });
    expect(reply.status).toBe(200);
    const answers = (
      reply.json!.responses as { id: string; status: number; body: { error?: { code: string } } }[]
    ).sort((a, b) => a.id.localeCompare(b.id));
    expect(answers.map((a) => a.status)).toEqual([200, 403]);
    expect(answers[1]!.body.error?.code).toBe('Authorization_RequestDenied');
  });
});

describe('directory audits under the API page’s stricter reading', () => {
  it('wants Directory.Read.All as well when the fixture says so', async () => {
    const t = await startTestEmulator(
      fixture(
        { 'auditLogs/directoryAudits': [] },
        {
          applications: [{ clientId: APP, clientSecret: 's3cret', permissions: ['AuditLog.Read.All'] }],
          permissionRules: { directoryAuditsNeedDirectoryRead: true },
        },
      ),
    );
    try {
      const auditOnly = t.emu.issueToken(APP);
      const both = t.emu.issueToken(APP, ['AuditLog.Read.All', 'Directory.Read.All']);
      expect((await t.request('GET', '/v1.0/auditLogs/directoryAudits', { token: auditOnly })).status).toBe(
        403,
      );
      expect((await t.request('GET', '/v1.0/auditLogs/directoryAudits', { token: both })).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
