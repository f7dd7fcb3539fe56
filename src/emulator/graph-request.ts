import type { TokenInfo } from './token-registry.js';

/** One Graph request as the router sees it, whether it came over HTTP or inside a `$batch`. */
export interface GraphRequest {
  method: string;
  version: 'v1.0' | 'beta';
  /** Path after the version segment, decoded, without leading or trailing slashes. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  caller: TokenInfo;
}

/** What a handler answers. `body` undefined means no body (202, 204). */
export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** A body sent as it is instead of JSON (the sign-in page). */
  text?: string;
  /** Milliseconds to hold the answer (fault latency). */
  delayMs?: number;
  /** Send only the first half of the JSON (a truncation fault). */
  truncate?: boolean;
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): GraphResponse {
  return { status, headers, body };
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): GraphResponse {
  return { status, headers };
}
