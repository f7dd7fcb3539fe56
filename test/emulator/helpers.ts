import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/server.js';
import type { TenantFixture } from '../../src/fixture-format/schema.js';
import { createTrust, type Trust } from '../../src/graph/trust.js';

export const TENANT_ID = '5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
export const GA = '62e90394-69f5-4237-9190-012177145e10';
export const ALERTS_ROOT = 'identityGovernance/roleManagementAlerts';
export const SCOPE = "scopeId eq '/' and scopeType eq 'DirectoryRole'";

export type Json = Record<string, unknown>;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  json: Json | undefined;
}

export interface TestEmulator {
  emu: RunningEmulator;
  trust: Trust;
  token: string;
  /** `path` is relative to the base URL (`/v1.0/users?...`) or an absolute URL (a nextLink). */
  request(
    method: string,
    path: string,
    init?: { body?: unknown; token?: string | null; headers?: Record<string, string> },
  ): Promise<Reply>;
  get(path: string): Promise<Reply>;
  /** Follows `@odata.nextLink` to the end; returns every page. */
  getAllPages(path: string): Promise<Json[]>;
  close(): Promise<void>;
}

export function fixture(
  resources: TenantFixture['resources'],
  extra: Partial<TenantFixture> = {},
): TenantFixture {
  return { tenantId: TENANT_ID, resources, ...extra };
}

export async function startTestEmulator(
  fixtureValue: TenantFixture,
  options: Omit<EmulatorOptions, 'fixture'> = {},
): Promise<TestEmulator> {
  const emu = await startEmulator({ fixture: fixtureValue, ...options });
  const trust = createTrust(emu.caCertPem);
  const token = emu.issueToken();
  const request: TestEmulator['request'] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const bearer = init.token === undefined ? token : init.token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const url = path.startsWith('https://') ? path : `${emu.baseUrl}${path}`;
    const response = await fetch(url, { method, headers, body, dispatcher: trust.dispatcher } as RequestInit);
    const text = await response.text();
    let json: Json | undefined;
    try {
      json = text === '' ? undefined : (JSON.parse(text) as Json);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  return {
    emu,
    trust,
    token,
    request,
    get: (path) => request('GET', path),
    async getAllPages(path) {
      const pages: Json[] = [];
      let next: string | undefined = path;
      while (next) {
        const reply = await request('GET', next);
        if (reply.status !== 200 || !reply.json)
          throw new Error(`page failed: ${reply.status} ${reply.text}`);
        pages.push(reply.json);
        next = reply.json['@odata.nextLink'] as string | undefined;
      }
      return pages;
    },
    async close() {
      await trust.close();
      await emu.close();
    },
  };
}

export function values(page: Json | undefined): Json[] {
  return (page?.value ?? []) as Json[];
}

export function ids(items: Json[]): string[] {
  return items.map((i) => String(i.id));
}

/** `count` users `user-0001`... with sign-in activity; every third has never signed in. */
export function makeUsers(count: number): Json[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return {
      id: `user-${n}`,
      displayName: `User ${n}`,
      userPrincipalName: `user${n}@contoso.example`,
      accountEnabled: i % 5 !== 0,
      signInActivity:
        i % 3 === 0
          ? { lastSignInDateTime: null, lastNonInteractiveSignInDateTime: null }
          : {
              lastSignInDateTime: `2024-0${(i % 9) + 1}-15T10:00:00Z`,
              lastNonInteractiveSignInDateTime: null,
            },
    };
  });
}

export function enc(text: string): string {
  return encodeURIComponent(text);
}
