/** BullMQ's key prefix: under pimwatch's own prefix, so one Redis can hold several deployments. */
export function bullPrefix(keyPrefix: string): string {
  return `${keyPrefix}:bull`;
}

/** ioredis' ways of saying "not connected" or "no answer" (as opposed to Redis rejecting a command). */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE/.test(
      error.message,
    )
  );
}
