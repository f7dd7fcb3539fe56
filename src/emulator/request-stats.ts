/**
 * What the emulator served, for tests and benchmarks that hold a scan to a request budget. A `$batch`
 * is one HTTP request but as many logical requests as it carries, which is how Graph meters it.
 */
export interface EmulatorStats {
  /** Graph requests by exact path after the version (`groups/9f1.../members`, `users/abc`). */
  readonly byPath: Readonly<Record<string, number>>;
  /** The same by normalised path (`groups/{id}/members`, `users/{id}`). */
  readonly byRoute: Readonly<Record<string, number>>;
  /** HTTP requests to Graph routes; a `$batch` counts once. Token requests are not included. */
  readonly httpRequests: number;
  /** Graph requests as Graph counts them: each request inside a `$batch` once, the batch itself not. */
  readonly logicalRequests: number;
  /** `$batch` HTTP requests. */
  readonly batches: number;
  /** 429 answers served, inner `$batch` ones included. */
  readonly throttled: number;
  /** Requests to the token endpoint. */
  readonly tokenRequests: number;
  reset(): void;
}

export class RequestStats implements EmulatorStats {
  byPath: Record<string, number> = Object.create(null);
  byRoute: Record<string, number> = Object.create(null);
  httpRequests = 0;
  logicalRequests = 0;
  batches = 0;
  throttled = 0;
  tokenRequests = 0;

  countLogical(exactPath: string, normalisedPath: string): void {
    this.logicalRequests++;
    this.byPath[exactPath] = (this.byPath[exactPath] ?? 0) + 1;
    this.byRoute[normalisedPath] = (this.byRoute[normalisedPath] ?? 0) + 1;
  }

  reset(): void {
    this.byPath = Object.create(null);
    this.byRoute = Object.create(null);
    this.httpRequests = 0;
    this.logicalRequests = 0;
    this.batches = 0;
    this.throttled = 0;
    this.tokenRequests = 0;
  }
}

/**
 * Several `RequestStats` read as one: every count is the sum of the parts at the moment it is read, so
 * nothing is added per request; `reset()` resets every part.
 */
export class CombinedStats implements EmulatorStats {
  constructor(private readonly parts: readonly RequestStats[]) {}

  get byPath(): Readonly<Record<string, number>> {
    return sumRecords(this.parts.map((p) => p.byPath));
  }

  get byRoute(): Readonly<Record<string, number>> {
    return sumRecords(this.parts.map((p) => p.byRoute));
  }

  get httpRequests(): number {
    return this.sum((p) => p.httpRequests);
  }

  get logicalRequests(): number {
    return this.sum((p) => p.logicalRequests);
  }

  get batches(): number {
    return this.sum((p) => p.batches);
  }

  get throttled(): number {
    return this.sum((p) => p.throttled);
  }

  get tokenRequests(): number {
    return this.sum((p) => p.tokenRequests);
  }

  reset(): void {
    for (const part of this.parts) part.reset();
  }

  /** The counts as plain data (getters are not own properties, so a spread would lose them). */
  toJSON(): Omit<EmulatorStats, 'reset'> {
    return {
      byPath: this.byPath,
      byRoute: this.byRoute,
      httpRequests: this.httpRequests,
      logicalRequests: this.logicalRequests,
      batches: this.batches,
      throttled: this.throttled,
      tokenRequests: this.tokenRequests,
    };
  }

  private sum(count: (part: RequestStats) => number): number {
    let total = 0;
    for (const part of this.parts) total += count(part);
    return total;
  }
}

function sumRecords(records: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const record of records) {
    for (const [key, n] of Object.entries(record)) out[key] = (out[key] ?? 0) + n;
  }
  return out;
}
