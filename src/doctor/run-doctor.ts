import { describeTokenFailure, explainTokenFailure } from '../graph/aadsts.js';
import { describeFailure } from '../graph/errors.js';
import type { GraphHttp } from '../graph/http.js';
import { SOURCES } from '../graph/sources.js';
import { SOURCE_NAMES, type SourceName } from '../model/snapshot.js';
import { readAccessTokenClaims } from './access-token.js';
import {
  type AlertReadiness,
  alertReadiness,
  checkSource,
  type DirectoryAuditsRule,
  directoryAuditsRule,
  type Licences,
  licencesFrom,
  type Readiness,
  type SourceCheck,
  tenantReadiness,
} from './readiness.js';

export interface DoctorReport {
  tenantId: string;
  status: Readiness;
  credential: { ok: true; appId: string | null } | { ok: false; code?: number; problem: string };
  /** The application permissions the token carries; null when it has no `roles` claim. */
  roles: string[] | null;
  sources: SourceCheck[];
  directoryAuditsRule: DirectoryAuditsRule;
  licences: Licences | null;
  alerts: AlertReadiness[];
  /** Why the tenant is not ready, source by source. */
  reasons: string[];
  /** Least privileged permissions to grant. */
  missingPermissions: string[];
  /** Where an administrator grants them (for an app registration; absent for managed identities). */
  adminConsentUrl?: string;
}

export interface DoctorInput {
  tenantId: string;
  http: GraphHttp;
  authorityHost: string;
  /** The configured client id, used when the token does not name its app. */
  clientId?: string;
}

/**
 * Checks a tenant before any scan: gets a token through the tenant's real credential, reads the
 * permissions it carries, sends one cheap request per source, reads the licences, and says per alert
 * whether a scan would be ready, degraded (a fallback in use) or blocked.
 */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  let token: string;
  try {
    token = await input.http.accessToken();
  } catch (error) {
    const failure = explainTokenFailure(error);
    return {
      tenantId: input.tenantId,
      status: 'blocked',
      credential: {
        ok: false,
        ...(failure.code !== undefined ? { code: failure.code } : {}),
        problem: describeTokenFailure(failure),
      },
      roles: null,
      sources: [],
      directoryAuditsRule: 'undetermined',
      licences: null,
      alerts: [],
      reasons: [`the credential could not get a token: ${describeTokenFailure(failure)}`],
      missingPermissions: [],
    };
  }
  const claims = readAccessTokenClaims(token);
  const roles = claims.roles ? new Set(claims.roles) : null;
  const { checks, skusBody } = await probeSources(input.http, roles);
  const tenant = tenantReadiness(checks);
  const appId = claims.appId ?? input.clientId ?? null;
  return {
    tenantId: input.tenantId,
    status: tenant.status,
    credential: { ok: true, appId },
    roles: claims.roles ? [...claims.roles].sort() : null,
    sources: SOURCE_NAMES.map((s) => checks[s]),
    directoryAuditsRule: directoryAuditsRule(checks.directoryAudits, roles),
    licences: checks.subscribedSkus.state === 'readable' ? licencesFrom(skusBody) : null,
    alerts: alertReadiness(checks),
    reasons: tenant.reasons,
    missingPermissions: tenant.missing,
    ...(tenant.missing.length > 0 && appId
      ? { adminConsentUrl: adminConsentUrl(input.authorityHost, input.tenantId, appId) }
      : {}),
  };
}

/** `{authorityHost}/{tenantId}/adminconsent?client_id=...`: an administrator consents to the app's permissions. */
export function adminConsentUrl(authorityHost: string, tenantId: string, clientId: string): string {
  const url = new URL(`${authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/adminconsent`);
  url.searchParams.set('client_id', clientId);
  return url.toString();
}

/** One probe per source, all at once; a source with several probes is readable only if all answer. */
async function probeSources(http: GraphHttp, roles: ReadonlySet<string> | null) {
  let skusBody: unknown;
  const entries = await Promise.all(
    SOURCE_NAMES.map(async (source): Promise<[SourceName, SourceCheck]> => {
      for (const probe of SOURCES[source].probes) {
        const result = await http.send({
          version: probe.version,
          path: probe.path,
          query: probe.query,
          throttle: probe.throttle ?? 'directory',
          tag: source,
        });
        if (result.ok) {
          if (source === 'subscribedSkus') skusBody = result.value.body;
          continue;
        }
        if (probe.notFoundMeansReadable && result.failure.status === 404) continue;
        const answer = { ok: false as const, detail: describeFailure(result.failure) };
        const status = result.failure.status;
        return [source, checkSource(source, status !== undefined ? { ...answer, status } : answer, roles)];
      }
      return [source, checkSource(source, { ok: true }, roles)];
    }),
  );
  return { checks: Object.fromEntries(entries) as Record<SourceName, SourceCheck>, skusBody };
}
