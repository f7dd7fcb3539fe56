import type { Fault, TenantFixture } from '../fixture-format/schema.js';
import { AlertActions } from './alert-actions.js';
import type { EntraTenant } from './entra-endpoints.js';
import { FaultInjector } from './fault-injector.js';
import { GraphRouter } from './graph-router.js';
import { type SignInDirectory, signInDirectoryOf } from './oidc-sign-in.js';
import { type EmulatorStats, RequestStats } from './request-stats.js';
import type { SentMail } from './send-mail.js';
import type { TenantStore } from './tenant-store.js';
import { Throttle, type ThrottleOptions } from './throttle.js';
import type { TokenRegistry } from './token-registry.js';

/** The client id `issueToken()` uses when given none. */
export const EMULATOR_DEFAULT_CLIENT_ID = '00000000-0000-0000-0000-00000000e41a';

/** One tenant an emulator serves, as tests and benchmarks reach it. */
export interface EmulatorTenant {
  readonly tenantId: string;
  /** What was served to this tenant's tokens, and its token endpoint's requests. */
  readonly stats: EmulatorStats;
  /** Messages this tenant's `sendMail` accepted, oldest first. */
  readonly sentMail: readonly SentMail[];
  /** Registers (or with undefined, removes) a fault for a path; its request counter starts again. */
  setFault(path: string, fault: Fault | readonly Fault[] | undefined): void;
  /**
   * A valid bearer token for this tenant without the OAuth round trip. Permissions default to those the
   * fixture lists for the client id; undefined means unrestricted.
   */
  issueToken(clientId?: string, permissions?: readonly string[]): string;
}

export interface TenantHostSettings {
  baseUrl: string;
  /** Shared by every tenant of a server: a token names the tenant it was issued for. */
  tokens: TokenRegistry;
  throttle: ThrottleOptions | undefined;
  operationPollsUntilDone: number;
}

/**
 * Everything the emulator keeps for one tenant: its store, faults, request counts, throttle buckets
 * (Graph's limits are per app and tenant), sent mail, and the router serving its tokens' requests.
 */
export class TenantHost implements EmulatorTenant, EntraTenant {
  readonly tenantId: string;
  readonly applications: TenantFixture['applications'];
  readonly signIn: SignInDirectory;
  readonly stats = new RequestStats();
  readonly sentMail: SentMail[] = [];
  readonly router: GraphRouter;
  private readonly faults: FaultInjector;
  private readonly tokens: TokenRegistry;

  constructor(fixture: TenantFixture, store: TenantStore, settings: TenantHostSettings) {
    this.tenantId = fixture.tenantId;
    this.applications = fixture.applications;
    this.signIn = signInDirectoryOf(fixture);
    this.tokens = settings.tokens;
    this.faults = new FaultInjector(fixture.faults ?? {});
    const throttle = settings.throttle?.enabled
      ? new Throttle({
          tenantId: fixture.tenantId,
          userCount: store.userCount,
          ...(settings.throttle.timeScale !== undefined ? { timeScale: settings.throttle.timeScale } : {}),
        })
      : undefined;
    this.router = new GraphRouter({
      store,
      baseUrl: settings.baseUrl,
      pageSizes: fixture.pageSizes,
      faults: this.faults,
      permissionRules: {
        directoryAuditsNeedDirectoryRead: fixture.permissionRules?.directoryAuditsNeedDirectoryRead ?? false,
      },
      throttle,
      stats: this.stats,
      actions: new AlertActions(store, settings.baseUrl, settings.operationPollsUntilDone),
      outbox: this.sentMail,
    });
  }

  // Arrow functions, so that `const { issueToken } = emulator.tenant(id)` works.
  readonly setFault = (path: string, fault: Fault | readonly Fault[] | undefined): void => {
    this.faults.set(path, fault);
  };

  /** The fault registered for this tenant's token endpoint (`oauth2/v2.0/token`), if one applies now. */
  readonly takeTokenFault = (): Fault | undefined => this.faults.take(['oauth2/v2.0/token']);

  readonly issueToken = (
    clientId: string = EMULATOR_DEFAULT_CLIENT_ID,
    permissions?: readonly string[],
  ): string => {
    const app = this.applications?.find((a) => a.clientId === clientId);
    return this.tokens.issue({
      clientId,
      tenantId: this.tenantId,
      permissions: permissions ?? app?.permissions,
    });
  };
}
