import type { TenantFixture } from '../fixture-format/schema.js';
import { cloneShifted } from './time-shift.js';

/** Collections the write endpoints change; everything else is only ever read. */
const WRITABLE_PREFIXES = ['identityGovernance/', 'roleManagement/', 'policies/'];

/**
 * The emulator's own copy of the fixture's resources, so writes never reach the caller's object. Without
 * a time shift the read-only collections (users, groups, audit records: nearly all of a large tenant)
 * are shared rather than copied, which keeps a 100,000-user start fast and its memory single.
 */
export function servedResources(fixture: TenantFixture, deltaMs: number): TenantFixture['resources'] {
  if (deltaMs !== 0) return cloneShifted(fixture.resources, deltaMs);
  const out: TenantFixture['resources'] = {};
  for (const [path, items] of Object.entries(fixture.resources)) {
    const writable = WRITABLE_PREFIXES.some((prefix) => path.replace(/^\/+/, '').startsWith(prefix));
    out[path] = writable ? cloneShifted(items, 0) : items;
  }
  return out;
}
