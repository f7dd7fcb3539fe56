import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls until `probe` gives a value (anything but undefined), or fails naming what it waited for.
 * Tests wait for conditions this way rather than sleeping and hoping.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** `waitFor` for a yes/no condition. */
export async function waitUntil(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(what, async () => ((await condition()) ? true : undefined), timeoutMs);
}
