import { randomUUID } from 'node:crypto';

/**
 * An error the emulator answers with, in Graph's envelope. Handlers throw it; the request pipeline turns
 * it into a response, so a deep helper (the filter parser, the paging code) can fail the request
 * without threading status codes back by hand.
 */
export class GraphRequestError extends Error {
  override name = 'GraphRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

/**
 * Graph's error envelope. The directory endpoints use the hyphenated `innerError` keys and a date
 * without fraction or zone, which is what a client logging the request id will see.
 */
export function graphErrorBody(
  code: string,
  message: string,
  ids: { requestId: string; clientRequestId?: string },
): GraphErrorBody {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().slice(0, 19),
        'request-id': ids.requestId,
        'client-request-id': ids.clientRequestId ?? ids.requestId,
      },
    },
  };
}

/** The code Graph most often uses for a status when a fault names none. */
export function defaultErrorCode(status: number): string {
  switch (status) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'InvalidAuthenticationToken';
    case 403:
      return 'Authorization_RequestDenied';
    case 404:
      return 'Request_ResourceNotFound';
    case 405:
      return 'Request_BadRequest';
    case 409:
      return 'Conflict';
    case 412:
      return 'PreconditionFailed';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalServerError';
    case 502:
      return 'BadGateway';
    case 503:
      return 'ServiceNotAvailable';
    case 504:
      return 'GatewayTimeout';
    default:
      return status >= 500 ? 'generalException' : 'BadRequest';
  }
}

export function defaultErrorMessage(status: number): string {
  switch (status) {
    case 403:
      return 'Insufficient privileges to complete the operation.';
    case 404:
      return 'Resource does not exist or one of its queried reference-property objects are not present.';
    case 429:
      return 'Please retry again later.';
    case 503:
      return 'The service is currently unavailable. Please retry later.';
    case 504:
      return 'The gateway timed out.';
    default:
      return status >= 500 ? 'An internal server error occurred.' : 'The request is invalid.';
  }
}

export function newRequestId(): string {
  return randomUUID();
}

export function resourceNotFound(id: string): GraphRequestError {
  return new GraphRequestError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

export function segmentNotFound(segment: string): GraphRequestError {
  return new GraphRequestError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}

export function unsupportedQuery(message: string): GraphRequestError {
  return new GraphRequestError(400, 'Request_UnsupportedQuery', message);
}
