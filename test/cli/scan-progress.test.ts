import { describe, expect, it } from 'vitest';
import { createScanProgress, describeWait } from '../../src/cli/scan-progress.js';

function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('scan progress on standard error', () => {
  it('stays quiet for a quick scan', () => {
    const clock = fakeClock();
    const out: string[] = [];
    const progress = createScanProgress({ write: (t) => out.push(t), interactive: false, now: clock.now });
    progress.sourcesDone(14, 15);
    clock.advance(1500);
    progress.sourcesDone(15, 15);
    progress.stop();
    expect(out).toEqual([]);
  });

  it('prints a line per change into a log: sources done of total, and what it waits for', () => {
    const clock = fakeClock();
    const out: string[] = [];
    const progress = createScanProgress({ write: (t) => out.push(t), interactive: false, now: clock.now });
    clock.advance(2500);
    progress.sourcesDone(9, 15);
    progress.waiting({ reason: 'retry', delayMs: 30_000, throttled: true });
    clock.advance(1000);
    progress.sourcesDone(9, 15); // nothing new: no line
    clock.advance(40_000);
    progress.waiting({ reason: 'pacing', throttle: 'signInActivity' });
    clock.advance(5000);
    progress.sourcesDone(15, 15);
    progress.stop();
    progress.sourcesDone(15, 15);
    expect(out).toEqual([
      'scan: 3 s · sources 9/15\n',
      'scan: 3 s · sources 9/15 · Graph throttled the scan (429): waiting 30 s\n',
      "scan: 44 s · sources 9/15 · pacing under Graph's sign-in activity limit (10 a minute)\n",
      'scan: 49 s · sources 15/15\n',
    ]);
  });

  it('rewrites one line on a terminal and clears it at the end', () => {
    const clock = fakeClock();
    const out: string[] = [];
    const progress = createScanProgress({ write: (t) => out.push(t), interactive: true, now: clock.now });
    clock.advance(3000);
    progress.sourcesDone(3, 15);
    progress.stop();
    expect(out).toEqual(['\r\x1b[2Kscan: 3 s · sources 3/15', '\r\x1b[2K']);
  });

  it('says why a retry waits', () => {
    expect(describeWait({ reason: 'retry', delayMs: 4200, throttled: false })).toBe(
      'Graph did not answer in full: retrying in 4 s',
    );
    expect(describeWait({ reason: 'pacing', throttle: 'reports' })).toBe(
      "pacing under Graph's audit report limit (5 per 10 seconds)",
    );
  });
});
