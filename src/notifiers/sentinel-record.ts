import type { FeedEvent } from './feed-event.js';

/**
 * The row pimwatch sends to Microsoft Sentinel for one transition: a few columns a SOC filters and joins
 * on, plus the whole feed event in `Event` (a `dynamic` column) so nothing is lost. The custom table and
 * the data collection rule in `deploy/sentinel/` declare exactly these columns, with these types; a test
 * keeps the two in step. Adding a column means adding it there too (Log Analytics drops unknown ones).
 */

/** Column name -> Log Analytics type, in the order the table declares them. */
export const SENTINEL_COLUMNS = {
  TimeGenerated: 'datetime',
  EventId: 'string',
  EventType: 'string',
  SchemaVersion: 'string',
  TenantId: 'string',
  TenantName: 'string',
  ScanId: 'string',
  Alert: 'string',
  AlertTitle: 'string',
  Severity: 'string',
  Classification: 'string',
  GraphIncidentId: 'string',
  AssigneeId: 'string',
  AssigneeUserPrincipalName: 'string',
  RoleDisplayName: 'string',
  Suppressed: 'boolean',
  Event: 'dynamic',
} as const;

export type SentinelRecord = {
  [K in keyof typeof SENTINEL_COLUMNS]: (typeof SENTINEL_COLUMNS)[K] extends 'boolean'
    ? boolean
    : (typeof SENTINEL_COLUMNS)[K] extends 'dynamic'
      ? FeedEvent
      : string | null;
};

/** Pure. `TimeGenerated` is when the scan that caused the change ran, so a retried upload keeps it. */
export function renderSentinelRecord(event: FeedEvent): SentinelRecord {
  return {
    TimeGenerated: event.time,
    EventId: event.eventId,
    EventType: event.type,
    SchemaVersion: event.schemaVersion,
    TenantId: event.tenantId,
    TenantName: event.tenantName,
    ScanId: event.scanId,
    Alert: event.alert,
    AlertTitle: event.alertTitle,
    Severity: event.severity,
    Classification: event.classification,
    GraphIncidentId: event.graphIncidentId,
    AssigneeId: event.incident.assigneeId ?? null,
    AssigneeUserPrincipalName: event.incident.assigneeUserPrincipalName ?? null,
    RoleDisplayName: event.incident.roleDisplayName ?? null,
    Suppressed: event.suppression !== null,
    Event: event,
  };
}
