import type { Activation, ActivationHistory, ActivationKind, GroupActivation } from '../model/snapshot.js';
import type { ReadOutcome } from './collection.js';
import type { GraphFailure } from './errors.js';
import type { GraphHttp } from './http.js';
import { AUDIT_RETENTION_MS, readPimActivationAudits } from './readers/pim-activation-audits.js';
import { type RawScheduleRequest, readScheduleRequests } from './readers/schedule-requests.js';

/** Where activation history comes from (`graph.activationHistory`). */
export const ACTIVATION_HISTORY_MODES = ['auto', 'scheduleRequests', 'auditLog'] as const;
export type ActivationHistoryMode = (typeof ACTIVATION_HISTORY_MODES)[number];

/** An activation before its role is normalised to a template id (that needs the role definitions). */
export type RawActivation = Omit<Activation, 'roleTemplateId'>;

/** A source's outcome for the snapshot's source table; `replaced` keeps why it failed. */
export type HistorySourceOutcome =
  | ReadOutcome<unknown>
  | { status: 'skipped' }
  | { status: 'replaced'; failure: GraphFailure };

const SUCCESSFUL_STATUSES = new Set(['provisioned', 'granted']);

/** A request that took effect (status `Provisioned` or `Granted`, compared without case). */
export function tookEffect(request: { status: string }): boolean {
  return SUCCESSFUL_STATUSES.has(request.status.toLowerCase());
}

/** Graph's self-service actions (compared without case) and what they did. */
const SELF_SERVICE_ACTIONS: Readonly<Record<string, ActivationKind>> = {
  selfactivate: 'activate',
  selfextend: 'extend',
  selfrenew: 'renew',
};

/**
 * The activations, extensions and renewals among schedule requests: those that took effect (design
 * section 3: status `Provisioned` or `Granted`) and that the principal asked for themselves.
 */
export function activationsFromScheduleRequests(requests: readonly RawScheduleRequest[]): RawActivation[] {
  const out: RawActivation[] = [];
  for (const request of requests) {
    const kind = SELF_SERVICE_ACTIONS[request.action.toLowerCase()];
    if (!kind || !tookEffect(request)) continue;
    out.push({
      record: { kind: 'scheduleRequest', id: request.id },
      kind,
      principalId: request.principalId,
      roleDefinitionId: request.roleDefinitionId,
      startDateTime: request.startDateTime,
      endDateTime: request.endDateTime,
    });
  }
  return out;
}

export interface HistoryRead {
  history: Omit<ActivationHistory, 'activations'> & { activations: RawActivation[] };
  scheduleRequests: HistorySourceOutcome;
  pimActivationAudits: HistorySourceOutcome;
}

const FAILURE_WORDS: Record<GraphFailure['kind'], string> = {
  http: 'HTTP error',
  network: 'network error',
  timeout: 'timeout',
  invalidResponse: 'unreadable response',
  auth: 'no token',
};

/** A failure in a few words for the report: `403 Authorization_RequestDenied`, `timeout`, ... */
function failureText(failure: GraphFailure): string {
  if (failure.kind !== 'http') return FAILURE_WORDS[failure.kind];
  return [failure.status, failure.code].filter((part) => part !== undefined && part !== '').join(' ');
}

/**
 * Reads activation history from the source the mode asks for. In `auto`, the schedule requests are
 * tried first (they hold everything, but Microsoft lists only write permissions for them); when they
 * cannot be read, PIM's audit records stand in, and the requests' failure is kept as the reason.
 */
export async function readActivationHistory(
  http: GraphHttp,
  options: { mode: ActivationHistoryMode; now: Date },
): Promise<HistoryRead> {
  const requests = options.mode === 'auditLog' ? undefined : await readScheduleRequests(http);
  if (requests?.status === 'ok') {
    const kept = requests.items.filter((r): r is RawScheduleRequest => r !== undefined);
    return {
      history: {
        source: 'scheduleRequests',
        reason: null,
        coversFrom: null,
        activations: activationsFromScheduleRequests(kept),
        // Group membership activations come from PIM's audit records only (not read on this path).
        groupActivations: [],
      },
      scheduleRequests: requests,
      pimActivationAudits: { status: 'skipped' },
    };
  }
  if (options.mode === 'scheduleRequests' && requests) {
    return {
      history: { source: null, reason: null, coversFrom: null, activations: [], groupActivations: [] },
      scheduleRequests: requests,
      pimActivationAudits: { status: 'skipped' },
    };
  }
  // The audit log holds 30 days with Entra ID P1/P2
  // (https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-reports-data-retention);
  // whether Graph accepts a filter exactly at that edge is UNCONFIRMED (docs/unconfirmed-graph-facts.md).
  const since = new Date(options.now.getTime() - AUDIT_RETENTION_MS);
  const audits = await readPimActivationAudits(http, since);
  const reason = requests
    ? `scheduleRequests: ${failureText(requests.failure)}, using the audit log`
    : 'graph.activationHistory is auditLog';
  const requestsOutcome: HistorySourceOutcome = !requests
    ? { status: 'skipped' }
    : audits.status === 'ok'
      ? { status: 'replaced', failure: requests.failure }
      : requests;
  if (audits.status !== 'ok') {
    return {
      history: { source: null, reason, coversFrom: null, activations: [], groupActivations: [] },
      scheduleRequests: requestsOutcome,
      pimActivationAudits: audits,
    };
  }
  return {
    history: {
      source: 'auditLog',
      reason,
      coversFrom: since.toISOString(),
      activations: audits.items.flatMap((a): RawActivation[] =>
        a.target.kind === 'role'
          ? [
              {
                record: { kind: 'auditRecord', id: a.recordId },
                kind: 'activate',
                principalId: a.principalId,
                roleDefinitionId: a.target.roleDefinitionId,
                startDateTime: a.startDateTime,
                endDateTime: a.endDateTime,
              },
            ]
          : [],
      ),
      groupActivations: audits.items.flatMap((a): GroupActivation[] =>
        a.target.kind === 'group'
          ? [
              {
                record: { kind: 'auditRecord', id: a.recordId },
                principalId: a.principalId,
                groupId: a.target.groupId,
                startDateTime: a.startDateTime,
                endDateTime: a.endDateTime,
              },
            ]
          : [],
      ),
    },
    scheduleRequests: requestsOutcome,
    pimActivationAudits: audits,
  };
}
