import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | undefined;

/**
 * A full garbage collection, for a clean baseline. Uses `global.gc` when the process runs with
 * `--expose-gc`; otherwise turns the flag on at run time (a documented V8 flag) to get one.
 */
export function collectGarbage(): void {
  if (!gcFn) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gcFn = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  gcFn();
  gcFn();
}

export const MB = 1024 * 1024;

export interface HeapPeak {
  /** `heapUsed` after a full GC, before the measured work. */
  baselineBytes: number;
  /** Highest `heapUsed` sampled during the work (live objects plus garbage not yet collected). */
  peakBytes: number;
  /** Highest `heapTotal` (what V8 had reserved for the heap). */
  peakTotalBytes: number;
  /** Highest `rss` of the process. */
  peakRssBytes: number;
  samples: number;
}

/**
 * Samples the heap every `intervalMs` (and once at the end) while `work` runs. Sampling misses
 * nothing that lasts longer than the interval; V8 collects the young generation every few MB, so short
 * spikes are small.
 */
export async function withHeapSampling<T>(
  work: () => Promise<T>,
  intervalMs = 10,
): Promise<{ result: T; heap: HeapPeak }> {
  collectGarbage();
  const baseline = process.memoryUsage();
  const heap: HeapPeak = {
    baselineBytes: baseline.heapUsed,
    peakBytes: baseline.heapUsed,
    peakTotalBytes: baseline.heapTotal,
    peakRssBytes: baseline.rss,
    samples: 0,
  };
  const sample = () => {
    const m = process.memoryUsage();
    const used = Math.max(m.heapUsed, getHeapStatistics().used_heap_size);
    heap.peakBytes = Math.max(heap.peakBytes, used);
    heap.peakTotalBytes = Math.max(heap.peakTotalBytes, m.heapTotal);
    heap.peakRssBytes = Math.max(heap.peakRssBytes, m.rss);
    heap.samples++;
  };
  const timer = setInterval(sample, intervalMs);
  try {
    const result = await work();
    sample();
    return { result, heap };
  } finally {
    clearInterval(timer);
  }
}
