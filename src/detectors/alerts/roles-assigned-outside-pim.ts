import type { z } from 'zod';
import type { Evidence, Incident } from '../../model/incident.js';
import type { AuditRecord, TenantSnapshot } from '../../model/snapshot.js';
import { durationMs } from '../../util/iso-duration.js';
import { principalRoleKey } from '../activations.js';
import { assigneeFields, compareIncidents, incidentIdentity, roleFields } from '../incident-fields.js';
import { removeRoleAssignment } from '../remediation.js';
import { detectorSettings, durationSetting } from '../settings.js';
import { dayOf, epochMs, isWithinLookBack } from '../time.js';
import { type Detector, type DetectorMeta, defineDetector } from '../types.js';

/** The MS-PIM service principal's application id: the directory writes PIM itself makes carry it. */
export const MS_PIM_APP_ID = '01fc33a7-78ba-4d2f-a4b7-768e336e890e';
const MS_PIM_APP_NAME = 'ms-pim';
const PIM_OUTSIDE_ACTIVITY = 'add member to role outside of pim';
const DIRECTORY_ADD_ACTIVITY = 'add member to role';
const CORE_DIRECTORY = 'core directory';

const config = detectorSettings({
  lookBack: durationSetting('P30D', 'How far back to read audit records.'),
});

const meta: DetectorMeta<z.output<typeof config>> = {
  alert: 'RolesAssignedOutsidePimAlert',
  title: 'Role assigned outside Privileged Identity Management',
  severity: 'high',
  description:
    'A role was granted directly in the directory (portal, PowerShell, Graph or an app) instead of through ' +
    'PIM, so it skipped PIM approval, time limits and notifications. That is how an attacker with a foothold ' +
    'would add themselves, so treat it as suspicious until explained.',
  mitigation: [
    'Find out from the audit record who or what made the assignment, and whether it was expected.',
    'If it was not, remove the assignment at once and investigate the account or app that made it.',
    'If the access is needed, remove it and grant it again through PIM, as eligible where possible.',
    'Take direct role-assignment rights away from the tool or person that bypassed PIM.',
  ],
  sources: ['directoryAudits', 'roleAssignmentScheduleInstances', 'roleAssignments'],
  graphConfigurationType:
    '#microsoft.graph.rolesAssignedOutsidePrivilegedIdentityManagementAlertConfiguration',
  thresholdKeys: [],
  matchBy: 'assigneeAndRole',
  // A role added outside the controlled path is the technique itself: how attackers keep or raise access.
  attack: ['T1098.003'],
  remediation: { pim: removeRoleAssignment },
  assignmentDateTitle: 'Assigned outside PIM',
  auditLogWindowKey: 'lookBack',
};

function initiatedByPim(record: AuditRecord): boolean {
  const { appId, appDisplayName } = record.initiatedBy;
  return appId?.toLowerCase() === MS_PIM_APP_ID || appDisplayName?.toLowerCase() === MS_PIM_APP_NAME;
}

/** PIM's own "outside of PIM" record, or a directory role add that PIM did not make. */
export function recordsAssignmentOutsidePim(record: AuditRecord): boolean {
  if (record.result.toLowerCase() !== 'success') return false;
  const activity = record.activityDisplayName.toLowerCase();
  if (activity.startsWith(PIM_OUTSIDE_ACTIVITY)) return true;
  return (
    activity === DIRECTORY_ADD_ACTIVITY &&
    record.loggedByService.toLowerCase() === CORE_DIRECTORY &&
    !initiatedByPim(record)
  );
}

/** Who made the change, by name where the snapshot knows the user: people read names, not object ids. */
function initiatorText(snapshot: TenantSnapshot, record: AuditRecord): string {
  const { userPrincipalName, userId, appDisplayName, appId } = record.initiatedBy;
  const known = userId ? snapshot.principals.get(userId)?.displayName : undefined;
  if (known) return userPrincipalName ? `${known} (${userPrincipalName})` : known;
  return userPrincipalName ?? userId ?? appDisplayName ?? appId ?? 'unknown initiator';
}

/**
 * Role assignments made around PIM.
 *
 * - fires (one incident per principal and role): a successful audit record inside the look-back window
 *   (the edge itself is inside) that is PIM's `Add member to role outside of PIM...`, or `Add member to
 *   role` logged by `Core Directory` and not initiated by MS-PIM, names a principal and role whose active
 *   assignment still exists. `assignmentCreatedDateTime` is the latest such record.
 * - quiet: no such record, the records are older than the look-back, or the assignment is gone since.
 *   Records naming no principal or role are listed in `unknownItems`.
 * - unknown: audit records or active assignments could not be read.
 */
export const RolesAssignedOutsidePimAlert: Detector<typeof config> = defineDetector({
  meta,
  config,
  detect({ snapshot, config, now, holdings, exclusions }) {
    const windowMs = durationMs(config.lookBack);
    const byAssignment = new Map<string, AuditRecord[]>();
    const unknownItems: { subject: string; cause: string }[] = [];
    for (const record of snapshot.audits) {
      if (!recordsAssignmentOutsidePim(record) || !isWithinLookBack(record.activityDateTime, now, windowMs))
        continue;
      if (!record.target || !record.roleTemplateId) {
        unknownItems.push({
          subject: `audit record ${record.id}`,
          cause: 'the record does not name the principal or the role that was assigned',
        });
        continue;
      }
      const key = principalRoleKey(record.target.id, record.roleTemplateId);
      const list = byAssignment.get(key);
      if (list) list.push(record);
      else byAssignment.set(key, [record]);
    }

    const incidents: Incident[] = [];
    for (const records of byAssignment.values()) {
      records.sort((a, b) => epochMs(a.activityDateTime) - epochMs(b.activityDateTime));
      const latest = records[records.length - 1]!;
      const target = latest.target!;
      const roleTemplateId = latest.roleTemplateId!;
      if (exclusions.has(target.id)) continue;
      const grants = holdings.activeGrantsOf(target.id, roleTemplateId);
      if (grants.length === 0) continue;
      const evidence: Evidence[] = [
        ...records.map((record) => ({
          kind: 'auditRecord' as const,
          id: record.id,
          detail: `${record.activityDisplayName} at ${record.activityDateTime} by ${initiatorText(snapshot, record)}`,
        })),
        ...grants.map((grant) => ({
          kind: 'grant' as const,
          id: grant.id,
          detail: 'assignment still active',
        })),
      ];
      incidents.push({
        ...incidentIdentity(snapshot, meta.alert, meta.severity, { principalId: target.id, roleTemplateId }),
        ...assigneeFields(snapshot, target.id, target),
        ...roleFields(snapshot, roleTemplateId, grants[0]!.roleDefinitionId, latest.roleDisplayName),
        assignmentCreatedDateTime: latest.activityDateTime,
        evidence,
      });
    }
    return {
      status: 'ok',
      incidents: incidents.sort(compareIncidents),
      ...(unknownItems.length > 0 ? { unknownItems } : {}),
    };
  },
  situationDate(incident) {
    const at = incident.assignmentCreatedDateTime;
    return at ? { at, what: 'was assigned the role outside PIM' } : undefined;
  },
  keyDates: (incident) => `assigned ${dayOf(incident.assignmentCreatedDateTime)}`,
});
