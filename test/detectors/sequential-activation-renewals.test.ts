import { describe, expect, it } from 'vitest';
import type { DetectorsConfigInput } from '../../src/detectors/config-schema.js';
import type { DetectorOutcome } from '../../src/detectors/run.js';
import type { TenantSnapshot } from '../../src/model/snapshot.js';
import { incidentKey, incidentsOf, runAlert } from '../support/detector-harness.js';
import { ago, DAY, NOW, plus, SECOND, tenant, uid } from '../support/snapshot-factory.js';

const ALERT = 'SequentialActivationRenewalsAlert';
const HOUR = 3600 * SECOND;

interface Case {
  name: string;
  snapshot: TenantSnapshot;
  config: DetectorsConfigInput;
  now: Date;
  /** `alice @ userAdmin x3`: one entry per run, with its activation count; or a status. */
  expected: readonly string[] | 'unknown' | 'disabled';
}

function runs(outcome: DetectorOutcome): readonly string[] | 'unknown' | 'disabled' {
  if (outcome.status !== 'ok') return outcome.status;
  return incidentsOf(outcome)
    .map((incident) => `${incidentKey(incident)} x${incident.activationCount}`)
    .sort();
}

const START = ago('P10D');
/** Alice is eligible for User Administrator and activates it `count` times back to back from START. */
const aliceRun = (count: number, gapMs = 0, start = START) =>
  tenant()
    .user('alice')
    .eligible('alice', 'userAdmin')
    .activationRun('alice', 'userAdmin', { start, count, gapMs });

const cases: Case[] = [
  { name: 'quiet in a clean tenant', snapshot: tenant().build(), config: {}, now: NOW, expected: [] },
  { name: 'a single activation is quiet', snapshot: aliceRun(1).build(), config: {}, now: NOW, expected: [] },
  // The count threshold (default 3).
  {
    name: 'a run exactly at the threshold fires',
    snapshot: aliceRun(3).build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin x3'],
  },
  {
    name: 'a run one below the threshold is quiet',
    snapshot: aliceRun(2).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a run one above the threshold fires',
    snapshot: aliceRun(4).build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin x4'],
  },
  {
    name: 'a configured threshold one above the run is quiet',
    snapshot: aliceRun(3).build(),
    config: { [ALERT]: { sequentialActivationCounterThreshold: 4 } },
    now: NOW,
    expected: [],
  },
  {
    name: 'a configured threshold one below the run fires',
    snapshot: aliceRun(3).build(),
    config: { [ALERT]: { sequentialActivationCounterThreshold: 2 } },
    now: NOW,
    expected: ['alice @ userAdmin x3'],
  },
  // The interval between one activation's end and the next one's start (default PT10S).
  {
    name: 'a gap exactly the interval continues the run',
    snapshot: aliceRun(3, 10 * SECOND).build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin x3'],
  },
  {
    name: 'a gap one second longer breaks the run',
    snapshot: aliceRun(3, 11 * SECOND).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a gap one second shorter continues the run',
    snapshot: aliceRun(3, 9 * SECOND).build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin x3'],
  },
  {
    name: 'a longer configured interval joins activations hours apart',
    snapshot: aliceRun(3, 12 * HOUR).build(),
    config: { [ALERT]: { timeIntervalBetweenActivations: 'PT12H' } },
    now: NOW,
    expected: ['alice @ userAdmin x3'],
  },
  {
    name: 'overlapping activations continue the run',
    snapshot: tenant()
      .user('alice')
      .activation('alice', 'userAdmin', START, 'PT2H')
      .activation('alice', 'userAdmin', plus(START, HOUR), 'PT2H')
      .activation('alice', 'userAdmin', plus(START, 2 * HOUR), 'PT2H')
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin x3'],
  },
  {
    name: 'a long activation keeps the run open for shorter ones inside it',
    snapshot: tenant()
      .user('alice')
      .activation('alice', 'userAdmin', START, 'PT10H')
      .activation('alice', 'userAdmin', plus(START, HOUR), 'PT1H')
      .activation('alice', 'userAdmin', plus(START, 5 * HOUR), 'PT1H')
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin x3'],
  },
  {
    name: 'separate runs are separate incidents',
    snapshot: aliceRun(3)
      .activationRun('alice', 'userAdmin', { start: ago('P5D'), count: 4 })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin x3', 'alice @ userAdmin x4'],
  },
  // The look-back window (default P30D): its edge is inside.
  {
    name: 'a run starting exactly at the look-back edge counts whole',
    snapshot: aliceRun(3, 0, ago('P30D')).build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin x3'],
  },
  {
    name: 'an activation one second before the look-back edge is left out',
    snapshot: aliceRun(3, 0, ago('P30D', SECOND)).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'a shorter configured look-back leaves an older run out',
    snapshot: aliceRun(3).build(),
    config: { [ALERT]: { lookBack: 'P7D' } },
    now: NOW,
    expected: [],
  },
  {
    name: 'an activation starting after now is left out',
    snapshot: aliceRun(3, 0, ago('PT2H', -SECOND)).build(),
    config: {},
    now: NOW,
    expected: [],
  },
  // Which requests count.
  {
    name: 'self-extensions and self-renewals are not activations: they neither count nor bridge a gap',
    snapshot: tenant()
      .user('alice')
      .activation('alice', 'userAdmin', START, 'PT1H')
      .activation('alice', 'userAdmin', plus(START, HOUR), 'PT1H', { action: 'selfExtend' })
      .activation('alice', 'userAdmin', plus(START, 2 * HOUR), 'PT1H', { action: 'selfRenew' })
      .activation('alice', 'userAdmin', plus(START, 3 * HOUR), 'PT1H')
      .activation('alice', 'userAdmin', plus(START, 4 * HOUR), 'PT1H')
      .build(),
    // Counted, the five would be one run of 5; as activations only, a lone one and a run of 2.
    config: { [ALERT]: { sequentialActivationCounterThreshold: 2 } },
    now: NOW,
    expected: ['alice @ userAdmin x2'],
  },
  {
    name: 'denied and admin-made requests do not count',
    snapshot: tenant()
      .user('alice')
      .activation('alice', 'userAdmin', START, 'PT1H')
      .activation('alice', 'userAdmin', plus(START, HOUR), 'PT1H', { status: 'Denied' })
      .activation('alice', 'userAdmin', plus(START, HOUR), 'PT1H', { action: 'adminAssign' })
      .activation('alice', 'userAdmin', plus(START, 2 * HOUR), 'PT1H')
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'activations of different roles do not make one run',
    snapshot: tenant()
      .user('alice')
      .activation('alice', 'userAdmin', START, 'PT1H')
      .activation('alice', 'globalAdmin', plus(START, HOUR), 'PT1H')
      .activation('alice', 'userAdmin', plus(START, 2 * HOUR), 'PT1H')
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'activations by different users do not make one run',
    snapshot: tenant()
      .user('alice')
      .user('bob')
      .activation('alice', 'userAdmin', START, 'PT1H')
      .activation('bob', 'userAdmin', plus(START, HOUR), 'PT1H')
      .activation('alice', 'userAdmin', plus(START, 2 * HOUR), 'PT1H')
      .build(),
    config: {},
    now: NOW,
    expected: [],
  },
  {
    name: 'activations of a role eligible through a group count for the member',
    snapshot: tenant()
      .user('alice')
      .group('helpdesk')
      .members('helpdesk', ['alice'])
      .eligible('helpdesk', 'userAdmin')
      .activationRun('alice', 'userAdmin', { start: START, count: 3 })
      .build(),
    config: {},
    now: NOW,
    expected: ['alice @ userAdmin x3'],
  },
  // Exclusions and unknown.
  {
    name: 'an excluded user is not reported',
    snapshot: aliceRun(3).build(),
    config: { exclusions: [{ principalId: uid('alice'), reason: 'on-call rota account' }] },
    now: NOW,
    expected: [],
  },
];

describe(ALERT, () => {
  it.each(cases)('$name', ({ snapshot, config, now, expected }) => {
    expect(runs(runAlert(ALERT, snapshot, config, now))).toEqual(expected);
  });

  it('reports the run: count, first start, latest end, and each request', () => {
    const snapshot = tenant()
      .user('alice')
      .activation('alice', 'userAdmin', START, 'PT10H', { id: 'r1' })
      .activation('alice', 'userAdmin', plus(START, HOUR), 'PT1H', { id: 'r2' })
      .activation('alice', 'userAdmin', plus(START, 5 * HOUR), 'PT1H', { id: 'r3' })
      .build();
    const [incident] = incidentsOf(runAlert(ALERT, snapshot));
    expect(incident).toMatchObject({
      severity: 'medium',
      assigneeId: uid('alice'),
      roleDisplayName: 'User Administrator',
      activationCount: 3,
      sequenceStartDateTime: START,
      sequenceEndDateTime: plus(START, 10 * HOUR),
    });
    expect(incident!.evidence.map((e) => `${e.kind}:${e.id}`)).toEqual([
      'scheduleRequest:r1',
      'scheduleRequest:r2',
      'scheduleRequest:r3',
    ]);
  });

  it('keeps the fingerprint while a run grows, and separates runs by their start', () => {
    const [three] = incidentsOf(runAlert(ALERT, aliceRun(3).build()));
    const [four] = incidentsOf(runAlert(ALERT, aliceRun(4).build()));
    expect(four!.activationCount).toBe(4);
    expect(four!.fingerprint).toBe(three!.fingerprint);
    const [later] = incidentsOf(runAlert(ALERT, aliceRun(3, 0, plus(START, DAY)).build()));
    expect(later!.fingerprint).not.toBe(three!.fingerprint);
  });
});
