import type { Fault } from '../fixture-format/schema.js';
import { matchesPattern } from './entity-model.js';

// Decides which requests misbehave. Faults are registered per path: a collection (`users`), a pattern with
// `*` or `{id}` standing for one segment (`groups/*/members`), or an exact item path. Each registration
// counts the requests it matched, so `nth` and `times` are about requests to that path, counted from when
// the fault was set.
export class FaultInjector {
  private readonly entries = new Map<string, { faults: Fault[]; seen: number }>();

  constructor(initial: Readonly<Record<string, Fault | Fault[]>> = {}) {
    for (const [path, fault] of Object.entries(initial)) this.set(path, fault);
  }

  set(path: string, fault: Fault | readonly Fault[] | undefined): void {
    const key = trimSlashes(path);
    if (fault === undefined || (Array.isArray(fault) && fault.length === 0)) {
      this.entries.delete(key);
      return;
    }
    this.entries.set(key, { faults: Array.isArray(fault) ? [...fault] : [fault as Fault], seen: 0 });
  }

  /**
   * The fault for a request known by these paths (exact path first, then its collection), if any. Counts
   * the request against every registration it matches.
   */
  take(requestPaths: readonly string[]): Fault | undefined {
    let chosen: Fault | undefined;
    for (const [pattern, entry] of this.entries) {
      if (!requestPaths.some((p) => p === pattern || matchesPattern(p, pattern))) continue;
      entry.seen++;
      if (chosen) continue;
      chosen = entry.faults.find((fault) => applies(fault, entry.seen));
    }
    return chosen;
  }
}

function applies(fault: Fault, seen: number): boolean {
  if (fault.nth !== undefined) return seen === fault.nth;
  if (fault.times !== undefined) return seen <= fault.times;
  return true;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
