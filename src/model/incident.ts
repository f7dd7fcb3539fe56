import { createHash } from 'node:crypto';
import type { AlertId, Severity } from './alerts.js';
import type { PrincipalType } from './snapshot.js';

/** Why an incident exists: the Graph object ids (grants, groups, requests, audit records, SKUs, policies) behind it. */
export interface Evidence {
  kind:
    | 'grant'
    | 'group'
    | 'scheduleRequest'
    | 'auditRecord'
    | 'subscribedSku'
    | 'policy'
    | 'signInActivity'
    | 'metric';
  id: string;
  /** A short human reading, e.g. `via group Tier0 Admins > Nested Ops`, `ga=5 all=40 percent=12.5`. */
  detail?: string;
}

/**
 * One incident found by a detector. Field names follow Graph's incident types so a report can put
 * ours and Graph's side by side; fields a given alert does not use are absent.
 */
export interface Incident {
  alert: AlertId;
  severity: Severity;
  /** Stable identity: tenant, alert, principal, role and (sequences only) the run start. Never counts or times. */
  fingerprint: string;
  tenantId: string;
  assigneeId?: string;
  assigneeType?: PrincipalType;
  assigneeDisplayName?: string | null;
  assigneeUserPrincipalName?: string | null;
  roleTemplateId?: string;
  roleDefinitionId?: string;
  roleDisplayName?: string | null;
  assignmentCreatedDateTime?: string | null;
  lastSignInDateTime?: string | null;
  lastActivationDateTime?: string | null;
  activationCount?: number;
  sequenceStartDateTime?: string;
  sequenceEndDateTime?: string | null;
  tenantLicenseStatus?: string;
  evidence: Evidence[];
}

/** The identity fields a fingerprint is built from. */
export interface FingerprintParts {
  tenantId: string;
  alert: AlertId;
  principalId?: string;
  roleTemplateId?: string;
  /** SequentialActivationRenewals only: the first activation's start, so separate runs stay separate. */
  runStart?: string;
}

/**
 * A short, stable id for an incident. Built only from identity fields, so a changed sign-in date or
 * activation count never makes a "new" incident out of an old one.
 */
export function incidentFingerprint(parts: FingerprintParts): string {
  const key = [
    parts.tenantId.toLowerCase(),
    parts.alert,
    (parts.principalId ?? '').toLowerCase(),
    (parts.roleTemplateId ?? '').toLowerCase(),
    parts.runStart ?? '',
  ].join('|');
  return createHash('sha256').update(key).digest('hex').slice(0, 24);
}

/** What one detector concluded. `unknown` is never "clean": nothing it found before may be resolved. */
export type DetectorResult =
  | {
      status: 'ok';
      incidents: Incident[];
      /** Parts the detector could not judge (e.g. a role without a policy), reported but not incidents. */
      unknownItems?: { subject: string; cause: string }[];
      /** Figures that explain the verdict (e.g. `{ globalAdmins: 5, holdings: 40, percent: 12.5 }`). */
      metrics?: Record<string, number>;
    }
  | { status: 'unknown'; cause: string };
