import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import { type DeliveryOutcome, permanent, retryable } from './delivery.js';

/**
 * Webhook URLs (Teams Workflows, SOC webhooks) must be https: the body describes privileged accounts, and
 * a Workflows URL's `sig=` parameter is itself the credential. Plain http is allowed only to a loopback
 * address and only with `notifiers.allowLoopbackWebhooks`, which exists for tests and local sinks.
 *
 * Messages never contain the URL: they name the channel ("webhook URL for channel soc").
 *
 * Even over https, a target inside the deployment's own network is refused unless
 * `notifiers.allowPrivateNetworkTargets` says so: a webhook URL is configuration that can come from far
 * away (a SIEM team's ticket), and pimwatch runs next to Redis, metadata endpoints and internal
 * services. The check runs at send time on the addresses the host name resolves to, not on the literal.
 */

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export interface WebhookUrlOptions {
  /** `notifiers.allowLoopbackWebhooks`. */
  allowLoopback: boolean;
  /** The channel's name, for the message. */
  channel: string;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

export function checkWebhookUrl(raw: string, options: WebhookUrlOptions): WebhookUrlCheck {
  const what = `webhook URL for channel ${options.channel}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `${what} is not a valid URL` };
  }
  if (url.username || url.password) {
    return { ok: false, reason: `${what} must not carry a user name or password` };
  }
  if (url.protocol === 'https:') return { ok: true, url };
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) return { ok: false, reason: `${what} must use https` };
    if (!options.allowLoopback) {
      return {
        ok: false,
        reason: `${what} uses plain http to a loopback address, which needs notifiers.allowLoopbackWebhooks (tests only)`,
      };
    }
    return { ok: true, url };
  }
  return { ok: false, reason: `${what} must use https` };
}

/** Private (RFC 1918, unique local) and link-local ranges, plus "this host" addresses. */
const PRIVATE_RANGES = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['169.254.0.0', 16],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv6');
}
const LOOPBACK_RANGES = new BlockList();
LOOPBACK_RANGES.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK_RANGES.addAddress('::1', 'ipv6');

/** IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) count as the IPv4 address they carry. */
export function addressKind(address: string): 'loopback' | 'private' | 'public' {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (LOOPBACK_RANGES.check(address, family)) return 'loopback';
  if (PRIVATE_RANGES.check(address, family)) return 'private';
  return 'public';
}

/** Every address a host name resolves to, as `dns.lookup` gives them to a connection. */
export type AddressLookup = (hostname: string) => Promise<readonly { address: string }[]>;

const systemLookup: AddressLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Where a sender may post: the two allowances from `notifiers`, and how host names are resolved. */
export interface WebhookTargetPolicy {
  /** `notifiers.allowLoopbackWebhooks`. */
  allowLoopback: boolean;
  /** `notifiers.allowPrivateNetworkTargets`: private, link-local and loopback addresses are fine. @defaultValue false */
  allowPrivateNetwork?: boolean;
  /** @defaultValue the system resolver */
  lookup?: AddressLookup;
}

export interface WebhookTargetOptions extends WebhookUrlOptions, WebhookTargetPolicy {}

/**
 * What every POST to a channel's secret URL carries (Teams Workflows, signed webhooks). The URL is named
 * `webhookUrl` everywhere so the loggers' redaction list can hide it by name, should one be logged.
 */
export interface WebhookPost extends WebhookTargetPolicy {
  /** The channel's name, the only way it is named in reasons and logs. */
  channel: string;
  /** The resolved URL: a secret (a Workflows URL carries its own credential, many intake URLs a token). */
  webhookUrl: string;
  timeoutMs: number;
  /** An undici dispatcher, e.g. one trusting an extra CA. @defaultValue undici's global one */
  dispatcher?: Dispatcher;
  /** @defaultValue the system clock */
  now?: () => Date;
}

export type WebhookTarget = { ok: true; url: URL } | { ok: false; outcome: DeliveryOutcome };

/**
 * `checkWebhookUrl`, then where the URL leads: a literal address is judged as it is, a host name by
 * every address it resolves to now (one private answer among public ones is enough to refuse, as the
 * connection could take any of them). Loopback passes with either allowance. A refusal is permanent
 * (resending cannot help); a name that does not resolve is retryable, as DNS failures usually pass.
 */
export async function checkWebhookTarget(raw: string, options: WebhookTargetOptions): Promise<WebhookTarget> {
  const checked = checkWebhookUrl(raw, options);
  if (!checked.ok) return { ok: false, outcome: permanent(checked.reason) };
  if (options.allowPrivateNetwork === true) return checked;
  const what = `webhook URL for channel ${options.channel}`;
  const host = checked.url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = (await (options.lookup ?? systemLookup)(host)).map((a) => a.address);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException)?.code;
      return {
        ok: false,
        outcome: retryable(`${what}: its host name could not be resolved${code ? ` (${code})` : ''}`),
      };
    }
  }
  const kinds = new Set(addresses.map(addressKind));
  if (kinds.has('private')) {
    return {
      ok: false,
      outcome: permanent(
        `${what} leads to a private or link-local network address, which needs notifiers.allowPrivateNetworkTargets`,
      ),
    };
  }
  if (kinds.has('loopback') && !options.allowLoopback) {
    return {
      ok: false,
      outcome: permanent(
        `${what} leads to a loopback address, which needs notifiers.allowPrivateNetworkTargets (or allowLoopbackWebhooks in tests)`,
      ),
    };
  }
  if (addresses.length === 0) {
    return { ok: false, outcome: retryable(`${what}: its host name resolved to no address`) };
  }
  return checked;
}
