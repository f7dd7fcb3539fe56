import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../../src/notifiers/webhook-signature.js';

const SECRET = 'whsec_7d1f0c2a9b8e4d3c';
const BODY = JSON.stringify({ eventId: 'e1', type: 'incident.opened', tenantName: 'Contoso – Zürich' });
const T = 1_781_524_800; // 2026-06-15T12:00:00Z

/**
 * A receiver written from the documented scheme alone (node:crypto, no pimwatch code): what a SOC would
 * put in front of its SIEM.
 */
function independentReceiverAccepts(
  headers: Record<string, string>,
  rawBody: Buffer,
  nowSeconds: number,
): boolean {
  const timestamp = headers['x-pimwatch-timestamp'];
  const signature = headers['x-pimwatch-signature'];
  if (!timestamp || !signature?.startsWith('sha256=')) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', SECRET)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`), rawBody]))
    .digest();
  const given = Buffer.from(signature.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const lower = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

describe('signWebhook', () => {
  it('produces headers an independent receiver accepts', () => {
    const headers = lower(signWebhook({ body: BODY, secret: SECRET, timestamp: T }));
    expect(headers['x-pimwatch-timestamp']).toBe(String(T));
    expect(headers['x-pimwatch-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(independentReceiverAccepts(headers, Buffer.from(BODY, 'utf8'), T + 10)).toBe(true);
  });

  it('is rejected by the receiver for a tampered body, a wrong secret or an old timestamp', () => {
    const headers = lower(signWebhook({ body: BODY, secret: SECRET, timestamp: T }));
    expect(independentReceiverAccepts(headers, Buffer.from(BODY.replace('opened', 'resolved')), T)).toBe(
      false,
    );
    const otherSecret = lower(signWebhook({ body: BODY, secret: 'not-the-secret', timestamp: T }));
    expect(independentReceiverAccepts(otherSecret, Buffer.from(BODY), T)).toBe(false);
    expect(independentReceiverAccepts(headers, Buffer.from(BODY), T + 301)).toBe(false);
  });

  it('refuses a timestamp that is not whole seconds', () => {
    expect(() => signWebhook({ body: BODY, secret: SECRET, timestamp: Date.now() + 0.5 })).toThrow(
      RangeError,
    );
  });
});

describe('verifyWebhookSignature', () => {
  const headers = signWebhook({ body: BODY, secret: SECRET, timestamp: T });
  const input = {
    body: BODY,
    secret: SECRET,
    timestamp: headers['X-Pimwatch-Timestamp'],
    signature: headers['X-Pimwatch-Signature'],
    now: new Date(T * 1000),
  };

  it('accepts a genuine delivery, raw bytes or text', () => {
    expect(verifyWebhookSignature(input)).toEqual({ ok: true });
    expect(verifyWebhookSignature({ ...input, body: Buffer.from(BODY, 'utf8') })).toEqual({ ok: true });
  });

  it.each([
    { name: 'a tampered body', change: { body: BODY.replace('e1', 'e2') }, reason: 'mismatch' },
    { name: 'another secret', change: { secret: 'x' }, reason: 'mismatch' },
    { name: 'a shifted timestamp', change: { timestamp: String(T + 1) }, reason: 'mismatch' },
    { name: 'an old timestamp', change: { now: new Date((T + 301) * 1000) }, reason: 'outsideTolerance' },
    {
      name: 'a timestamp from the future',
      change: { now: new Date((T - 301) * 1000) },
      reason: 'outsideTolerance',
    },
    { name: 'no signature', change: { signature: undefined }, reason: 'missing' },
    { name: 'a signature of another form', change: { signature: 'v1=abc' }, reason: 'malformed' },
    { name: 'a timestamp in milliseconds', change: { timestamp: String(T * 1000_000) }, reason: 'malformed' },
  ])('rejects $name', ({ change, reason }) => {
    expect(verifyWebhookSignature({ ...input, ...change })).toEqual({ ok: false, reason });
  });

  it('honours a custom tolerance', () => {
    expect(
      verifyWebhookSignature({ ...input, now: new Date((T + 60) * 1000), toleranceSeconds: 30 }),
    ).toEqual({
      ok: false,
      reason: 'outsideTolerance',
    });
  });
});
