import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/identity';
import { isAggregateLogsUploadError, LogsIngestionClient } from '@azure/monitor-ingestion';
import {
  type DeliveryOutcome,
  delivered,
  outcomeOfStatus,
  permanent,
  retryable,
  sanitizeReason,
} from './delivery.js';
import type { SentinelRecord } from './sentinel-record.js';

/**
 * Uploads rows to Microsoft Sentinel's Log Analytics workspace through the Logs Ingestion API
 * (https://learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview), with Microsoft's
 * `@azure/monitor-ingestion` client: `POST {endpoint}/dataCollectionRules/{ruleId}/streams/{stream}
 * ?api-version=2023-01-01`, a JSON array of rows, gzip-compressed, with a bearer token for the audience
 * `https://monitor.azure.com`. The client splits the rows into calls under the API's 1 MB limit per call
 * (https://learn.microsoft.com/azure/azure-monitor/service-limits#logs-ingestion-api; the exact limit and
 * the api-version are UNCONFIRMED (docs/unconfirmed-graph-facts.md)) and the service answers 204 once it
 * has accepted a call.
 *
 * The client's own retries are switched off: the notify job retries, on the channel's schedule, and
 * honours `Retry-After`. TLS trust comes from the tenant's Graph trust (an extra CA for the emulator or a
 * proxy, for pimwatch's connections only), passed as the client's https `agent`: its pipeline ignores
 * `additionalPolicies`, which is how @azure/identity gets the same trust.
 */

export interface AzureAccess {
  credential: TokenCredential;
  /** An https agent trusting an extra CA (`Trust.httpsAgent`); none: the system roots. */
  agent?: Agent;
}

export interface SentinelTarget {
  channel: string;
  endpoint: string;
  ruleId: string;
  stream: string;
  audience: string;
}

export interface SentinelDelivery extends SentinelTarget {
  records: readonly SentinelRecord[];
  timeoutMs: number;
}

/** A client per channel and credential: it keeps its token cache and connections between deliveries. */
export function sentinelClient(target: SentinelTarget, access: AzureAccess): LogsIngestionClient {
  return new LogsIngestionClient(target.endpoint, access.credential, {
    audience: target.audience,
    retryOptions: { maxRetries: 0 },
    userAgentOptions: { userAgentPrefix: 'pimwatch' },
    ...(access.agent ? { agent: access.agent } : {}),
  });
}

export async function sendToSentinel(
  client: LogsIngestionClient,
  delivery: SentinelDelivery,
): Promise<DeliveryOutcome> {
  const what = `Sentinel logs ingestion for channel ${delivery.channel}`;
  try {
    await client.upload(
      delivery.ruleId,
      delivery.stream,
      delivery.records as unknown as Record<string, unknown>[],
      // One call at a time: a later chunk is not sent before an earlier one was accepted.
      { maxConcurrency: 1, abortSignal: AbortSignal.timeout(delivery.timeoutMs) },
    );
    return delivered;
  } catch (error) {
    const causes = isAggregateLogsUploadError(error) ? error.errors.map((e) => e.cause) : [error];
    return outcomeOfUploadError(causes[0], what, delivery.timeoutMs);
  }
}

interface RestLikeError {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

/** A refusal by the service reads like any HTTP answer; a token or network failure is explained. */
function outcomeOfUploadError(cause: unknown, what: string, timeoutMs: number): DeliveryOutcome {
  const error = (cause ?? {}) as RestLikeError;
  const message = sanitizeReason(error.message ?? String(cause));
  if (error.name === 'AbortError' || error.name === 'TimeoutError') {
    return retryable(`${what} did not answer within ${timeoutMs} ms`, { maybeDelivered: true });
  }
  if (error.name === 'AuthenticationError' || error.name === 'CredentialUnavailableError') {
    // Entra refusing the app (400/401) will refuse it again; its outage (5xx, unreachable) will pass.
    const status = error.statusCode;
    const reason = `${what}: no token for the ingestion audience: ${message}`;
    return status !== undefined && status >= 400 && status < 500 ? permanent(reason) : retryable(reason);
  }
  if (typeof error.statusCode === 'number') {
    const retryAfter = error.response?.headers?.get('retry-after');
    return outcomeOfStatus(error.statusCode, what, {
      now: new Date(),
      detail: message,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  }
  return retryable(`${what} could not be reached: ${message}`, { maybeDelivered: true });
}
