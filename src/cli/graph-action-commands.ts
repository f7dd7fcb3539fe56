import { mergeDetectorsConfig } from '../detectors/config-schema.js';
import { UsageError } from '../errors.js';
import { refreshAlerts, remediateIncident } from '../graph/alert-actions.js';
import { openGraphSession } from '../graph/session.js';
import { createLogger } from '../log.js';
import { planRemediation } from '../reconcile/remediation-plan.js';
import { assessTenant } from '../scan/run-scan.js';
import type { CommandOptions, declareGraphRefreshCommand, declareRemediateCommand } from './command-lines.js';
import { EXIT } from './exit.js';
import { loadTenantContext, requireWriteActions } from './tenant-context.js';

type Write = (text: string) => void;
const stdout: Write = (t) => process.stdout.write(t);

/** `pimwatch graph-refresh`: ask PIM to rescan the tenant now and wait for it to finish. */
export async function runGraphRefreshCommand(
  opts: CommandOptions<typeof declareGraphRefreshCommand>,
  write: Write = stdout,
): Promise<number> {
  const { config, tenant } = loadTenantContext(opts.config, opts.tenant);
  requireWriteActions(config, 'graph-refresh');
  const log = createLogger({ level: 'warn', fd: 2 });
  const session = openGraphSession(tenant, config.graph, { logger: log, priority: 'Normal' });
  try {
    await session.http.checkCredential();
    const result = await refreshAlerts(session.http, {
      pollIntervalMs: 2000,
      timeoutMs: opts.timeout * 1000,
    });
    write(
      `PIM rescan of ${tenant.name}: ${result.outcome} after ${(result.durationMs / 1000).toFixed(1)} s\n`,
    );
    for (const op of result.operations) {
      write(
        `  operation ${op.operationId ?? '-'}: ${op.outcome}${op.lastStatus ? ` (PIM said ${op.lastStatus})` : ''}, ${op.polls} poll(s)` +
          `${op.error ? `: ${op.error}` : ''}\n`,
      );
    }
    return result.outcome === 'succeeded' ? EXIT.ok : EXIT.unexpected;
  } finally {
    await session.close();
  }
}

/**
 * `pimwatch remediate`: asks PIM to remediate one incident (e.g. remove the assignment). Without
 * `--apply` it only says what would happen; it always works from a fresh look at the tenant.
 */
export async function runRemediateCommand(
  opts: CommandOptions<typeof declareRemediateCommand>,
  write: Write = stdout,
): Promise<number> {
  const { config, tenant } = loadTenantContext(opts.config, opts.tenant);
  if (opts.apply) requireWriteActions(config, 'remediate --apply');
  const log = createLogger({ level: 'warn', fd: 2 });
  const session = openGraphSession(tenant, config.graph, { logger: log, priority: 'Normal' });
  try {
    const { snapshot, reconciled } = await assessTenant({
      tenant,
      session,
      detectors: mergeDetectorsConfig(config.detectors, tenant.detectors),
      reconcile: config.reconcile,
      activationHistory: config.graph.activationHistory,
      now: new Date(),
      logger: log,
    });
    const incident = reconciled.incidents.find((i) => i.fingerprint === opts.fingerprint);
    if (!incident) {
      throw new UsageError(
        `no current incident of ${tenant.name} has fingerprint ${opts.fingerprint} (it may be resolved already; see \`pimwatch incidents\`)`,
      );
    }
    const plan = planRemediation(snapshot, incident);
    write(`${plan.possible ? 'plan' : 'cannot remediate'}: ${plan.summary}\n`);
    if (plan.possible) write(`  PIM incident ${plan.graphIncidentId} of ${plan.graphAlertId}\n`);
    if (!plan.possible) return EXIT.unexpected;
    if (!opts.apply) {
      write('nothing changed: run again with --apply to ask PIM to do it\n');
      return EXIT.ok;
    }
    const result = await remediateIncident(session.http, plan);
    if (!result.ok) {
      write(`failed: ${result.error}\n`);
      return EXIT.unexpected;
    }
    write(
      `done: PIM accepted the remediation (HTTP ${result.status}); the next scan shows the incident resolved\n`,
    );
    return EXIT.ok;
  } finally {
    await session.close();
  }
}
