import { describe, expect, it } from 'vitest';
import { ALERT_IDS, type AlertId } from '../../src/model/alerts.js';
import type {
  ClassifiedIncident,
  IncidentState,
  Suppression,
  TransitionType,
} from '../../src/model/lifecycle.js';
import {
  advanceLifecycle,
  type LifecycleResult,
  type StoredIncidentRecord,
  transitionEventId,
} from '../../src/store/lifecycle.js';
import { at, makeIncident, OTHER_TENANT, TENANT } from './incident-factory.js';

interface ScanStep {
  incidents: ClassifiedIncident[];
  /** Alerts whose detector ran cleanly. @defaultValue all seven */
  resolvable?: readonly AlertId[];
  suppressions?: Suppression[];
}

/** Feeds the steps through `advanceLifecycle` one scan per hour, as the store would. */
function runScans(steps: ScanStep[], tenantId = TENANT) {
  let records = new Map<string, StoredIncidentRecord>();
  const results: LifecycleResult[] = [];
  steps.forEach((step, index) => {
    const result = advanceLifecycle({
      tenantId,
      scanId: `scan-${index + 1}`,
      scannedAt: at(index * 60),
      previous: records,
      incidents: step.incidents,
      resolvableAlerts: new Set(step.resolvable ?? ALERT_IDS),
      suppressions: step.suppressions ?? [],
    });
    records = result.records;
    results.push(result);
  });
  return { records, results };
}

function suppression(overrides: Partial<Suppression>): Suppression {
  return {
    id: 'sup-1',
    tenantId: TENANT,
    reason: 'accepted risk',
    author: 'alice@example.com',
    createdAt: at(-60),
    expiresAt: at(10_000),
    ...overrides,
  };
}

const stale = makeIncident({ alert: 'StaleSignInAlert', principal: 'user-1', role: 'role-1' });
const outside = makeIncident({ alert: 'RolesAssignedOutsidePimAlert', principal: 'user-2', role: 'role-2' });
const license = makeIncident({ alert: 'InvalidLicenseAlert', principal: undefined, role: undefined });

describe('advanceLifecycle: one incident over several scans', () => {
  it.each<{ name: string; seen: boolean[]; states: IncidentState[]; transitions: (TransitionType | '-')[] }>([
    {
      name: 'new, open, resolved, reopened, open',
      seen: [true, true, false, true, true],
      states: ['new', 'open', 'resolved', 'reopened', 'open'],
      transitions: ['opened', '-', 'resolved', 'reopened', '-'],
    },
    {
      name: 'gone right after it appeared',
      seen: [true, false],
      states: ['new', 'resolved'],
      transitions: ['opened', 'resolved'],
    },
    {
      name: 'stays resolved while absent',
      seen: [true, false, false, false],
      states: ['new', 'resolved', 'resolved', 'resolved'],
      transitions: ['opened', 'resolved', '-', '-'],
    },
    {
      name: 'a reopened incident can resolve again',
      seen: [true, false, true, false, true],
      states: ['new', 'resolved', 'reopened', 'resolved', 'reopened'],
      transitions: ['opened', 'resolved', 'reopened', 'resolved', 'reopened'],
    },
    {
      name: 'never seen: no record',
      seen: [false, false],
      states: [],
      transitions: ['-', '-'],
    },
  ])('$name', ({ seen, states, transitions }) => {
    const { results } = runScans(seen.map((present) => ({ incidents: present ? [stale] : [] })));
    const statesSeen = results
      .map((r) => r.records.get(stale.fingerprint)?.state)
      .filter((s) => s !== undefined);
    expect(statesSeen).toEqual(states);
    expect(results.map((r) => r.transitions.map((t) => t.type).join(',') || '-')).toEqual(transitions);
  });
});

describe('advanceLifecycle: records and transitions', () => {
  it('keeps first and last sighting, sightings, resolution time and a transition count', () => {
    const { results } = runScans([
      { incidents: [stale] },
      { incidents: [stale] },
      { incidents: [] },
      { incidents: [stale] },
    ]);
    expect(results[2]!.records.get(stale.fingerprint)).toMatchObject({
      state: 'resolved',
      firstSeen: at(0),
      lastSeen: at(60),
      resolvedAt: at(120),
      timesSeen: 2,
      transitions: 2,
    });
    expect(results[3]!.records.get(stale.fingerprint)).toMatchObject({
      state: 'reopened',
      firstSeen: at(0),
      lastSeen: at(180),
      resolvedAt: null,
      timesSeen: 3,
      transitions: 3,
    });
  });

  it('keeps the latest incident data, and a resolution carries it', () => {
    const first = makeIncident({ lastSignInDateTime: '2024-01-01T00:00:00Z' });
    const later = makeIncident({ lastSignInDateTime: '2024-06-01T00:00:00Z' });
    expect(later.fingerprint).toBe(first.fingerprint);
    const { results } = runScans([{ incidents: [first] }, { incidents: [later] }, { incidents: [] }]);
    expect(results[1]!.records.get(first.fingerprint)!.incident.lastSignInDateTime).toBe(
      '2024-06-01T00:00:00Z',
    );
    expect(results[2]!.transitions[0]!.incident.lastSignInDateTime).toBe('2024-06-01T00:00:00Z');
  });

  it('stamps transitions with the scan, the tenant and the incident identity', () => {
    const { results } = runScans([{ incidents: [outside] }]);
    expect(results[0]!.transitions[0]).toMatchObject({
      type: 'opened',
      tenantId: TENANT,
      fingerprint: outside.fingerprint,
      alert: 'RolesAssignedOutsidePimAlert',
      severity: 'high',
      at: at(0),
      scanId: 'scan-1',
      suppressed: null,
    });
  });
});

describe('advanceLifecycle: what it refuses or leaves alone', () => {
  it('counts a fingerprint listed twice in one scan once, keeping the first copy', () => {
    const copy = { ...stale, lastSignInDateTime: '2020-01-01T00:00:00Z' };
    const { results } = runScans([{ incidents: [stale, copy] }]);
    expect(results[0]!.transitions).toHaveLength(1);
    expect(results[0]!.records.get(stale.fingerprint)).toMatchObject({ timesSeen: 1 });
    expect(results[0]!.records.get(stale.fingerprint)!.incident.lastSignInDateTime).toBeNull();
  });

  it("refuses another tenant's incident", () => {
    expect(() => runScans([{ incidents: [makeIncident({ tenantId: OTHER_TENANT })] }])).toThrow(
      /belongs to tenant/,
    );
  });

  it('refuses a scan time that is not a date', () => {
    expect(() =>
      advanceLifecycle({
        tenantId: TENANT,
        scanId: 'scan-1',
        scannedAt: 'yesterday',
        previous: new Map(),
        incidents: [stale],
        resolvableAlerts: new Set(ALERT_IDS),
        suppressions: [],
      }),
    ).toThrow(/scannedAt/);
  });

  it('does not change the previous records it was given', () => {
    const { records } = runScans([{ incidents: [stale] }]);
    const before = structuredClone([...records.values()]);
    advanceLifecycle({
      tenantId: TENANT,
      scanId: 'scan-2',
      scannedAt: at(60),
      previous: records,
      incidents: [],
      resolvableAlerts: new Set(ALERT_IDS),
      suppressions: [],
    });
    expect([...records.values()]).toEqual(before);
  });
});

describe('advanceLifecycle: partial scans', () => {
  it.each<{ name: string; resolvable: AlertId[]; stale: IncidentState; outside: IncidentState }>([
    {
      name: 'the failed detector resolves nothing, the clean one does',
      resolvable: ['RolesAssignedOutsidePimAlert', 'InvalidLicenseAlert'],
      stale: 'new',
      outside: 'resolved',
    },
    {
      name: 'every detector clean: both resolve',
      resolvable: [...ALERT_IDS],
      stale: 'resolved',
      outside: 'resolved',
    },
    { name: 'no detector clean: nothing resolves', resolvable: [], stale: 'new', outside: 'new' },
  ])('$name, and a new incident of another alert still opens', (row) => {
    const { results } = runScans([
      { incidents: [stale, outside] },
      { incidents: [license], resolvable: row.resolvable },
    ]);
    const second = results[1]!;
    expect(second.records.get(stale.fingerprint)!.state).toBe(row.stale);
    expect(second.records.get(outside.fingerprint)!.state).toBe(row.outside);
    expect(second.records.get(license.fingerprint)!.state).toBe('new');
    expect(second.transitions.filter((t) => t.type === 'opened').map((t) => t.fingerprint)).toEqual([
      license.fingerprint,
    ]);
    if (row.stale === 'new') {
      // Untouched, not merely still open: a failed detector's absence says nothing.
      expect(second.records.get(stale.fingerprint)).toEqual(results[0]!.records.get(stale.fingerprint));
      expect(second.changed).not.toContain(stale.fingerprint);
    }
  });
});

describe('advanceLifecycle: suppressions', () => {
  const sameUserOtherRole = makeIncident({ alert: 'StaleSignInAlert', principal: 'user-1', role: 'role-9' });
  const sameUserOtherAlert = makeIncident({
    alert: 'RedundantAssignmentAlert',
    principal: 'user-1',
    role: 'role-1',
  });
  const otherUser = makeIncident({ alert: 'StaleSignInAlert', principal: 'user-7', role: 'role-1' });
  const all = [stale, sameUserOtherRole, sameUserOtherAlert, otherUser];

  it.each<{ name: string; suppression: Partial<Suppression>; hidden: ClassifiedIncident[] }>([
    {
      name: 'by fingerprint hides that incident only',
      suppression: { fingerprint: stale.fingerprint },
      hidden: [stale],
    },
    {
      name: "by principal and alert hides that principal's incidents of that alert",
      suppression: { principalId: 'user-1', alert: 'StaleSignInAlert' },
      hidden: [stale, sameUserOtherRole],
    },
    {
      name: 'principal ids compare without case',
      suppression: { principalId: 'USER-1', alert: 'StaleSignInAlert' },
      hidden: [stale, sameUserOtherRole],
    },
    {
      name: 'expired exactly at scan time hides nothing',
      suppression: { fingerprint: stale.fingerprint, expiresAt: at(0) },
      hidden: [],
    },
    {
      name: "another tenant's suppression hides nothing",
      suppression: { fingerprint: stale.fingerprint, tenantId: OTHER_TENANT },
      hidden: [],
    },
  ])('$name', ({ suppression: overrides, hidden }) => {
    const sup = suppression(overrides);
    const { results } = runScans([{ incidents: all, suppressions: [sup] }]);
    const [result] = results;
    for (const incident of all) {
      const transition = result!.transitions.find((t) => t.fingerprint === incident.fingerprint);
      expect(transition?.type).toBe('opened');
      expect(transition?.suppressed).toEqual(hidden.includes(incident) ? sup : null);
      // Suppressed incidents still move through their states.
      expect(result!.records.get(incident.fingerprint)!.state).toBe('new');
    }
  });

  it('prefers a suppression of the exact incident over a principal-wide one', () => {
    const wide = suppression({ id: 'wide', principalId: 'user-1', alert: 'StaleSignInAlert' });
    const exact = suppression({ id: 'exact', fingerprint: stale.fingerprint });
    const { results } = runScans([{ incidents: [stale], suppressions: [wide, exact] }]);
    expect(results[0]!.transitions[0]!.suppressed?.id).toBe('exact');
  });
});

describe('advanceLifecycle: an opening hidden by a suppression', () => {
  it.each<{ name: string; steps: ScanStep[]; announcedAt: number; type: TransitionType }>([
    {
      name: 'expires',
      steps: [
        {
          incidents: [stale],
          suppressions: [suppression({ fingerprint: stale.fingerprint, expiresAt: at(90) })],
        },
        {
          incidents: [stale],
          suppressions: [suppression({ fingerprint: stale.fingerprint, expiresAt: at(90) })],
        },
        {
          incidents: [stale],
          suppressions: [suppression({ fingerprint: stale.fingerprint, expiresAt: at(90) })],
        },
        {
          incidents: [stale],
          suppressions: [suppression({ fingerprint: stale.fingerprint, expiresAt: at(90) })],
        },
      ],
      announcedAt: 2,
      type: 'opened',
    },
    {
      name: 'is removed',
      steps: [
        { incidents: [stale], suppressions: [suppression({ fingerprint: stale.fingerprint })] },
        { incidents: [stale], suppressions: [] },
        { incidents: [stale], suppressions: [] },
      ],
      announcedAt: 1,
      type: 'opened',
    },
    {
      name: 'ends after hiding a reopening',
      steps: [
        { incidents: [stale] },
        { incidents: [] },
        {
          incidents: [stale],
          suppressions: [suppression({ fingerprint: stale.fingerprint, expiresAt: at(150) })],
        },
        {
          incidents: [stale],
          suppressions: [suppression({ fingerprint: stale.fingerprint, expiresAt: at(150) })],
        },
        { incidents: [stale] },
      ],
      announcedAt: 3,
      type: 'reopened',
    },
  ])('announces the hidden opening once, under a new event id, when the suppression $name', (row) => {
    const { results } = runScans(row.steps);
    const hiddenIndex = results.findIndex((r) => r.transitions.some((t) => t.suppressed !== null));
    const hidden = results[hiddenIndex]!.transitions[0]!;
    expect(hidden.type).toBe(row.type);

    const announcements = results.flatMap((r, index) =>
      r.transitions.filter((t) => t.suppressed === null && t.type === row.type).map((t) => ({ index, t })),
    );
    const late = announcements.filter(({ index }) => index > hiddenIndex);
    expect(late).toHaveLength(1);
    expect(late[0]!.index).toBe(row.announcedAt);
    expect(late[0]!.t.eventId).not.toBe(hidden.eventId);
    expect(late[0]!.t.fingerprint).toBe(stale.fingerprint);
    expect(results.at(-1)!.records.get(stale.fingerprint)!.hiddenOpening).toBeNull();
  });
});

describe('advanceLifecycle: hidden openings and resolutions', () => {
  it('keeps hiding while another suppression takes over', () => {
    const first = suppression({ id: 'first', fingerprint: stale.fingerprint, expiresAt: at(30) });
    const second = suppression({ id: 'second', principalId: 'user-1', alert: 'StaleSignInAlert' });
    const { results } = runScans([
      { incidents: [stale], suppressions: [first] },
      { incidents: [stale], suppressions: [first, second] },
    ]);
    expect(results[1]!.transitions).toEqual([]);
    expect(results[1]!.records.get(stale.fingerprint)!.hiddenOpening).toEqual({
      type: 'opened',
      suppressionId: 'second',
    });
  });

  it('hides a resolution while suppressed, and has nothing left to announce afterwards', () => {
    const sup = suppression({ fingerprint: stale.fingerprint, expiresAt: at(90) });
    const { results } = runScans([
      { incidents: [stale], suppressions: [sup] },
      { incidents: [], suppressions: [sup] },
      { incidents: [], suppressions: [sup] },
    ]);
    expect(results[1]!.transitions).toMatchObject([{ type: 'resolved', suppressed: sup }]);
    expect(results[2]!.transitions).toEqual([]);
    expect(results[2]!.records.get(stale.fingerprint)!.hiddenOpening).toBeNull();
  });

  it('announces a resolution once the suppression that hid the opening has expired', () => {
    const sup = suppression({ fingerprint: stale.fingerprint, expiresAt: at(30) });
    const { results } = runScans([
      { incidents: [stale], suppressions: [sup] },
      { incidents: [], suppressions: [sup] },
    ]);
    expect(results[1]!.transitions).toMatchObject([{ type: 'resolved', suppressed: null }]);
  });
});

describe('advanceLifecycle: event ids', () => {
  it('repeats the same id when the same transition is computed again (a retried job)', () => {
    const first = runScans([{ incidents: [stale, outside] }, { incidents: [stale] }]);
    const again = runScans([{ incidents: [stale, outside] }, { incidents: [stale] }]);
    const ids = (r: typeof first) => r.results.flatMap((x) => x.transitions.map((t) => t.eventId));
    expect(ids(again)).toEqual(ids(first));
  });

  it('gives every later transition of an incident a new id, derived from its position', () => {
    const { results } = runScans([
      { incidents: [stale] },
      { incidents: [] },
      { incidents: [stale] },
      { incidents: [] },
    ]);
    const ids = results.map((r) => r.transitions[0]!.eventId);
    expect(new Set(ids).size).toBe(4);
    expect(ids).toEqual([1, 2, 3, 4].map((n) => transitionEventId(TENANT, stale.fingerprint, n)));
  });

  it('differs between tenants and between incidents', () => {
    expect(transitionEventId(TENANT, stale.fingerprint, 1)).not.toBe(
      transitionEventId(OTHER_TENANT, stale.fingerprint, 1),
    );
    expect(transitionEventId(TENANT, stale.fingerprint, 1)).not.toBe(
      transitionEventId(TENANT, outside.fingerprint, 1),
    );
    expect(transitionEventId(TENANT.toUpperCase(), stale.fingerprint, 1)).toBe(
      transitionEventId(TENANT, stale.fingerprint, 1),
    );
  });
});
