import type { ThrottleOptions } from '../../src/emulator/throttle.js';
import type { Fault } from '../../src/fixture-format/schema.js';
import type { GenerateTenantOptions } from '../../src/fixtures/generate-tenant.js';
import type { TenantInfo } from './tenant-info.js';

export type { TenantInfo };

/** What the benchmark asks the emulator host (one request at a time or several; each gets its reply). */
export type HostRequest =
  | { op: 'generate'; tenants: GenerateTenantOptions[] }
  | {
      op: 'start';
      latencyMs: number;
      throttle: ThrottleOptions;
      timeShiftTo?: string;
      /** Faults every tenant serves in this emulator, by path, besides its fixture's own. */
      faults?: Record<string, Fault | Fault[]>;
    }
  | { op: 'stats' }
  | { op: 'stop' };

export interface TenantRequestStats {
  httpRequests: number;
  logicalRequests: number;
  batches: number;
  throttled: number;
  tokenRequests: number;
  byRoute: Record<string, number>;
}

export interface EmulatorEndpoint {
  baseUrl: string;
  authorityHost: string;
  caCertPem: string;
  caCertPath: string;
}

export type HostReply =
  | { op: 'generated'; tenants: TenantInfo[] }
  | ({ op: 'started' } & EmulatorEndpoint)
  | { op: 'stats'; byTenant: Record<string, TenantRequestStats> }
  | { op: 'stopped' };
