import { z } from 'zod';
import type { ScheduleRequest } from '../../model/snapshot.js';
import { parseIsoDuration } from '../../util/iso-duration.js';
import { readCollection } from '../collection.js';
import type { GraphHttp } from '../http.js';
import { sourceRequest } from '../source-request.js';
import { graphDateTime, nullableString } from './shared.js';

export type RawScheduleRequest = Omit<ScheduleRequest, 'roleTemplateId'>;

/** What every schedule request (roles and PIM for Groups alike) says about when it applies. */
export const requestScheduleFields = {
  id: z.string().min(1),
  action: z.string().default(''),
  status: z.string().default(''),
  principalId: z.string().min(1),
  createdDateTime: graphDateTime,
  scheduleInfo: z
    .object({
      startDateTime: graphDateTime,
      expiration: z
        .object({ type: z.string().nullish(), endDateTime: graphDateTime, duration: z.string().nullish() })
        .nullish(),
    })
    .nullish(),
};

const requestSchema = z.object({
  ...requestScheduleFields,
  roleDefinitionId: z.string().min(1),
  directoryScopeId: z.string().nullish(),
  targetScheduleId: nullableString,
});

type ScheduleFields = z.infer<z.ZodObject<typeof requestScheduleFields>>;

/**
 * When a request's schedule starts and ends, per the design's definition of a successful request: the
 * schedule's start (else the creation time), plus its duration or up to its end date. Undefined: no start.
 */
export function requestWindow(r: ScheduleFields): { start: string; end: string | null } | undefined {
  const start = r.scheduleInfo?.startDateTime ?? r.createdDateTime;
  if (!start) return undefined;
  const expiration = r.scheduleInfo?.expiration;
  let end: string | null = null;
  const durationMs = expiration?.duration ? parseIsoDuration(expiration.duration) : undefined;
  if (durationMs !== undefined) end = new Date(Date.parse(start) + durationMs).toISOString();
  else if (expiration?.endDateTime) end = expiration.endDateTime;
  return { start, end };
}

function toRequest(r: z.infer<typeof requestSchema>): RawScheduleRequest | undefined {
  const window = requestWindow(r);
  if (!window) return undefined;
  const { start, end } = window;
  return {
    id: r.id,
    action: r.action,
    status: r.status,
    principalId: r.principalId,
    roleDefinitionId: r.roleDefinitionId,
    directoryScopeId: r.directoryScopeId ?? '/',
    createdDateTime: r.createdDateTime ?? start,
    startDateTime: start,
    endDateTime: end,
    targetScheduleId: r.targetScheduleId,
  };
}

/**
 * Every assignment schedule request. Graph documents no server-side filter on `action`, so all are read
 * and the detectors pick activations and extensions themselves.
 */
export function readScheduleRequests(http: GraphHttp) {
  return readCollection(
    http,
    sourceRequest('roleAssignmentScheduleRequests', {
      $select:
        'id,action,status,principalId,roleDefinitionId,directoryScopeId,createdDateTime,targetScheduleId,scheduleInfo',
    }),
    requestSchema,
    toRequest,
  );
}
