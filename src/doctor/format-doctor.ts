import type { DirectoryAuditsRule, Licences } from './readiness.js';
import type { DoctorReport } from './run-doctor.js';

const RULE_WORDS: Record<DirectoryAuditsRule, string> = {
  auditLogAlone: 'this tenant accepts AuditLog.Read.All alone (as the permissions reference says)',
  alsoDirectoryRead:
    'this tenant also wants Directory.Read.All (as the API page says): grant it, or RolesAssignedOutsidePimAlert stays unknown',
  undetermined:
    'could not tell whether this tenant needs Directory.Read.All besides AuditLog.Read.All (it is granted, or AuditLog.Read.All is not)',
};

function yesNo(value: boolean | null): string {
  return value === null ? 'unknown' : value ? 'yes' : 'NO';
}

function licenceLines(licences: Licences | null): string[] {
  if (!licences) return ['Licences: could not be read (subscribedSkus)'];
  return [
    `Licences: Entra ID P2 or Governance (PIM alerts): ${yesNo(licences.pim)}; Entra ID P1 or better (sign-in activity): ${yesNo(licences.signInActivity)}`,
    `  subscribed: ${licences.skus.join(', ') || 'none'}`,
  ];
}

/** The report as people read it in a terminal. */
export function formatDoctorTable(report: DoctorReport): string {
  const lines = [`pimwatch doctor: tenant ${report.tenantId}: ${report.status.toUpperCase()}`, ''];
  if (!report.credential.ok) {
    lines.push(`Credential: FAILED: ${report.credential.problem}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Credential: ok (application ${report.credential.appId ?? 'not named in the token'})`);
  lines.push(
    report.roles
      ? `Granted application permissions: ${report.roles.join(', ') || 'none'}`
      : 'Granted application permissions: the token carries no roles claim',
  );
  lines.push('', 'Sources:');
  for (const source of report.sources) {
    const state = source.state === 'readable' ? 'ok' : source.state.toUpperCase();
    const optional = source.required ? '' : ' (optional)';
    const missing = source.missing.length > 0 ? `; missing ${source.missing.join(', ')}` : '';
    lines.push(
      `  ${state.padEnd(8)} ${source.source}${optional}${source.detail ? `: ${source.detail}` : ''}${missing}`,
    );
  }
  lines.push(
    '',
    `Directory audits: ${RULE_WORDS[report.directoryAuditsRule]}`,
    ...licenceLines(report.licences),
  );
  lines.push('', 'Alerts:');
  for (const alert of report.alerts) {
    lines.push(`  ${alert.status.padEnd(8)} ${alert.alert}`);
    for (const reason of alert.reasons) lines.push(`           ${reason}`);
  }
  if (report.missingPermissions.length > 0) {
    lines.push('', `Grant (application permissions): ${report.missingPermissions.join(', ')}`);
  }
  if (report.adminConsentUrl) lines.push(`Admin consent: ${report.adminConsentUrl}`);
  return `${lines.join('\n')}\n`;
}
