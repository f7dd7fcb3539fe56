import { z } from 'zod';
import type { Incident } from '../../model/incident.js';
import type { Activation } from '../../model/snapshot.js';
import { durationMs } from '../../util/iso-duration.js';
import {
  ACTIVATION_HISTORY_SOURCES,
  activationEvidence,
  principalRoleKey,
  selfActivations,
} from '../activations.js';
import { compareIncidents, principalRoleIncident } from '../incident-fields.js';
import { applyMitigationSteps } from '../remediation.js';
import { detectorSettings, durationSetting } from '../settings.js';
import { numberOf } from '../threshold-rules.js';
import { epochMs, windowEdge } from '../time.js';
import { type Detector, type DetectorMeta, defineDetector } from '../types.js';

const config = detectorSettings({
  sequentialActivationCounterThreshold: z
    .number()
    .int()
    .min(2)
    .default(3)
    .meta({ description: 'Activations in one uninterrupted run needed to fire.' }),
  timeIntervalBetweenActivations: durationSetting(
    'PT10S',
    "Longest gap between one activation's end and the next one's start that still continues a run.",
  ),
  lookBack: durationSetting('P30D', 'Only activations starting this far back count.'),
});

const meta: DetectorMeta<z.output<typeof config>> = {
  alert: 'SequentialActivationRenewalsAlert',
  title: 'Role activated over and over without a break',
  severity: 'medium',
  description:
    'The same user activated the same role several times back to back. Usually the maximum activation ' +
    'time is too short for their work; sometimes a shared or compromised account is being kept active.',
  mitigation: [
    'Ask the user why they needed the role continuously for that long.',
    "If the work is legitimate, raise the role's maximum activation duration in its PIM settings to fit it.",
    'If the account is shared or the activations were not made by its owner, secure the account and require MFA on activation.',
  ],
  sources: [...ACTIVATION_HISTORY_SOURCES],
  graphConfigurationType: '#microsoft.graph.sequentialActivationRenewalsAlertConfiguration',
  thresholdKeys: ['sequentialActivationCounterThreshold', 'timeIntervalBetweenActivations'],
  matchBy: 'run',
  // Back-to-back activations are how an account someone else is using keeps its privilege alive.
  attack: ['T1078.004'],
  remediation: { pim: applyMitigationSteps },
  activationHistory: { windowKey: 'lookBack', reportsLastActivation: false },
};

/** An activation with its times parsed once: sorting and run-splitting compare them many times. */
interface Timed {
  request: Activation;
  startMs: number;
  /** Open-ended requests never end: everything after them continues their run. */
  endMs: number;
}

function timed(request: Activation): Timed {
  return {
    request,
    startMs: epochMs(request.startDateTime),
    endMs: request.endDateTime === null ? Number.POSITIVE_INFINITY : epochMs(request.endDateTime),
  };
}

function byStartThenEnd(a: Timed, b: Timed): number {
  return (
    a.startMs - b.startMs ||
    a.endMs - b.endMs ||
    (a.request.record.id < b.request.record.id ? -1 : a.request.record.id > b.request.record.id ? 1 : 0)
  );
}

/**
 * Splits one user's activations of one role (ordered by start) into runs: an activation joins the run
 * when it starts no later than `gapMs` after the run's latest end so far, so overlaps always join.
 */
function splitIntoRuns(ordered: readonly Timed[], gapMs: number): Timed[][] {
  const runs: Timed[][] = [];
  let current: Timed[] = [];
  let currentEndMs = Number.NEGATIVE_INFINITY;
  for (const entry of ordered) {
    if (current.length > 0 && entry.startMs > currentEndMs + gapMs) {
      runs.push(current);
      current = [];
      currentEndMs = Number.NEGATIVE_INFINITY;
    }
    current.push(entry);
    currentEndMs = Math.max(currentEndMs, entry.endMs);
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

function runEnd(run: readonly Timed[]): string | null {
  let latest: Timed | undefined;
  for (const entry of run) {
    if (entry.request.endDateTime === null) return null;
    if (!latest || entry.endMs > latest.endMs) latest = entry;
  }
  return latest?.request.endDateTime ?? null;
}

/**
 * Back-to-back activations of one role by one user.
 *
 * - fires (one incident per run): a user's successful self-activations of one role that start inside
 *   the look-back window (edge inside) and at or before `now`, ordered by start, form a run while each
 *   starts no later than `timeIntervalBetweenActivations` after the run's latest end (overlaps continue
 *   it); a run of at least `sequentialActivationCounterThreshold` is an incident.
 * - quiet: every run is shorter than the threshold. Failed, denied and admin-made requests never count.
 * - unknown: activation history could not be read from either source.
 *
 * Self-extensions and self-renewals (`selfExtend`, `selfRenew`) do not count. Graph documents them as a
 * user's request "to extend their expiring assignments" and "to renew their expired assignments"
 * (https://learn.microsoft.com/en-us/graph/api/resources/unifiedroleassignmentschedulerequest), and
 * PIM's page on them says only administrators extend or renew; the user only asks, for an eligible or
 * active assignment within 14 days of its end, and a group-inherited assignment cannot be extended at
 * all (https://learn.microsoft.com/en-us/entra/id-governance/privileged-identity-management/pim-how-to-renew-extend).
 * So an extension prolongs an assignment an administrator approved; it does not raise the user's
 * privilege again. PIM's alert counts "multiple activations to the same privileged role by the same
 * user", and its audit log records extensions under other activities (`Update member in PIM approved by
 * admin (extend/renew)`) than completed activations. Counting them would also make the two sources of
 * activation history disagree.
 */
export const SequentialActivationRenewalsAlert: Detector<typeof config> = defineDetector({
  meta,
  config,
  detect({ snapshot, config, now, exclusions }) {
    const lookBackMs = durationMs(config.lookBack);
    const gapMs = durationMs(config.timeIntervalBetweenActivations);
    const nowMs = now.getTime();
    const edge = windowEdge(now, lookBackMs);
    const perUserRole = new Map<string, Timed[]>();
    for (const request of selfActivations(snapshot)) {
      if (exclusions.has(request.principalId)) continue;
      const entry = timed(request);
      // The window runs from its edge (inside) up to now; activations scheduled for later do not count yet.
      if (entry.startMs < edge || entry.startMs > nowMs) continue;
      const key = principalRoleKey(request.principalId, request.roleTemplateId);
      const list = perUserRole.get(key);
      if (list) list.push(entry);
      else perUserRole.set(key, [entry]);
    }

    const incidents: Incident[] = [];
    for (const entries of perUserRole.values()) {
      for (const run of splitIntoRuns(entries.sort(byStartThenEnd), gapMs)) {
        if (run.length < config.sequentialActivationCounterThreshold) continue;
        const first = run[0]!.request;
        incidents.push({
          ...principalRoleIncident(snapshot, meta, first, first.startDateTime),
          activationCount: run.length,
          sequenceStartDateTime: first.startDateTime,
          sequenceEndDateTime: runEnd(run),
          evidence: run.map(({ request }) =>
            activationEvidence(
              request,
              `activation ${request.startDateTime} to ${request.endDateTime ?? 'open-ended'}`,
            ),
          ),
        });
      }
    }
    return { status: 'ok', incidents: incidents.sort(compareIncidents) };
  },
  thresholds: {
    firesMoreWhen: {
      sequentialActivationCounterThreshold: 'lower',
      timeIntervalBetweenActivations: 'higher',
    },
    wouldFireUnder(values, { activationCount }) {
      const count = numberOf(values, 'sequentialActivationCounterThreshold');
      // The count alone can rule a run out; whether a different gap splits or joins runs cannot be
      // re-checked from one incident, so a longer run stays "unknown" and the direction decides.
      if (count === undefined || activationCount === undefined || activationCount === null) return undefined;
      return activationCount < count ? false : undefined;
    },
  },
  situationDate(incident, ctx, { sequentialActivationCounterThreshold: threshold }) {
    // Evidence lists the run's activations in order; the run became an incident with the threshold-th.
    const ids = incident.evidence
      .filter((e) => e.kind === 'scheduleRequest' || e.kind === 'auditRecord')
      .map((e) => e.id);
    const reaching = ids[threshold - 1] ?? ids[ids.length - 1];
    const at =
      (reaching ? ctx.activation(reaching)?.startDateTime : undefined) ?? incident.sequenceStartDateTime;
    return at ? { at, what: `reached ${threshold} back-to-back activations` } : undefined;
  },
  keyDates: (i) =>
    `${i.activationCount ?? '?'} activations ${i.sequenceStartDateTime?.slice(0, 16).replace('T', ' ') ?? '?'} to ${i.sequenceEndDateTime?.slice(11, 16) ?? 'open'}`,
});
