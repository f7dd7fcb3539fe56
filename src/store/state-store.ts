import type { AlertId } from '../model/alerts.js';
import type {
  ClassifiedIncident,
  IncidentRecord,
  IncidentState,
  Suppression,
  Transition,
} from '../model/lifecycle.js';
import type { GraphRequestCounts, SourceName } from '../model/snapshot.js';
import type { NewSuppression } from './suppressions.js';

export type { NewSuppression } from './suppressions.js';

export interface ApplyScanInput {
  tenantId: string;
  /** Unique per scan run; a retried job passes the same id again (see `ApplyScanResult.replayed`). */
  scanId: string;
  /** ISO-8601. */
  scannedAt: string;
  incidents: readonly ClassifiedIncident[];
  /** Alerts whose detector ran with status ok. Incidents of other alerts are never resolved by this scan. */
  resolvableAlerts: ReadonlySet<AlertId>;
  /** Alerts whose incidents may open on our word alone (see `LifecycleInput`). Absent: every alert. */
  openableAlerts?: ReadonlySet<AlertId>;
}

export interface ApplyScanResult {
  transitions: Transition[];
  /** Every incident record of the tenant after the scan. */
  records: IncidentRecord[];
  /**
   * True when this scan id had already been applied (a job retried after it committed): nothing changed
   * and `transitions` are the ones that first application produced, with the same event ids, so the
   * retry can still notify without anything being counted twice.
   */
  replayed: boolean;
}

export interface IncidentFilter {
  state?: IncidentState | readonly IncidentState[];
  alert?: AlertId;
}

export interface SuppressionListOptions {
  /** Also list suppressions whose `expiresAt` has passed. @defaultValue false */
  includeExpired?: boolean;
}

export const SCAN_TRIGGERS = ['schedule', 'api', 'cli'] as const;
export type ScanTrigger = (typeof SCAN_TRIGGERS)[number];

/**
 * `complete`: every source read and every detector ran. `partial`: some source failed, so the detectors
 * that needed it reported unknown and resolved nothing. `failed`: the scan produced no verdicts at all.
 */
export type ScanOutcome = 'complete' | 'partial' | 'failed';

/** One scan as the history shows it. */
export interface ScanSummary {
  scanId: string;
  tenantId: string;
  trigger: ScanTrigger;
  startedAt: string;
  finishedAt: string;
  outcome: ScanOutcome;
  /** Incidents found per alert; alerts whose detector was unknown are absent here and listed below. */
  incidentsByAlert: Partial<Record<AlertId, number>>;
  unknownAlerts: AlertId[];
  /** Transitions the scan produced (suppressed ones included). */
  transitions: number;
  /** How this scan's incidents compared with PIM's: both report it, only pimwatch, only PIM. */
  agreement?: { both: number; oursOnly: number; graphOnly: number };
  graphRequests: GraphRequestCounts;
  failedSources: { source: SourceName; cause: string }[];
  /** Why a `failed` scan failed (e.g. the credential was rejected). */
  error?: string;
}

export interface FeedQuery {
  /** Continue after this event (a `cursor` or `nextCursor` from an earlier page); omit to start at the oldest kept. */
  cursor?: string;
  /** 1..{@link MAX_FEED_PAGE}. */
  limit: number;
  /** Only this tenant's events. */
  tenantId?: string;
}

export const MAX_FEED_PAGE = 1000;

export interface FeedEvent {
  /** The stream id of this event: pass it back as `cursor` to continue after it. */
  cursor: string;
  transition: Transition;
}

export interface FeedPage {
  events: FeedEvent[];
  /** Where the next read continues. Equal to the query's cursor when nothing new was there. */
  nextCursor: string;
  /**
   * Events after the query's cursor that the capped feed dropped before they were read. Non-zero
   * means the reader fell behind by more than the feed keeps; 0 when no cursor was given.
   */
  trimmed: number;
}

/**
 * Where pimwatch remembers incidents, suppressions, scan history and the SOC feed. One implementation on
 * Redis (shared by every worker replica) and one in memory (one CLI run).
 */
export interface StateStore {
  /**
   * Moves the tenant's incidents through their lifecycle with this scan's findings and appends the
   * resulting transitions to the feed, all or nothing. Safe to call concurrently for one tenant.
   */
  applyScan(input: ApplyScanInput): Promise<ApplyScanResult>;
  listIncidents(tenantId: string, filter?: IncidentFilter): Promise<IncidentRecord[]>;
  getIncident(tenantId: string, fingerprint: string): Promise<IncidentRecord | null>;
  /**
   * The transitions a committed scan produced (kept for days, so notify jobs carry only ids and read the
   * transitions here). Null when the scan never committed or has aged out.
   */
  getAppliedTransitions(tenantId: string, scanId: string): Promise<Transition[] | null>;
  /** @throws SuppressionValidationError naming every bad field. */
  addSuppression(input: NewSuppression): Promise<Suppression>;
  listSuppressions(tenantId: string, options?: SuppressionListOptions): Promise<Suppression[]>;
  /** @returns false when there was no such suppression. */
  removeSuppression(tenantId: string, suppressionId: string): Promise<boolean>;
  /** Adds to the tenant's scan history, which keeps only the latest scans; a scan id already there is skipped. */
  recordScan(summary: ScanSummary): Promise<void>;
  /** Newest first. */
  listScans(tenantId: string, limit?: number): Promise<ScanSummary[]>;
  /** Every event exactly once and in order, when each page continues from the previous `nextCursor`. */
  readFeed(query: FeedQuery): Promise<FeedPage>;
  close(): Promise<void>;
}
