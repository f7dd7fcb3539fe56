import { loadFixture } from '../../src/emulator/load-fixture.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';

let cached: TenantFixture | undefined;

/** The bundled demo tenant, as a fresh copy each call so tests can add faults or page sizes. */
export async function demoFixture(changes: Partial<TenantFixture> = {}): Promise<TenantFixture> {
  cached ??= await loadFixture('fixtures/demo/tenant.json');
  return { ...structuredClone(cached), ...changes };
}

export async function demoNow(): Promise<Date> {
  const fixture = await demoFixture();
  return new Date(fixture.referenceTime!);
}

export const THIRTY_DAYS_MS = 30 * 86_400_000;

/**
 * Schedule requests answering as on a tenant that granted no write permission (Microsoft lists none
 * read-only for them): the fault that sends activation history to PIM's audit records.
 */
export const SCHEDULE_REQUESTS_REFUSED = {
  'roleManagement/directory/roleAssignmentScheduleRequests': {
    status: 403,
    code: 'Authorization_RequestDenied',
    message: 'Insufficient privileges to complete the operation.',
  },
};
