import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { parseWebhookSecret, signWebhook } from '../../src/notifiers/webhook-signature.js';
import { newWebhookSecret } from '../support/webhook-secret.js';

const OLD = newWebhookSecret();
const NEW = newWebhookSecret(48);
const BODY = JSON.stringify({ eventId: 'e1', type: 'incident.opened', tenantName: 'Contoso – Zürich' });
const ID = '5b1f0c2a9b8e4d3c7a6e5f4d3c2b1a09';

const keyOf = (secret: string) => {
  const parsed = parseWebhookSecret(secret);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.key;
};

function signNow(keys: string[], overrides: { id?: string; body?: string; timestamp?: number } = {}) {
  return signWebhook({
    id: overrides.id ?? ID,
    body: overrides.body ?? BODY,
    keys: keys.map(keyOf),
    timestamp: overrides.timestamp ?? Math.floor(Date.now() / 1000),
  });
}

describe('signWebhook, checked by the standardwebhooks library as a receiver would', () => {
  it('produces the three Standard Webhooks headers, which verify', () => {
    const headers = signNow([OLD]);
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(OLD).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it('signs with every secret during a rotation, so the old and the new secret both verify', () => {
    const headers = signNow([OLD, NEW]);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(OLD).verify(BODY, headers)).not.toThrow();
    expect(() => new Webhook(NEW).verify(BODY, headers)).not.toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(BODY, headers)).toThrow(/No matching signature/);
  });

  it.each([
    { name: 'a changed id', tamper: (h: Record<string, string>) => ({ ...h, 'webhook-id': `${ID}0` }) },
    {
      name: 'a changed timestamp',
      tamper: (h: Record<string, string>) => ({
        ...h,
        'webhook-timestamp': String(Number(h['webhook-timestamp']) - 1),
      }),
    },
  ])('fails verification with $name', ({ tamper }) => {
    const headers = signNow([OLD, NEW]);
    expect(() => new Webhook(NEW).verify(BODY, tamper(headers))).toThrow(/No matching signature/);
  });

  it('fails verification with a changed body', () => {
    const headers = signNow([OLD]);
    expect(() => new Webhook(OLD).verify(BODY.replace('opened', 'resolved'), headers)).toThrow(
      /No matching signature/,
    );
  });

  it('is refused by the receiver once the timestamp is older than its tolerance', () => {
    const headers = signNow([OLD], { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(() => new Webhook(OLD).verify(BODY, headers)).toThrow(/too old/);
  });

  it('refuses a timestamp that is not whole seconds, no key, and an id the signed text could split', () => {
    expect(() => signNow([OLD], { timestamp: Date.now() + 0.5 })).toThrow(RangeError);
    expect(() => signWebhook({ id: ID, body: BODY, keys: [], timestamp: 1 })).toThrow(RangeError);
    expect(() => signNow([OLD], { id: 'a.b' })).toThrow(RangeError);
  });
});

describe('parseWebhookSecret', () => {
  it('accepts whsec_ and base64 of 24 to 64 bytes, and gives the decoded key', () => {
    const raw = randomBytes(24);
    const parsed = parseWebhookSecret(`whsec_${raw.toString('base64')}`);
    expect(parsed).toEqual({ ok: true, key: raw });
    expect(parseWebhookSecret(newWebhookSecret(64)).ok).toBe(true);
  });

  it.each([
    { name: 'no prefix', value: randomBytes(32).toString('base64'), reason: /must start with "whsec_"/ },
    { name: 'not base64', value: 'whsec_not*base64*at*all*', reason: /standard base64/ },
    { name: 'base64url', value: `whsec_${'-_'.repeat(22)}`, reason: /standard base64/ },
    { name: 'too short', value: newWebhookSecret(16), reason: /24 to 64 random bytes \(it encodes 16\)/ },
    { name: 'too long', value: newWebhookSecret(65), reason: /it encodes 65/ },
  ])('refuses $name, without quoting the value', ({ value, reason }) => {
    const parsed = parseWebhookSecret(value);
    expect(parsed.ok).toBe(false);
    const text = (parsed as { reason: string }).reason;
    expect(text).toMatch(reason);
    expect(text).not.toContain(value.slice(6, 20));
  });
});
