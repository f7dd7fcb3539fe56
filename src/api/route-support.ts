import type { FastifyReply } from 'fastify';
import type { PimwatchConfig, TenantConfig } from '../config/schema.js';
import { REDIS_RETRY_AFTER_SECONDS, withinDeadline } from './redis-deadline.js';

/** The configured tenant with this id (compared as Entra does, ignoring case). */
export function tenantById(config: PimwatchConfig, id: string): TenantConfig | undefined {
  return config.tenants.find((t) => t.id.toLowerCase() === id.toLowerCase());
}

/** Runs one request's Redis work, given up after `api.redisTimeoutMs` (then a 503 with Retry-After). */
export function boundedRedis(config: PimwatchConfig) {
  return <T>(work: (signal: AbortSignal) => Promise<T>) => withinDeadline(work, config.api.redisTimeoutMs);
}

/** A 503 that tells the client when to come back. */
export function serviceUnavailable(reply: FastifyReply, body: Record<string, unknown>) {
  return reply.code(503).header('retry-after', String(REDIS_RETRY_AFTER_SECONDS)).send(body);
}
