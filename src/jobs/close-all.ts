/** One thing to release at shutdown, named for the log line if it fails. */
export interface CloseStep {
  name: string;
  close(): unknown;
}

/**
 * Runs every step in order, each once, even when an earlier one throws: a heartbeat that cannot be
 * removed must not leave the queues, the store and the connection open. Returns the steps that failed,
 * with their errors, for the caller to report.
 */
export async function closeEach(steps: readonly CloseStep[]): Promise<{ name: string; error: unknown }[]> {
  const failures: { name: string; error: unknown }[] = [];
  for (const step of steps) {
    try {
      await step.close();
    } catch (error) {
      failures.push({ name: step.name, error });
    }
  }
  return failures;
}

/** True when `work` settled (either way) within `ms`; it is left running otherwise. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = work.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([
    settled,
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, ms));
    }),
  ]);
  clearTimeout(timer);
  return result;
}
