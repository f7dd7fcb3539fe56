/**
 * Errors a person can act on. The CLI prints their message (never a stack trace) and exits with
 * `exitCode`; job handlers treat them as permanent failures.
 */
export class UserFacingError extends Error {
  readonly exitCode: number = 2;
}

/** A bad command line. */
export class UsageError extends UserFacingError {
  override name = 'UsageError';
}

/** A configuration that does not validate; `problems` lists every one as `path: message`. */
export class ConfigError extends UserFacingError {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A tenant fixture that is missing, unreadable or not a valid fixture. */
export class FixtureError extends UserFacingError {
  override name = 'FixtureError';
}

/** Renders a zod issue path as `tenants[1].credential.clientSecret`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  input?: unknown;
}

/** One line per problem, with zod's terse "expected X, received undefined" said as "required". */
export function formatIssues(issues: readonly IssueLike[]): string[] {
  return issues.map((issue) => {
    // Only a parse with `reportInput` tells a missing value from a wrong one; without it, say what zod says.
    const missing = issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined;
    return `${formatIssuePath(issue.path)}: ${missing ? 'required' : issue.message}`;
  });
}
