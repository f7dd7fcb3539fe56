import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserFacingError } from '../errors.js';

/**
 * A secret is never written into the configuration file itself: it names an environment variable or a
 * file (a mounted Kubernetes/Docker secret). That keeps secrets out of the file, out of job data and
 * out of logs, which only ever see the reference.
 */
export const secretRefSchema = z.union(
  [z.object({ env: z.string().min(1) }).strict(), z.object({ file: z.string().min(1) }).strict()],
  {
    error: (issue) =>
      issue.input === undefined
        ? 'required'
        : 'must be { env: NAME } or { file: PATH }; secrets are never written inline',
  },
);
export type SecretRef = z.infer<typeof secretRefSchema>;

/** A referenced secret is not there: a person has to set the variable or mount the file (exit 2). */
export class SecretUnavailableError extends UserFacingError {
  override name = 'SecretUnavailableError';
}

/** Reads a secret at the moment it is needed. The error names the reference, never the value. */
export function resolveSecret(ref: SecretRef, what: string, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw new SecretUnavailableError(`${what}: environment variable ${ref.env} is not set`);
    }
    return value;
  }
  try {
    const value = readFileSync(ref.file, 'utf8').trim();
    if (value === '') throw new SecretUnavailableError(`${what}: file ${ref.file} is empty`);
    return value;
  } catch (error) {
    if (error instanceof SecretUnavailableError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new SecretUnavailableError(`${what}: cannot read file ${ref.file} (${code})`);
  }
}

/** How a secret reference is shown in logs and errors. */
export function describeSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `env:${ref.env}` : `file:${ref.file}`;
}

function isSecretRef(value: unknown): value is SecretRef {
  return secretRefSchema.safeParse(value).success;
}

/**
 * Every secret the configuration refers to that cannot be read right now, as `path: problem` lines.
 * Walks the whole configuration, so a secret added to any section is checked without being listed here.
 */
export function unavailableSecrets(config: unknown, env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  const visit = (value: unknown, path: string) => {
    if (isSecretRef(value)) {
      try {
        resolveSecret(value, path, env);
      } catch (error) {
        if (!(error instanceof SecretUnavailableError)) throw error;
        problems.push(error.message);
      }
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        visit(item, `${path}[${i}]`);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, path === '' ? key : `${path}.${key}`);
    }
  };
  visit(config, '');
  return problems;
}
