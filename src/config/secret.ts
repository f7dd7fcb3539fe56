import { readFileSync } from 'node:fs';
import { z } from 'zod';

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

export class SecretUnavailableError extends Error {
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
