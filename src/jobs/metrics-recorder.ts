import type { Redis } from 'ioredis';
import type { ScanSummary } from '../store/state-store.js';

/** Upper bounds (seconds) of the scan duration histogram. */
export const SCAN_DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600] as const;

/**
 * Operational counters kept in Redis, so every worker replica adds to the same figures and the API can
 * expose them at `/metrics` whichever process ran the scans.
 *
 * Keys: `{p}:metrics:counters` (HASH of counter name → value), `{p}:metrics:lastSuccess` (HASH tenant →
 * epoch seconds of the last complete scan).
 */
export class MetricsRecorder {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  get countersKey(): string {
    return `${this.keyPrefix}:metrics:counters`;
  }

  get lastSuccessKey(): string {
    return `${this.keyPrefix}:metrics:lastSuccess`;
  }

  async recordScan(
    summary: Pick<ScanSummary, 'tenantId' | 'outcome' | 'graphRequests' | 'startedAt' | 'finishedAt'>,
  ) {
    const seconds = Math.max(0, (Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000);
    const tx = this.redis.multi();
    tx.hincrby(this.countersKey, `scans:${summary.outcome}`, 1);
    tx.hincrbyfloat(this.countersKey, 'scanDuration:sum', seconds);
    tx.hincrby(this.countersKey, 'scanDuration:count', 1);
    for (const bound of SCAN_DURATION_BUCKETS) {
      if (seconds <= bound) tx.hincrby(this.countersKey, `scanDuration:le:${bound}`, 1);
    }
    tx.hincrby(this.countersKey, 'graph:requests', summary.graphRequests.logical);
    tx.hincrby(this.countersKey, 'graph:throttled', summary.graphRequests.throttled);
    tx.hincrby(this.countersKey, 'graph:retried', summary.graphRequests.retried);
    if (summary.outcome === 'complete') {
      tx.hset(
        this.lastSuccessKey,
        summary.tenantId.toLowerCase(),
        Math.floor(Date.parse(summary.finishedAt) / 1000),
      );
    }
    await tx.exec();
  }

  async recordNotification(
    channelKind: string,
    outcome: 'delivered' | 'retryable' | 'permanent' | 'skipped',
  ) {
    await this.redis.hincrby(this.countersKey, `notifications:${channelKind}:${outcome}`, 1);
  }

  async read(): Promise<{ counters: Record<string, number>; lastSuccess: Record<string, number> }> {
    const [counters, lastSuccess] = await Promise.all([
      this.redis.hgetall(this.countersKey),
      this.redis.hgetall(this.lastSuccessKey),
    ]);
    const numbers = (h: Record<string, string>) =>
      Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
    return { counters: numbers(counters), lastSuccess: numbers(lastSuccess) };
  }
}
