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
