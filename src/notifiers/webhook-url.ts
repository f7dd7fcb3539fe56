import { isIP } from 'node:net';

/**
 * Webhook URLs (Teams Workflows, SOC webhooks) must be https: the body describes privileged accounts, and
 * a Workflows URL's `sig=` parameter is itself the credential. Plain http is allowed only to a loopback
 * address and only with `notifiers.allowLoopbackWebhooks`, which exists for tests and local sinks.
 *
 * Messages never contain the URL: they name the channel ("webhook URL for channel soc").
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
