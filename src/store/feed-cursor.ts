import { FeedCursorConflictError, FeedQueryError } from './errors.js';
import { MAX_FEED_PAGE } from './state-store.js';

/**
 * Feed cursors are stream ids of the form `{sequence}-0`: the feed numbers its events 1, 2, 3... itself
 * (see redis-state-store.ts for why), so a cursor is also a position, and a jump in sequence between a
 * cursor and the next kept event tells how many events the capped feed dropped.
 */

export const FEED_START_CURSOR = '0-0';

export function feedCursor(sequence: number): string {
  return `${sequence}-0`;
}

/** The sequence number inside a cursor. */
export function feedSequence(cursor: string): number {
  const match = /^(\d{1,15})-\d+$/.exec(cursor);
  if (!match) throw new FeedQueryError(`feed cursor "${cursor}" is not one this feed handed out`);
  return Number(match[1]);
}

export function checkFeedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FEED_PAGE) {
    throw new FeedQueryError(`feed limit must be a whole number from 1 to ${MAX_FEED_PAGE}, not ${limit}`);
  }
  return limit;
}

/** The cursors of the oldest and newest event the feed holds (null when it is empty). */
export interface FeedBounds {
  first: string | null;
  last: string | null;
}

/**
 * The sequence a reader's cursor continues after, once it is known to lie within the feed: a cursor that
 * is not a stream id, or one past the newest event, is a conflict naming the feed's bounds. A cursor
 * older than the oldest kept event is fine (the page reports what was trimmed).
 */
export function continueAfter(cursor: string, bounds: FeedBounds): number {
  const conflict = (why: string) =>
    new FeedCursorConflictError(
      `feed cursor "${cursor.slice(0, 64)}" ${why}; the feed now holds ${
        bounds.last === null ? 'no events' : `events ${bounds.first} to ${bounds.last}`
      }: restart from one of those (or without a cursor)`,
      bounds.first,
      bounds.last,
    );
  if (!/^\d{1,15}-\d{1,15}$/.test(cursor)) throw conflict('is not a stream id');
  const sequence = feedSequence(cursor);
  const newest = bounds.last === null ? 0 : feedSequence(bounds.last);
  if (sequence > newest) throw conflict('is beyond the newest event');
  return sequence;
}
