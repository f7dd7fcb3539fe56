import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PERMISSIONS_END,
  PERMISSIONS_START,
  renderPermissionReference,
} from '../../scripts/permission-reference.js';

describe("the README's permission table", () => {
  const readme = readFileSync('README.md', 'utf8');

  it('is the one generated from the table of Graph sources (run `npm run permission-reference`)', () => {
    const section = readme.slice(
      readme.indexOf(PERMISSIONS_START) + PERMISSIONS_START.length,
      readme.indexOf(PERMISSIONS_END),
    );
    expect(section.trim()).toBe(renderPermissionReference().trim());
  });

  it('asks for read-only permissions, and names the schedule requests’ write permission optional', () => {
    const table = renderPermissionReference();
    const required = [...table.matchAll(/^\| `([^`]+)` \| required \|/gm)].map((m) => m[1]!);
    expect(required.length).toBeGreaterThan(0);
    for (const permission of required) expect(permission).not.toMatch(/ReadWrite|Mail\.Send/);
    expect(table).toMatch(
      /^\| `RoleAssignmentSchedule\.ReadWrite\.Directory` \| optional \| .*roleAssignmentScheduleRequests.*\| RedundantAssignment, SequentialActivationRenewals \|$/m,
    );
    expect(readme).not.toMatch(/All are read-only/);
  });
});
