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
const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  405: 'Request_BadRequest',
  409: 'Conflict',
  412: 'PreconditionFailed',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceNotAvailable',
  504: 'GatewayTimeout',
};

/** Graph's usual message for a status when a fault names none. */
const ERROR_MESSAGES: Readonly<Record<number, string>> = {
  403: 'Insufficient privileges to complete the operation.',
  404: 'Resource does not exist or one of its queried reference-property objects are not present.',
  429: 'Please retry again later.',
  503: 'The service is currently unavailable. Please retry later.',
  504: 'The gateway timed out.',
};

/** The code Graph most often uses for a status when a fault names none. */
export function defaultErrorCode(status: number): string {
  return ERROR_CODES[status] ?? (status >= 500 ? 'generalException' : 'BadRequest');
}

export function defaultErrorMessage(status: number): string {
  return (
    ERROR_MESSAGES[status] ??
    (status >= 500 ? 'An internal server error occurred.' : 'The request is invalid.')
  );
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
