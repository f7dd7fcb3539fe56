import type { AlertId } from '../model/alerts.js';

/**
 * MITRE ATT&CK techniques (Enterprise matrix) an alert is evidence of, or exposure to. Only techniques
 * that fit are listed: a SIEM pivots on these ids, and a wrong tag is worse than none.
 */
export interface AttackTechnique {
  /** Sub-technique id, e.g. `T1078.004`. */
  id: string;
  name: string;
  /** The parent technique. */
  technique: { id: string; name: string };
  /** Tactics under which ATT&CK lists the technique that matter for privileged roles. */
  tactics: readonly { id: string; name: string }[];
}

/**
 * The ATT&CK release the ids and names below were checked against (OCSF's `attacks[].version`): both
 * sub-techniques carry these names in Enterprise ATT&CK 17.1, e.g.
 * https://center-for-threat-informed-defense.github.io/mappings-explorer/attack/attack-17.1/domain-enterprise/techniques/T1098.003
 */
export const ATTACK_VERSION = '17.1';

const PERSISTENCE = { id: 'TA0003', name: 'Persistence' };
const PRIVILEGE_ESCALATION = { id: 'TA0004', name: 'Privilege Escalation' };

export const ATTACK_TECHNIQUES = {
  'T1078.004': {
    id: 'T1078.004',
    name: 'Cloud Accounts',
    technique: { id: 'T1078', name: 'Valid Accounts' },
    tactics: [PERSISTENCE, PRIVILEGE_ESCALATION],
  },
  'T1098.003': {
    id: 'T1098.003',
    name: 'Additional Cloud Roles',
    technique: { id: 'T1098', name: 'Account Manipulation' },
    tactics: [PERSISTENCE, PRIVILEGE_ESCALATION],
  },
} as const satisfies Record<string, AttackTechnique>;
export type AttackTechniqueId = keyof typeof ATTACK_TECHNIQUES;

/**
 * Why each alert carries its techniques:
 * - RolesAssignedOutsidePim: a role added to an account outside the controlled path is the technique
 *   itself (T1098.003, additional cloud roles), the way attackers keep or raise access.
 * - StaleSignIn, RedundantAssignment: dormant privileged accounts and unused eligibilities are standing
 *   access that a stolen credential can use unnoticed (T1078.004).
 * - NoMfaOnRoleActivation: a password alone is enough to turn a valid account into an administrator
 *   (T1078.004).
 * - SequentialActivationRenewals: back-to-back activations are how an account someone else is using
 *   keeps its privilege alive (T1078.004).
 * - TooManyGlobalAdmins: every extra Global Administrator is one more valid account whose takeover gives
 *   the whole tenant (T1078.004).
 * - InvalidLicense: a licensing state, not adversary behaviour: no technique.
 */
export const ALERT_ATTACK_TECHNIQUES: Readonly<Record<AlertId, readonly AttackTechniqueId[]>> = {
  TooManyGlobalAdminsAssignedToTenantAlert: ['T1078.004'],
  InvalidLicenseAlert: [],
  NoMfaOnRoleActivationAlert: ['T1078.004'],
  RedundantAssignmentAlert: ['T1078.004'],
  RolesAssignedOutsidePimAlert: ['T1098.003'],
  SequentialActivationRenewalsAlert: ['T1078.004'],
  StaleSignInAlert: ['T1078.004'],
};
