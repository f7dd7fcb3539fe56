import { UserFacingError } from '../errors.js';

export interface FieldProblem {
  field: string;
  message: string;
}

/** A suppression that cannot be accepted; `problems` names every bad field. */
export class SuppressionValidationError extends UserFacingError {
  override name = 'SuppressionValidationError';
  constructor(readonly problems: FieldProblem[]) {
    super(`invalid suppression:\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`);
  }

  /** The first bad field, for callers that report one field at a time (e.g. an HTTP 400 body). */
  get field(): string {
    return this.problems[0]?.field ?? '(unknown)';
  }
}

/** A feed query with a cursor or limit we cannot use. */
export class FeedQueryError extends UserFacingError {
  override name = 'FeedQueryError';
}

/**
 * A cursor this feed cannot continue from: not a stream id, or beyond the newest event (an invented
 * cursor, or one kept from before Redis lost its data). Carries the feed's current bounds so the reader
 * can restart knowingly instead of silently waiting for events that will never come.
 */
export class FeedCursorConflictError extends FeedQueryError {
  override name = 'FeedCursorConflictError';
  constructor(
    message: string,
    /** The oldest event's cursor kept by the feed; null when the feed is empty. */
    readonly firstCursor: string | null,
    /** The newest event's cursor; null when the feed is empty. */
    readonly lastCursor: string | null,
  ) {
    super(message);
  }
}

/**
 * Other writers kept changing the tenant's state while we tried to commit a scan. Transient: the job
 * that called `applyScan` should be retried.
 */
export class StateConflictError extends Error {
  override name = 'StateConflictError';
}

/** A value in the store that is not what pimwatch wrote there (hand-edited, or another program's key). */
export class CorruptStateError extends Error {
  override name = 'CorruptStateError';
}
