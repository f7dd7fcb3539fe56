import { describe, expect, it } from 'vitest';
import { checkWebhookUrl } from '../../src/notifiers/webhook-url.js';

const SECRET_URL =
  'https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=TOPSECRET';

describe('checkWebhookUrl', () => {
  it.each([
    { url: SECRET_URL, allowLoopback: false, ok: true },
    { url: 'https://127.0.0.1:8443/hook', allowLoopback: false, ok: true },
    { url: 'http://127.0.0.1:8080/hook', allowLoopback: true, ok: true },
    { url: 'http://localhost:8080/hook', allowLoopback: true, ok: true },
    { url: 'http://[::1]:8080/hook', allowLoopback: true, ok: true },
    { url: 'http://127.0.0.1:8080/hook', allowLoopback: false, ok: false },
    { url: 'http://hooks.example.com/hook?sig=TOPSECRET', allowLoopback: true, ok: false },
    { url: 'http://10.0.0.5/hook', allowLoopback: true, ok: false },
    { url: 'http://127.0.0.1.example.com/hook', allowLoopback: true, ok: false },
    { url: 'ftp://files.example.com/hook', allowLoopback: true, ok: false },
    { url: 'https://user:TOPSECRET@hooks.example.com/', allowLoopback: false, ok: false },
    { url: 'not a url TOPSECRET', allowLoopback: false, ok: false },
  ])('$url (loopback allowed: $allowLoopback) → ok: $ok', ({ url, allowLoopback, ok }) => {
    const result = checkWebhookUrl(url, { allowLoopback, channel: 'ops' });
    expect(result.ok).toBe(ok);
    if (!result.ok) {
      expect(result.reason).toMatch(/^webhook URL for channel ops /);
      expect(result.reason).not.toContain('TOPSECRET');
      expect(result.reason).not.toContain('example.com');
      expect(result.reason).not.toContain('127.0.0.1');
    }
  });

  it('says why plain http to loopback was refused', () => {
    expect(checkWebhookUrl('http://127.0.0.1:1/x', { allowLoopback: false, channel: 'siem' })).toEqual({
      ok: false,
      reason:
        'webhook URL for channel siem uses plain http to a loopback address, which needs notifiers.allowLoopbackWebhooks (tests only)',
    });
    expect(checkWebhookUrl('http://hooks.example.com/x', { allowLoopback: true, channel: 'siem' })).toEqual({
      ok: false,
      reason: 'webhook URL for channel siem must use https',
    });
  });
});
