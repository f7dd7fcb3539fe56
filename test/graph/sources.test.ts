import { describe, expect, it } from 'vitest';
import { DETECTORS } from '../../src/detectors/registry.js';
import { acceptedForRead, permitted } from '../../src/emulator/graph-permissions.js';
import { HOLDER_SOURCES } from '../../src/graph/holders.js';
import {
  detectorsNeeding,
  missingPermissions,
  requiredPermissions,
  SOURCES,
  sourcesReadBy,
} from '../../src/graph/sources.js';
import { TENANT_SOURCES } from '../../src/graph/tenant-reads.js';
import { SOURCE_NAMES } from '../../src/model/snapshot.js';

const rules = { directoryAuditsNeedDirectoryRead: false };

/** The emulator's rule for a probe, with `{id}`-style paths normalised the way its router does. */
function emulatorRule(path: string, query: Record<string, string>) {
  const normalised = path.replace(/^groups\/[^/]+\/members$/, 'groups/{id}/members');
  return acceptedForRead(normalised, new URLSearchParams(query), rules);
}

describe('the table of Graph sources', () => {
  it('lists every source a snapshot records, each with a Microsoft page and a probe', () => {
    expect(Object.keys(SOURCES).sort()).toEqual([...SOURCE_NAMES].sort());
    for (const name of SOURCE_NAMES) {
      expect(SOURCES[name].docs, name).toMatch(/^https:\/\/learn\.microsoft\.com\/graph\/api\//);
      expect(SOURCES[name].probes.length, name).toBeGreaterThan(0);
    }
  });

  it('agrees with the emulator: Graph accepts every permission the table names for a source', () => {
    for (const name of SOURCE_NAMES) {
      for (const probe of SOURCES[name].probes) {
        const accepted = emulatorRule(probe.path, probe.query);
        expect(accepted, `${name}: ${probe.path}`).toBeDefined();
        // Each choice's permissions, granted one at a time alongside the least of the other choices.
        for (const [i, choice] of SOURCES[name].permissions.entries()) {
          for (const permission of choice) {
            const roles = SOURCES[name].permissions.map((c, j) => (j === i ? permission : c[0]));
            expect(permitted(accepted!, roles), `${name}: ${permission}`).toBe(true);
          }
        }
      }
    }
  });

  it('needs each required permission for some source: without any one of them a required source is unreadable', () => {
    const required = requiredPermissions();
    expect(required).not.toContain('RoleAssignmentSchedule.ReadWrite.Directory');
    for (const permission of required) {
      const without = new Set(required.filter((p) => p !== permission));
      const unreadable = SOURCE_NAMES.filter(
        (name) => SOURCES[name].required && missingPermissions(SOURCES[name].permissions, without).length > 0,
      );
      expect(unreadable, permission).not.toEqual([]);
    }
    for (const name of SOURCE_NAMES.filter((n) => SOURCES[n].required)) {
      expect(missingPermissions(SOURCES[name].permissions, new Set(required)), name).toEqual([]);
    }
  });

  it('leaves schedule requests to write permissions only, with the audit log as fallback', () => {
    const requests = SOURCES.roleAssignmentScheduleRequests;
    expect(requests.required).toBe(false);
    expect(requests.fallback).toBe('pimActivationAudits');
    expect(requests.permissions.flat().every((p) => p.includes('ReadWrite'))).toBe(true);
  });
});

describe('each source as a named entry', () => {
  it('is read by the branch of collectSnapshot its entry names, and by that one only', () => {
    expect([...TENANT_SOURCES].sort()).toEqual(sourcesReadBy('tenantWide').sort());
    expect(HOLDER_SOURCES).toEqual(sourcesReadBy('holders'));
    expect(sourcesReadBy('incidentAssignees')).toEqual(['principalLookup']);
    const settled = [...HOLDER_SOURCES, ...TENANT_SOURCES, ...sourcesReadBy('incidentAssignees')];
    expect(settled.sort()).toEqual([...SOURCE_NAMES].sort());
  });

  it('names the detectors that declare it, and those of the source it stands in for', () => {
    expect(detectorsNeeding('subscribedSkus')).toEqual(['InvalidLicenseAlert']);
    // PIM's audit records stand in for the schedule requests, so whoever needs those needs them.
    expect(detectorsNeeding('pimActivationAudits')).toEqual(
      expect.arrayContaining(detectorsNeeding('roleAssignmentScheduleRequests')),
    );
    for (const name of SOURCE_NAMES) {
      for (const alert of detectorsNeeding(name)) {
        const detector = DETECTORS.find((d) => d.meta.alert === alert)!;
        const through = SOURCE_NAMES.filter((s) => s === name || SOURCES[s].fallback === name);
        expect(
          detector.meta.sources.some((s) => through.includes(s)),
          `${name}: ${alert}`,
        ).toBe(true);
      }
    }
  });

  it('has a page size only where its reader pages', () => {
    expect(SOURCES.directoryAudits.pageSize).toBe(1000);
    expect(SOURCES.groupMembers.pageSize).toBe(999);
    expect(SOURCES.organization.pageSize).toBeNull();
  });
});
