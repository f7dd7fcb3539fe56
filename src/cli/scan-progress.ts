import type { GraphWait } from '../graph/http.js';

/**
 * The progress a person sees on standard error while a scan runs: sources read out of all of them, and
 * what the scan is waiting for (a retry after Graph throttled or failed, or pacing under Graph's
 * published limits, which is what makes large scans take minutes). Quiet for the first few seconds, so
 * a quick scan prints nothing; on a terminal one line rewritten in place, elsewhere (`--progress` into
 * a file or CI log) one plain line per change.
 */

export interface ScanProgressOptions {
  write: (text: string) => void;
  /** Rewrite one line (a terminal) or print one line per change. */
  interactive: boolean;
  /** Nothing is shown before the scan has run this long. @defaultValue 2000 */
  quietForMs?: number;
  /** @defaultValue the system clock */
  now?: () => number;
}

export interface ScanProgress {
  sourcesDone(done: number, total: number): void;
  waiting(wait: GraphWait): void;
  /** Ends the display (clears the terminal line); later events are ignored. */
  stop(): void;
}

const THROTTLE_NAMES = {
  directory: "Graph's directory limit",
  signInActivity: "Graph's sign-in activity limit (10 a minute)",
  reports: "Graph's audit report limit (5 per 10 seconds)",
} as const;

/** How long a wait's note outlives the wait itself, so a short one can still be read. */
const PACING_NOTE_MS = 2000;

export function describeWait(wait: GraphWait): string {
  if (wait.reason === 'pacing') return `pacing under ${THROTTLE_NAMES[wait.throttle]}`;
  const seconds = Math.max(1, Math.round(wait.delayMs / 1000));
  return wait.throttled
    ? `Graph throttled the scan (429): waiting ${seconds} s`
    : `Graph did not answer in full: retrying in ${seconds} s`;
}

export function createScanProgress(options: ScanProgressOptions): ScanProgress {
  const now = options.now ?? Date.now;
  const started = now();
  const quietForMs = options.quietForMs ?? 2000;
  let sources = '';
  let activity = '';
  // A wait's note goes once the wait is over (a retry's delay is known; pacing is re-announced).
  let activityUntil = 0;
  let shown = '';
  let stopped = false;

  const render = () => {
    if (stopped || now() - started < quietForMs) return;
    const elapsed = Math.round((now() - started) / 1000);
    if (now() > activityUntil) activity = '';
    const line = [`scan: ${elapsed} s`, sources, activity].filter(Boolean).join(' · ');
    if (options.interactive) {
      options.write(`\r\x1b[2K${line}`);
      shown = line;
    } else if (line.replace(/^scan: \d+ s/, '') !== shown.replace(/^scan: \d+ s/, '')) {
      // A log gets a line per change, not one per second.
      options.write(`${line}\n`);
      shown = line;
    }
  };
  // On a terminal the elapsed time keeps moving during long waits.
  const tick = options.interactive ? setInterval(render, 1000) : undefined;
  tick?.unref();
  const first = setTimeout(render, quietForMs);
  first.unref();

  return {
    sourcesDone(done, total) {
      sources = `sources ${done}/${total}`;
      render();
    },
    waiting(wait) {
      activity = describeWait(wait);
      activityUntil = now() + (wait.reason === 'retry' ? wait.delayMs : 0) + PACING_NOTE_MS;
      render();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(first);
      if (tick) clearInterval(tick);
      if (options.interactive && shown) options.write('\r\x1b[2K');
    },
  };
}
