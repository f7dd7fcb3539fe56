import { UserFacingError } from '../errors.js';
import { CredentialError } from '../graph/errors.js';

/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  partial: 3,
  failOn: 4,
} as const;

/**
 * Turns an error into a message and an exit code. People get the message only; the stack trace is
 * shown only when PIMWATCH_DEBUG is set, and only for errors we did not anticipate.
 */
export function reportError(
  error: unknown,
  write: (text: string) => void = (t) => process.stderr.write(t),
): number {
  if (error instanceof UserFacingError || error instanceof CredentialError) {
    write(`pimwatch: ${error.message}\n`);
    return error.exitCode;
  }
  const err = error as Error;
  write(`pimwatch: unexpected error: ${err?.message ?? String(error)}\n`);
  if (process.env.PIMWATCH_DEBUG && err?.stack) write(`${err.stack}\n`);
  return EXIT.unexpected;
}
