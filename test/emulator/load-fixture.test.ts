import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture, resolveFixtureArg } from '../../src/emulator/load-fixture.js';
import { FixtureError } from '../../src/errors.js';
import { TENANT_ID } from './helpers.js';

describe('loadFixture', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pimwatch-fixture-test-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  async function failure(path: string): Promise<FixtureError> {
    try {
      await loadFixture(path);
    } catch (error) {
      expect(error).toBeInstanceOf(FixtureError);
      return error as FixtureError;
    }
    throw new Error('expected loadFixture to fail');
  }

  it('loads a valid fixture', async () => {
    const path = await write(
      'ok.json',
      JSON.stringify({ tenantId: TENANT_ID, resources: { users: [{ id: 'u1' }] } }),
    );
    await expect(loadFixture(path)).resolves.toMatchObject({
      tenantId: TENANT_ID,
      resources: { users: [{ id: 'u1' }] },
    });
  });

  it('names a missing file', async () => {
    const path = join(dir, 'nope.json');
    const error = await failure(path);
    expect(error.message).toBe(`fixture file ${path} not found`);
    expect(error.exitCode).toBe(2);
  });

  it('names the line and column of broken JSON', async () => {
    const path = await write(
      'broken.json',
      `{\n  "tenantId": "${TENANT_ID}",\n  "resources": { "users": [ } \n}`,
    );
    const error = await failure(path);
    expect(error.message).toContain(`fixture file ${path} is not valid JSON`);
    expect(error.message).toContain("Unexpected token '}' (line 3, column 29)");
    expect(error.message).not.toMatch(/\n\s+at /);
  });

  it('names an empty file', async () => {
    const error = await failure(await write('empty.json', ''));
    expect(error.message).toMatch(/is not valid JSON: Unexpected end of JSON input/);
  });

  it('names each schema problem by path', async () => {
    const path = await write(
      'schema.json',
      JSON.stringify({
        tenantId: 'not-a-guid',
        resources: { users: { id: 'u1' } },
        faults: { users: { status: 99 } },
        extra: 1,
      }),
    );
    const error = await failure(path);
    expect(error.message).toContain(`fixture file ${path} is not a valid tenant fixture`);
    expect(error.message).toMatch(/resources\.users: .*expected array/);
    expect(error.message).toMatch(/tenantId: /);
    expect(error.message).toMatch(/faults\.users/);
    expect(error.message).toMatch(/extra/);
  });

  it('refuses duplicate ids in a collection', async () => {
    const path = await write(
      'dupes.json',
      JSON.stringify({ tenantId: TENANT_ID, resources: { users: [{ id: 'u1' }, { id: 'U1' }] } }),
    );
    expect((await failure(path)).message).toContain("resources.users[1].id: duplicate id 'U1'");
  });

  it('lists every broken Entra rule up to 20, then counts the rest', async () => {
    const groups = Array.from({ length: 26 }, (_, i) => ({ id: `g${i}`, isAssignableToRole: i === 0 }));
    const path = await write(
      'entra.json',
      JSON.stringify({
        tenantId: TENANT_ID,
        resources: { groups, 'groups/g0/members': groups.slice(1).map((g) => ({ id: g.id })) },
      }),
    );
    const error = await failure(path);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(
      `fixture file ${path} describes a tenant Entra cannot hold (25 problems)`,
    );
    expect(error.message).toContain(
      'resources.groups/g0/members[19]: group g20 is a member of role-assignable group g0',
    );
    expect(error.message).not.toContain('members[20]');
    expect(error.message).toContain('... and 5 more');
  });

  it('resolves "demo" to the bundled fixture from the package root, anything else to a path', () => {
    expect(resolveFixtureArg('demo')).toBe(join(process.cwd(), 'fixtures', 'demo', 'tenant.json'));
    expect(resolveFixtureArg('some/tenant.json')).toBe(join(process.cwd(), 'some', 'tenant.json'));
  });
});
