import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/identity';
import type { GraphConfig, TenantConfig } from '../config/schema.js';
import type { resolveSecret } from '../config/secret.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { createCredential } from './credential.js';
import { GraphHttp, type GraphHttpOptions } from './http.js';
import { createTrust, type Trust } from './trust.js';

export interface GraphSession {
  http: GraphHttp;
  /** The tenant's credential, for other Microsoft APIs the same app calls (Sentinel's logs ingestion). */
  credential: TokenCredential;
  /** The TLS trust the session uses, for those calls too. */
  trust: Trust;
  close(): Promise<void>;
}

export interface SessionOptions {
  logger?: Logger;
  /** Use this credential instead of building one from the tenant's configuration (emulator runs, tests). */
  credential?: TokenCredential;
  /** PEM of an extra CA to trust, instead of reading `graph.caFile`. */
  caPem?: string;
  priority?: 'Low' | 'Normal' | 'High';
  /** How secret references become values (default: environment variables and files). */
  readSecret?: typeof resolveSecret;
  /** Waits (retries, throttle pacing) as they start: for a progress line. */
  onWait?: GraphHttpOptions['onWait'];
  /** Every request's final outcome (`pimwatch capture`). */
  onResult?: GraphHttpOptions['onResult'];
  /** Stops the session's requests (a cancelled scan job). */
  signal?: AbortSignal;
}

/** Everything needed to talk to one tenant's Graph: trust, credential and the HTTP layer. */
export function openGraphSession(
  tenant: Pick<TenantConfig, 'id' | 'credential'>,
  graph: GraphConfig,
  options: SessionOptions = {},
): GraphSession {
  const trust = createTrust(options.caPem ?? readCaFile(graph.caFile));
  const credential =
    options.credential ??
    createCredential(tenant.id, tenant.credential, {
      authorityHost: graph.authorityHost,
      trust,
      ...(options.readSecret ? { readSecret: options.readSecret } : {}),
    });
  const http = new GraphHttp({
    tenantId: tenant.id,
    baseUrl: graph.baseUrl,
    credential,
    trust,
    maxConcurrency: graph.maxConcurrency,
    requestTimeoutMs: graph.requestTimeoutMs,
    maxRetries: graph.maxRetries,
    maxRetryDelayMs: graph.maxRetryDelaySeconds * 1000,
    rateLimits: graph.rateLimits,
    ...(options.priority ? { priority: options.priority } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onWait ? { onWait: options.onWait } : {}),
    ...(options.onResult ? { onResult: options.onResult } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { http, credential, trust, close: () => closeTrust(trust) };
}

function readCaFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('graph.caFile', [
      `graph.caFile: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`,
    ]);
  }
}

function closeTrust(trust: Trust): Promise<void> {
  return trust.close();
}
