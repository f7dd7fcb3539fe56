import { PIM_SERVICE_PLAN_IDS } from '../detectors/alerts/invalid-license.js';
import { countsGroupMembers, HOLDING_EXTENSION_SOURCES } from '../detectors/holdings.js';
import { DETECTORS } from '../detectors/registry.js';
import { DIRECTORY_AUDITS_DISPUTED_PERMISSION, missingPermissions, SOURCES } from '../graph/sources.js';
import type { AlertId } from '../model/alerts.js';
import { SOURCE_NAMES, type SourceName } from '../model/snapshot.js';

/** What one source's probe found. */
export interface SourceCheck {
  source: SourceName;
  required: boolean;
  state: 'readable' | 'denied' | 'failed';
  /** `403 Authorization_RequestDenied ...` when not readable. */
  detail?: string;
  /** Least privileged permissions the token lacks for this source. */
  missing: string[];
}

export type Readiness = 'ready' | 'degraded' | 'blocked';

export interface AlertReadiness {
  alert: AlertId;
  status: Readiness;
  /** Why not ready: the source, what Graph answered, the fallback used or what to grant. */
  reasons: string[];
}

export interface Licences {
  /** Entra ID P2 or Governance: what PIM and its alerts need. Null when the licences could not be read. */
  pim: boolean | null;
  /** Entra ID P1 or better: what sign-in activity needs. */
  signInActivity: boolean | null;
  /** Part numbers of the subscribed SKUs that are usable. */
  skus: string[];
}

/** Which of Microsoft's two statements on directory audits this tenant follows (see src/graph/sources.ts). */
export type DirectoryAuditsRule = 'auditLogAlone' | 'alsoDirectoryRead' | 'undetermined';

const ENTRA_P1_PLAN_ID = '41781fb2-bc02-4b7c-bd55-b576c07bb09d';
const USABLE_SKU_STATES = new Set(['enabled', 'warning']);

/** A source's effect on what depends on it: read, read through its fallback, or not at all. */
export function sourceEffect(
  name: SourceName,
  checks: Readonly<Record<SourceName, SourceCheck>>,
): { status: Readiness; reason?: string; missing: string[] } {
  const check = checks[name];
  if (check.state === 'readable') return { status: 'ready', missing: [] };
  const info = SOURCES[name];
  const what = `${name}: ${check.detail ?? check.state}`;
  if (info.fallback) {
    const fallback = checks[info.fallback];
    if (fallback.state === 'readable') {
      return {
        status: 'degraded',
        reason: `${what}; using ${info.fallback} instead (${SOURCES[info.fallback].unlocks})`,
        missing: [],
      };
    }
    // Least privilege: ask for what the fallback needs, never for the primary's write permission.
    return {
      status: 'blocked',
      reason: `${what}, and its fallback ${info.fallback}: ${fallback.detail ?? fallback.state}${grantText(fallback.missing)}`,
      missing: fallback.missing,
    };
  }
  if (!info.required) return { status: 'ready', missing: [] };
  return { status: 'blocked', reason: `${what}${grantText(check.missing)}`, missing: check.missing };
}

function grantText(missing: readonly string[]): string {
  return missing.length > 0 ? `; grant ${missing.join(' and ')}` : '';
}

const RANK: Record<Readiness, number> = { ready: 0, degraded: 1, blocked: 2 };

export function worst(statuses: readonly Readiness[]): Readiness {
  return statuses.reduce<Readiness>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ready');
}

/** Per alert, from the sources its detector declares: the same sources that make a scan's verdict unknown. */
export function alertReadiness(checks: Readonly<Record<SourceName, SourceCheck>>): AlertReadiness[] {
  return DETECTORS.map((detector) => {
    const effects = [
      ...detector.meta.sources.map((source) => sourceEffect(source, checks)),
      ...(countsGroupMembers(detector.meta.sources)
        ? HOLDING_EXTENSION_SOURCES.map((s) => extensionEffect(s, checks))
        : []),
    ];
    return {
      alert: detector.meta.alert,
      status: worst(effects.map((e) => e.status)),
      reasons: effects.flatMap((e) => (e.reason ? [e.reason] : [])),
    };
  });
}

/**
 * A source that only widens holdings (PIM for Groups): without it the alert still runs, so it is degraded,
 * never blocked; the grant that would complete it is named.
 */
function extensionEffect(
  name: SourceName,
  checks: Readonly<Record<SourceName, SourceCheck>>,
): { status: Readiness; reason?: string; missing: string[] } {
  const effect = sourceEffect(name, checks);
  if (effect.status === 'ready') return effect;
  return {
    status: 'degraded',
    reason: `${effect.reason}; members through PIM for Groups are not counted`,
    missing: effect.missing,
  };
}

/** The whole tenant: every source a scan needs, whether or not an alert depends on it (reconciliation too). */
export function tenantReadiness(checks: Readonly<Record<SourceName, SourceCheck>>): {
  status: Readiness;
  reasons: string[];
  missing: string[];
} {
  const effects = SOURCE_NAMES.map((source) => sourceEffect(source, checks));
  return {
    status: worst(effects.map((e) => e.status)),
    reasons: [...new Set(effects.flatMap((e) => (e.reason ? [e.reason] : [])))],
    missing: [...new Set(effects.flatMap((e) => e.missing))],
  };
}

/** The probe's verdict on one source, with the permissions the token lacks for it. */
export function checkSource(
  source: SourceName,
  answer: { ok: true } | { ok: false; status?: number; detail: string },
  roles: ReadonlySet<string> | null,
): SourceCheck {
  const info = SOURCES[source];
  const base = { source, required: info.required };
  if (answer.ok) return { ...base, state: 'readable', missing: [] };
  const denied = answer.status === 401 || answer.status === 403;
  let missing = roles ? missingPermissions(info.permissions, roles) : info.permissions.map((c) => c[0]);
  // Granted what the permissions reference asks and still refused: the tenant wants what the API page says.
  if (
    denied &&
    missing.length === 0 &&
    source.endsWith('Audits') &&
    !roles?.has(DIRECTORY_AUDITS_DISPUTED_PERMISSION)
  ) {
    missing = [DIRECTORY_AUDITS_DISPUTED_PERMISSION];
  }
  return {
    ...base,
    state: denied ? 'denied' : 'failed',
    detail: answer.detail,
    missing: denied ? missing : [],
  };
}

/** Which rule on directory audits the tenant enforced, when the token's roles let us tell. */
export function directoryAuditsRule(
  check: SourceCheck,
  roles: ReadonlySet<string> | null,
): DirectoryAuditsRule {
  if (!roles?.has('AuditLog.Read.All') || roles.has(DIRECTORY_AUDITS_DISPUTED_PERMISSION)) {
    return 'undetermined';
  }
  if (check.state === 'readable') return 'auditLogAlone';
  return check.state === 'denied' ? 'alsoDirectoryRead' : 'undetermined';
}

/** The tenant's licences from a `subscribedSkus` answer (null: not readable). */
export function licencesFrom(body: unknown): Licences {
  const skus = (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(skus)) return { pim: null, signInActivity: null, skus: [] };
  const usable = skus.filter((s) => USABLE_SKU_STATES.has(String(s?.capabilityStatus ?? '').toLowerCase()));
  const plans = new Set(
    usable.flatMap((s) =>
      (Array.isArray(s.servicePlans) ? s.servicePlans : [])
        .filter(
          (p: { provisioningStatus?: unknown }) => String(p?.provisioningStatus).toLowerCase() === 'success',
        )
        .map((p: { servicePlanId?: unknown }) => String(p.servicePlanId)),
    ),
  );
  const pim = Object.keys(PIM_SERVICE_PLAN_IDS).some((id) => plans.has(id));
  return {
    pim,
    signInActivity: pim || plans.has(ENTRA_P1_PLAN_ID),
    skus: usable.map((s) => String(s.skuPartNumber ?? s.skuId ?? '?')),
  };
}

/** The alerts whose verdict rests on a source, directly or because it stands in for another source. */
export function alertsNeeding(source: SourceName): AlertId[] {
  const through = SOURCE_NAMES.filter((s) => s === source || SOURCES[s].fallback === source);
  const extendsHoldings = (HOLDING_EXTENSION_SOURCES as readonly SourceName[]).includes(source);
  return DETECTORS.filter(
    (d) =>
      d.meta.sources.some((s) => through.includes(s)) ||
      (extendsHoldings && countsGroupMembers(d.meta.sources)),
  ).map((d) => d.meta.alert);
}
