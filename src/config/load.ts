import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, formatIssues } from '../errors.js';
import { notificationConfigIssues, webhookSecretIssues } from '../notifiers/config-schema.js';
import { configSchema, type PimwatchConfig } from './schema.js';
import { resolveSecret, type SecretRef } from './secret.js';

const ENV_PREFIX = 'PIMWATCH__';

/**
 * Reads the configuration: a YAML or JSON file (optional), then environment overrides, then the
 * schema. Every problem is collected and reported together, by path, in one ConfigError.
 *
 * Environment overrides use `PIMWATCH__` and `__` between path segments, e.g.
 * `PIMWATCH__redis__url=redis://cache:6379` or `PIMWATCH__tenants__0__name=Contoso`. Values that parse
 * as JSON (numbers, booleans, objects) are used as such; anything else is a string. `REDIS_URL` is
 * honoured as a shorthand for `redis.url`.
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): PimwatchConfig {
  const env = options.env ?? process.env;
  const source = options.file ?? 'defaults and environment';
  const raw = options.file ? readConfigFile(options.file) : {};
  applyEnvOverrides(raw, env);
  // reportInput lets an issue say "required" only when the value is really absent.
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, formatIssues(parsed.error.issues));
  // Checks that span sections (a tenant's routing naming a channel defined at the top level).
  const crossIssues = [
    ...notificationConfigIssues(parsed.data),
    ...webhookSecretIssues(parsed.data.notifiers, (ref) => readableSecret(ref, env)),
  ];
  if (crossIssues.length > 0) throw new ConfigError(source, formatIssues(crossIssues));
  return parsed.data;
}

/** A secret's value when it can be read now; checks that need it skip it otherwise. */
function readableSecret(ref: SecretRef, env: NodeJS.ProcessEnv): string | undefined {
  try {
    return resolveSecret(ref, 'secret', env);
  } catch {
    return undefined;
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`]);
  }
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ConfigError(file, [`not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(file, ['(root): must be a mapping of settings']);
  }
  return data as Record<string, unknown>;
}

function applyEnvOverrides(target: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  if (env.REDIS_URL) setPath(target, ['redis', 'url'], env.REDIS_URL);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').filter(Boolean);
    if (path.length > 0) setPath(target, path, parseEnvValue(value));
  }
}

function parseEnvValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> | unknown[] = target;
  path.forEach((segment, i) => {
    const key: string | number = Array.isArray(node) ? Number(segment) : segment;
    const last = i === path.length - 1;
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    const next = container[key];
    if (next === null || typeof next !== 'object') {
      container[key] = /^\d+$/.test(path[i + 1] ?? '') ? [] : {};
    }
    node = container[key] as Record<string, unknown> | unknown[];
  });
}
