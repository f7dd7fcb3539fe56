import type { SourceName } from '../model/snapshot.js';
import type { GraphRequestSpec } from './http.js';
import type { ThrottleClass } from './rate-limits.js';
import { SOURCES } from './sources.js';

export interface SourceRequestOptions {
  /** Another path than the table's (one group's members, one alert's incidents). */
  path?: string;
  /** Which of Graph's throttles it draws on. @defaultValue directory */
  throttle?: ThrottleClass;
  /** Whether to ask for the table's page size (`$top`, after the rest of the query). @defaultValue true */
  paged?: boolean;
}

/**
 * One request of a source as the sources table describes it: its Graph version, path and page size,
 * counted under the source's name. The readers state only what is particular to them (the query).
 */
export function sourceRequest(
  source: SourceName,
  query: Record<string, string>,
  options: SourceRequestOptions = {},
): GraphRequestSpec {
  const { version, path, pageSize } = SOURCES[source];
  const paged = (options.paged ?? true) && pageSize !== null;
  return {
    version,
    path: options.path ?? path,
    query: paged ? { ...query, $top: String(pageSize) } : query,
    throttle: options.throttle ?? 'directory',
    tag: source,
  };
}
