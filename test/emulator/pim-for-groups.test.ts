import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enc, fixture, ids, startTestEmulator, type TestEmulator, values } from './helpers.js';

const PIM = 'identityGovernance/privilegedAccess/group';
const APP = '3e9a1c7b-5d2f-4a8e-b6c4-1f0d9e8a7b6c';

/** 150 eligible members of tier0 (more than the fixed server page of 100) and one of another group. */
function eligibilities() {
  const items = Array.from({ length: 150 }, (_, i) => ({
    id: `e${i}`,
    groupId: 'tier0',
    principalId: `u${i}`,
    accessId: 'member',
    memberType: 'direct',
  }));
  return [...items, { id: 'other', groupId: 'tier1', principalId: 'u0', accessId: 'member' }];
}

describe('the emulator serves PIM for Groups schedules', () => {
  let t: TestEmulator;
  beforeAll(async () => {
    t = await startTestEmulator(
      fixture(
        {
          users: Array.from({ length: 150 }, (_, i) => ({ id: `u${i}`, displayName: `User ${i}` })),
          groups: [
            { id: 'tier0', displayName: 'Tier 0', isAssignableToRole: true },
            { id: 'tier1', displayName: 'Tier 1', isAssignableToRole: true },
          ],
          [`${PIM}/eligibilityScheduleInstances`]: eligibilities(),
          [`${PIM}/assignmentScheduleInstances`]: [],
        },
        {
          applications: [
            {
              clientId: APP,
              clientSecret: 's3cret',
              permissions: ['PrivilegedEligibilitySchedule.Read.AzureADGroup'],
            },
          ],
        },
      ),
    );
  });
  afterAll(() => t.close());

  it.each(['eligibilityScheduleInstances', 'assignmentScheduleInstances'])(
    'answers 400 to a %s list without a groupId or principalId filter, as the docs require',
    async (collection) => {
      for (const query of ['', `?$filter=${enc("accessId eq 'member'")}`]) {
        const reply = await t.get(`/v1.0/${PIM}/${collection}${query}`);
        expect(reply.status).toBe(400);
        expect(reply.json).toMatchObject({ error: { code: 'BadRequest' } });
      }
    },
  );

  it('lists one group by groupId, page by page', async () => {
    const pages = await t.getAllPages(
      `/v1.0/${PIM}/eligibilityScheduleInstances?$filter=${enc("groupId eq 'tier0'")}`,
    );
    expect(pages.length).toBe(2);
    const all = pages.flatMap(values);
    expect(all.length).toBe(150);
    expect(ids(all)).not.toContain('other');
  });

  it('lists one principal by principalId and expands the principal', async () => {
    const reply = await t.get(
      `/v1.0/${PIM}/eligibilityScheduleInstances?$filter=${enc("principalId eq 'u0'")}&$expand=principal`,
    );
    expect(reply.status).toBe(200);
    expect(ids(values(reply.json))).toEqual(['e0', 'other']);
    expect(values(reply.json)[0]).toMatchObject({ principal: { id: 'u0', displayName: 'User 0' } });
  });

  it('needs the PIM for Groups permission of each collection', async () => {
    const token = t.emu.issueToken(APP);
    const filter = `?$filter=${enc("groupId eq 'tier0'")}`;
    const eligible = await t.request('GET', `/v1.0/${PIM}/eligibilityScheduleInstances${filter}`, { token });
    expect(eligible.status).toBe(200);
    const active = await t.request('GET', `/v1.0/${PIM}/assignmentScheduleInstances${filter}`, { token });
    expect(active.status).toBe(403);
  });
});
