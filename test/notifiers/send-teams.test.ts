import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrust, type Trust } from '../../src/graph/trust.js';
import { type DeliveryOutcome, retryDelayMs } from '../../src/notifiers/delivery.js';
import { sendTeamsMessage, type TeamsDelivery } from '../../src/notifiers/send-teams.js';
import { renderTeamsCard, type TeamsMessage } from '../../src/notifiers/teams-card.js';
import { type HttpSink, startHttpSink } from '../support/http-sink.js';
import { adaptiveCardProblems } from './adaptive-card.js';
import { CTX, oneTransitionPerAlert } from './sample-transitions.js';

const message = renderTeamsCard(oneTransitionPerAlert('opened')[4]!, CTX);
const PATH = '/workflows/7c1e/triggers/manual/paths/invoke?api-version=1&sig=SIGNATURE-SECRET';

/** What the notify job will do: attempt, and on a retryable outcome wait and try again. */
async function deliverWithRetries(delivery: TeamsDelivery, attempts: number): Promise<DeliveryOutcome[]> {
  const outcomes: DeliveryOutcome[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const outcome = await sendTeamsMessage(delivery);
    outcomes.push(outcome);
    if (outcome.status !== 'retryable') break;
    await new Promise((r) =>
      setTimeout(r, retryDelayMs(outcome, attempt, { backoffMs: 10, maxDelayMs: 50 })),
    );
  }
  return outcomes;
}

describe('sendTeamsMessage', () => {
  let sink: HttpSink;
  let delivery: TeamsDelivery;
  beforeAll(async () => {
    sink = await startHttpSink();
    delivery = {
      channel: 'ops',
      webhookUrl: sink.origin + PATH,
      message,
      timeoutMs: 2000,
      allowLoopback: true,
    };
  });
  afterAll(() => sink.close());

  it('posts the card, which the sink receives intact, and counts 202 as delivered', async () => {
    const before = sink.requests.length;
    expect(await sendTeamsMessage(delivery)).toEqual({ status: 'delivered' });
    const request = sink.requests[before]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(PATH);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    const received = JSON.parse(request.body) as TeamsMessage;
    expect(received).toEqual(message);
    expect(adaptiveCardProblems(received.attachments[0].content)).toEqual([]);
  });

  it('retries a 429, honouring Retry-After, and then delivers', async () => {
    const before = sink.requests.length;
    sink.respondWith(
      { status: 429, headers: { 'retry-after': '0' }, body: '{"error":"throttled"}' },
      { status: 202 },
    );
    const outcomes = await deliverWithRetries(delivery, 3);
    expect(outcomes).toEqual([
      {
        status: 'retryable',
        reason: 'Teams webhook for channel ops answered 429: {"error":"throttled"}',
        retryAfterMs: 0,
      },
      { status: 'delivered' },
    ]);
    expect(sink.requests.length - before).toBe(2);
    expect(sink.requests.at(-1)!.body).toBe(sink.requests.at(-2)!.body);
  });

  it('records a 400 as a permanent failure with its reason, without retrying', async () => {
    const before = sink.requests.length;
    sink.respondWith({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: '{"error":{"code":"InvalidRequestContent","message":"The card is not valid"}}',
    });
    const outcomes = await deliverWithRetries(delivery, 3);
    expect(outcomes).toEqual([
      {
        status: 'permanent',
        reason:
          'Teams webhook for channel ops answered 400: {"error":{"code":"InvalidRequestContent","message":"The card is not valid"}}',
      },
    ]);
    expect(sink.requests.length - before).toBe(1);
  });

  it.each([
    { status: 408, expected: 'retryable' },
    { status: 500, expected: 'retryable' },
    { status: 503, expected: 'retryable' },
    { status: 401, expected: 'permanent' },
    { status: 404, expected: 'permanent' },
    { status: 413, expected: 'permanent' },
    { status: 302, expected: 'permanent' },
  ])('classifies $status as $expected', async ({ status, expected }) => {
    sink.respondWith({ status, headers: status === 302 ? { location: 'https://elsewhere.example/' } : {} });
    expect((await sendTeamsMessage(delivery)).status).toBe(expected);
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const now = new Date('2026-06-15T12:00:00Z');
    sink.respondWith({ status: 503, headers: { 'retry-after': 'Mon, 15 Jun 2026 12:00:30 GMT' } });
    const outcome = await sendTeamsMessage({ ...delivery, now: () => now });
    expect(outcome).toMatchObject({ status: 'retryable', retryAfterMs: 30_000 });
  });

  it('gives up on a slow receiver at the timeout, saying the card may have arrived', async () => {
    sink.respondWith({ status: 202, delayMs: 1000 });
    const outcome = await sendTeamsMessage({ ...delivery, timeoutMs: 200 });
    expect(outcome).toEqual({
      status: 'retryable',
      reason: 'Teams webhook for channel ops did not answer within 200 ms',
      maybeDelivered: true,
    });
  });

  it('reports an unreachable receiver as retryable and certainly not delivered, without the URL', async () => {
    const closed = await startHttpSink();
    const url = closed.origin + PATH;
    await closed.close();
    const outcome = await sendTeamsMessage({ ...delivery, webhookUrl: url });
    expect(outcome).toMatchObject({ status: 'retryable', maybeDelivered: false });
    expect(JSON.stringify(outcome)).not.toContain('SIGNATURE-SECRET');
  });

  it('refuses plain http without the loopback setting, and a card over 28,000 bytes, before sending', async () => {
    const before = sink.requests.length;
    expect(await sendTeamsMessage({ ...delivery, allowLoopback: false })).toEqual({
      status: 'permanent',
      reason:
        'webhook URL for channel ops uses plain http to a loopback address, which needs notifiers.allowLoopbackWebhooks (tests only)',
    });
    const huge = structuredClone(message);
    huge.attachments[0].content.body.push({ type: 'TextBlock', text: 'x'.repeat(30_000) });
    expect(await sendTeamsMessage({ ...delivery, message: huge })).toMatchObject({
      status: 'permanent',
      reason: expect.stringMatching(/^card for channel ops is \d+ bytes; Teams accepts at most 28000$/),
    });
    expect(sink.requests.length).toBe(before);
  });
});

describe('sendTeamsMessage over HTTPS', () => {
  let sink: HttpSink;
  let trust: Trust;
  beforeAll(async () => {
    sink = await startHttpSink({ tls: true });
    trust = createTrust(sink.caPem);
  });
  afterAll(async () => {
    await sink.close();
    await trust.close();
  });

  it('delivers to an https receiver trusted through an explicit CA', async () => {
    const outcome = await sendTeamsMessage({
      channel: 'ops',
      webhookUrl: sink.origin + PATH,
      message,
      timeoutMs: 2000,
      // An https receiver on loopback: the tests' allowance (notifiers.allowLoopbackWebhooks).
      allowLoopback: true,
      ...(trust.dispatcher ? { dispatcher: trust.dispatcher } : {}),
    });
    expect(outcome).toEqual({ status: 'delivered' });
    expect(sink.requests).toHaveLength(1);
  });

  it('does not trust the receiver without that CA', async () => {
    const outcome = await sendTeamsMessage({
      channel: 'ops',
      webhookUrl: sink.origin + PATH,
      message,
      timeoutMs: 2000,
      allowLoopback: true,
    });
    expect(outcome).toMatchObject({ status: 'retryable', maybeDelivered: false });
    expect(sink.requests).toHaveLength(1);
  });
});
