import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log.js';
import { FeedCursorConflictError, FeedQueryError } from '../store/errors.js';
import { asRedisUnavailable, RedisUnavailableError } from './redis-deadline.js';
import { describeRequestPart, RequestInputError } from './request-input.js';
import { serviceUnavailable } from './route-support.js';

/**
 * Every error a route throws, as the status and body a client can act on: 400 for input, 409 for a
 * cursor outside the feed, 503 with Retry-After while Redis is away, and 500 (logged) for the rest.
 */
export function apiErrorHandler(logger: Logger) {
  return (error: FastifyError | Error, _request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof RequestInputError) {
      return reply.code(400).send({
        error: `invalid ${describeRequestPart(error.validationContext)}`,
        problems: error.problems,
      });
    }
    if (asRedisUnavailable(error) instanceof RedisUnavailableError) {
      return serviceUnavailable(reply, { error: 'redis is unavailable; try again later' });
    }
    if (error instanceof FeedCursorConflictError) {
      return reply
        .code(409)
        .send({ error: error.message, firstCursor: error.firstCursor, lastCursor: error.lastCursor });
    }
    if (error instanceof FeedQueryError) return reply.code(400).send({ error: error.message });
    const statusCode = (error as { statusCode?: number }).statusCode;
    const status = statusCode && statusCode >= 400 && statusCode < 500 ? statusCode : 500;
    if (status === 500) logger.error({ err: error.message }, 'api request failed');
    return reply.code(status).send({ error: status === 500 ? 'internal error' : error.message });
  };
}
