import { loadConfig } from '../config/load.js';
import type { PimwatchConfig, TenantConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { createStateStore } from '../store/create-state-store.js';
import type { StateStore } from '../store/state-store.js';

export interface TenantContext {
  config: PimwatchConfig;
  tenant: TenantConfig;
}

/** The configuration and one of its tenants, or a usage error that lists the tenants it knows. */
export function loadTenantContext(configFile: string | undefined, tenantId: string): TenantContext {
  const config = loadConfig(configFile ? { file: configFile } : {});
  return { config, tenant: findConfiguredTenant(config, tenantId) };
}

/**
 * The configuration and a logger for a one-shot command. Its output is the point, so the log on standard
 * error says what went wrong (warnings and worse) unless the configuration asks for more than `info`.
 */
export function loadCommandConfig(configFile: string | undefined): { config: PimwatchConfig; log: Logger } {
  const config = loadConfig(configFile ? { file: configFile } : {});
  const log = createLogger({ level: config.log.level === 'info' ? 'warn' : config.log.level, fd: 2 });
  return { config, log };
}

/** A usage error (with `message`) unless exactly one of the command's alternative targets is given. */
export function requireOneTarget(targets: readonly unknown[], message: string): void {
  if (targets.filter(Boolean).length !== 1) throw new UsageError(message);
}

/** One tenant of the configuration (ids compared as Entra does, ignoring case), or a usage error listing them. */
export function findConfiguredTenant(config: PimwatchConfig, tenantId: string): TenantConfig {
  const tenant = config.tenants.find((t) => t.id.toLowerCase() === tenantId.toLowerCase());
  if (!tenant) {
    const known = config.tenants.map((t) => `${t.id} (${t.name})`).join(', ') || 'none configured';
    throw new UsageError(`tenant ${tenantId} is not in the configuration; known tenants: ${known}`);
  }
  return tenant;
}

/** The shared state in Redis; commands that read or change remembered state need it. */
function openSharedStore(config: PimwatchConfig, command: string): StateStore {
  if (!config.redis.url) {
    throw new UsageError(
      `${command} needs the shared state: set redis.url in the configuration (or REDIS_URL)`,
    );
  }
  return createStateStore({
    redisUrl: config.redis.url,
    keyPrefix: config.redis.keyPrefix,
    feedMaxLength: config.notifiers.feed.maxLength,
    scanHistoryLength: config.redis.scanHistoryLength,
    retentionDays: config.redis.retentionDays,
  });
}

/** Runs `use` on the shared store and closes it afterwards, whatever `use` does. */
export async function withSharedStore<T>(
  config: PimwatchConfig,
  command: string,
  use: (store: StateStore) => Promise<T>,
): Promise<T> {
  const store = openSharedStore(config, command);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Graph write actions are opt-in: they need a write permission a read-only deployment does not have. */
export function requireWriteActions(config: PimwatchConfig, command: string): void {
  if (!config.graph.allowWriteActions) {
    throw new UsageError(
      `${command} writes to the tenant through PIM and is off by default: set graph.allowWriteActions: true ` +
        'and grant the application RoleManagementAlert.ReadWrite.Directory',
    );
  }
}
