/**
 * What went wrong with one Graph request, in terms a person can act on: which path, which status,
 * which Graph error code. Expected failures travel as values (`GraphFailure`); only a credential that
 * cannot get a token at all is thrown, because then nothing can be read.
 */
export interface GraphFailure {
  kind: 'http' | 'network' | 'timeout' | 'invalidResponse' | 'auth';
  method: string;
  /** The Graph path after the version segment, without the query (e.g. `auditLogs/directoryAudits`). */
  path: string;
  version: string;
  status?: number;
  /** Graph's `error.code`, e.g. `Authorization_RequestDenied`. */
  code?: string;
  message: string;
  requestId?: string;
}

export function describeFailure(failure: GraphFailure): string {
  const where = `${failure.method} ${failure.version}/${failure.path}`;
  const status = failure.status !== undefined ? ` ${failure.status}` : '';
  const code = failure.code ? ` ${failure.code}` : '';
  return `${where}:${status}${code} ${failure.message}`.trim();
}

/**
 * The tenant's credential could not get a token. `permanent`: Entra refused the credential or its consent
 * (a configuration problem, never retried); otherwise the authority was unreachable or failing, which passes.
 */
export class CredentialError extends Error {
  override name = 'CredentialError';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly permanent = true,
  ) {
    super(message);
  }
}

export type GraphResult<T> = { ok: true; value: T } | { ok: false; failure: GraphFailure };

/** Graph's error envelope, read defensively: real bodies vary between services. */
export function parseGraphError(body: unknown): { code?: string; message?: string; requestId?: string } {
  if (!body || typeof body !== 'object') return {};
  const error = (body as { error?: unknown }).error;
  if (!error || typeof error !== 'object') {
    // The alerts API has been seen answering {"errorCode": "...", "message": "..."} instead.
    const flat = body as { errorCode?: unknown; message?: unknown };
    return {
      ...(typeof flat.errorCode === 'string' ? { code: flat.errorCode } : {}),
      ...(typeof flat.message === 'string' ? { message: flat.message } : {}),
    };
  }
  const e = error as { code?: unknown; message?: unknown; innerError?: Record<string, unknown> };
  const inner = e.innerError ?? {};
  const requestId = inner['request-id'] ?? inner.requestId;
  return {
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.message === 'string' ? { message: e.message } : {}),
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
}
