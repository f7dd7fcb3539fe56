import { UsageError } from '../errors.js';
import { type AlertId, isAlertId } from '../model/alerts.js';
import { INCIDENT_STATES, type IncidentState } from '../model/lifecycle.js';
import { columns, keyDates, principalLabel, roleLabel } from '../scan/format-text.js';
import type { CommandOptions, declareIncidentsCommand, declareSuppressCommand } from './command-lines.js';
import { EXIT } from './exit.js';
import { loadTenantContext, withSharedStore } from './tenant-context.js';

type Write = (text: string) => void;
const stdout: Write = (t) => process.stdout.write(t);

function parseState(value: string | undefined): IncidentState[] | undefined {
  if (value === undefined) return undefined;
  // `open` as people mean it: anything not resolved.
  if (value === 'active') return ['new', 'open', 'reopened'];
  if (!(INCIDENT_STATES as readonly string[]).includes(value)) {
    throw new UsageError(
      `--state must be one of ${[...INCIDENT_STATES, 'active'].join(', ')} (got "${value}")`,
    );
  }
  return [value as IncidentState];
}

function parseAlert(value: string | undefined): AlertId | undefined {
  if (value === undefined) return undefined;
  if (!isAlertId(value))
    throw new UsageError(`--alert must be an alert id such as StaleSignInAlert (got "${value}")`);
  return value;
}

/** `pimwatch incidents`: what pimwatch remembers about a tenant's incidents. */
export async function runIncidentsCommand(
  opts: CommandOptions<typeof declareIncidentsCommand>,
  write: Write = stdout,
): Promise<number> {
  const { config, tenant } = loadTenantContext(opts.config, opts.tenant);
  const states = parseState(opts.state);
  const alert = parseAlert(opts.alert);
  return withSharedStore(config, 'incidents', async (store) => {
    const records = await store.listIncidents(tenant.id, {
      ...(states ? { state: states } : {}),
      ...(alert ? { alert } : {}),
    });
    if (opts.format === 'json') {
      write(`${JSON.stringify(records, null, 2)}\n`);
      return EXIT.ok;
    }
    write(`${records.length} incident(s) of ${tenant.name} (${tenant.id})\n`);
    if (records.length > 0) {
      const rows = records.map((r) => {
        const incident = { ...r.incident, classification: r.incident.classification } as Parameters<
          typeof keyDates
        >[0];
        return [
          r.state,
          r.alert,
          r.severity,
          principalLabel(incident) || '-',
          roleLabel(incident) || '-',
          r.firstSeen.slice(0, 16),
          r.lastSeen.slice(0, 16),
          r.fingerprint,
          keyDates(incident),
        ];
      });
      write(
        `${columns([['STATE', 'ALERT', 'SEVERITY', 'PRINCIPAL', 'ROLE', 'FIRST SEEN', 'LAST SEEN', 'FINGERPRINT', 'DETAILS'], ...rows], '').join('\n')}\n`,
      );
    }
    return EXIT.ok;
  });
}

/** `pimwatch suppress`: hide an incident's notifications for a while, with a reason; never forever. */
export async function runSuppressCommand(
  opts: CommandOptions<typeof declareSuppressCommand>,
  write: Write = stdout,
): Promise<number> {
  const { config, tenant } = loadTenantContext(opts.config, opts.tenant);
  const alert = parseAlert(opts.alert);
  if (!opts.fingerprint && !(opts.principal && alert)) {
    throw new UsageError('say what to suppress: --fingerprint F, or --principal ID with --alert ALERT');
  }
  const until = Date.parse(opts.until);
  if (Number.isNaN(until))
    throw new UsageError(`--until must be a date or time such as 2027-01-31 (got "${opts.until}")`);
  return withSharedStore(config, 'suppress', async (store) => {
    const suppression = await store.addSuppression({
      tenantId: tenant.id,
      ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}),
      ...(opts.principal ? { principalId: opts.principal } : {}),
      ...(alert ? { alert } : {}),
      reason: opts.reason,
      author: opts.author ?? process.env.USER ?? process.env.USERNAME ?? 'unknown',
      expiresAt: new Date(until).toISOString(),
    });
    write(
      `suppression ${suppression.id} added for ${tenant.name} until ${suppression.expiresAt}` +
        ` (${suppression.fingerprint ? `fingerprint ${suppression.fingerprint}` : `${suppression.principalId} / ${suppression.alert}`})\n`,
    );
    return EXIT.ok;
  });
}
