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
