import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema, type PimwatchConfig } from '../../src/config/schema.js';
import type { JobOf } from '../../src/jobs/job-map.js';
import { MetricsRecorder } from '../../src/jobs/metrics-recorder.js';
import {
  createNotificationEnqueuer,
  createNotifyProcessor,
  NOTIFY_JOB,
  type NotifyPayload,
} from '../../src/jobs/notify-job.js';
import type { Transition } from '../../src/model/lifecycle.js';
import { channelSchema } from '../../src/notifiers/channel-config.js';
import { defineChannelKind, type RenderedBase } from '../../src/notifiers/channel-kind.js';
import { CHANNEL_KINDS } from '../../src/notifiers/channel-kinds.js';
import { notifiersSchemaFor } from '../../src/notifiers/config-schema.js';
import { type DeliveryOutcome, delivered, permanent } from '../../src/notifiers/delivery.js';
import type { StateStore } from '../../src/store/state-store.js';
import { oneTransitionPerAlert } from '../notifiers/sample-transitions.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { TENANT_ID } from '../support/snapshot-factory.js';

/**
 * Adding a channel kind is one table entry: a kind defined here, and nowhere in `src`, is configured,
 * queued, rendered, sent, counted and logged by the notify job with no other change.
 */

/** What the throwaway kind's receiver got. */
const pages: (RenderedBase & { kind: string; text: string })[] = [];
/** What the throwaway kind's receiver answers next. */
let answer: DeliveryOutcome = delivered;

const pagerKind = defineChannelKind({
  configKey: 'pagers',
  description: 'A pager that gets one line per change.',
  schema: channelSchema({
    number: z
      .string()
      .regex(/^\+\d{6,15}$/)
      .meta({ description: 'Where pages go.' }),
  }),
  canDeduplicate: false,
  mode: () => 'perTransition',
  build: (config) => ({
    sendTimeoutMs: config.timeoutMs ?? 1000,
    render: (transitions) => ({ text: `${config.number}: ${transitions[0]!.type} ${transitions[0]!.alert}` }),
    send: async (rendered) => {
      pages.push(rendered as (typeof pages)[number]);
      return answer;
    },
  }),
});
const KINDS = { ...CHANNEL_KINDS, pager: pagerKind };

const KEY_PREFIX = 'pimwatch-test-kind';
let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
}, 30_000);

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

function configWithPager(): PimwatchConfig {
  const base = configSchema.parse({
    redis: { url: server.url, keyPrefix: KEY_PREFIX },
    tenants: [{ id: TENANT_ID, name: 'Contoso', credential: { type: 'managedIdentity' } }],
  });
  const notifiers = notifiersSchemaFor(KINDS).parse({
    pagers: [{ name: 'on-call', number: '+441234567890' }],
    routing: [{ channels: ['on-call'], alerts: ['InvalidLicenseAlert'] }],
  });
  return { ...base, notifiers };
}

/** A job as BullMQ hands it to the processor: only what the processor reads. */
function jobOf(data: NotifyPayload, attemptsMade = 0): JobOf<'notify'> {
  return {
    id: `kind-${data.eventIds[0]}`,
    name: NOTIFY_JOB,
    data,
    attemptsMade,
  } as unknown as JobOf<'notify'>;
}

describe('a channel kind registered in a test', () => {
  it('is part of the notifiers schema: its list, its strict fields, names shared with the other kinds', () => {
    const schema = notifiersSchemaFor(KINDS);
    expect(schema.parse({}).pagers).toEqual([]);
    const clash = schema.safeParse({
      pagers: [{ name: 'ops', number: '+441234567890' }],
      teams: [{ name: 'ops', webhookUrl: { env: 'TEAMS' } }],
    });
    expect(clash.error?.issues.map((i) => i.path.join('.'))).toEqual(['pagers.0.name']);
    expect(
      schema.safeParse({ pagers: [{ name: 'p', number: '+441234567890', colour: 'red' }] }).success,
    ).toBe(false);
  });

  it('gets its transitions queued, delivered once, counted and logged once by the notify job', async () => {
    const config = configWithPager();
    const transitions: Transition[] = oneTransitionPerAlert('opened').map((t) => ({
      ...t,
      tenantId: TENANT_ID,
    }));
    const queued: { name: string; data: NotifyPayload }[] = [];
    const queue = { addBulk: async (jobs: typeof queued) => void queued.push(...jobs) } as unknown as Queue;
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });

    const enqueue = createNotificationEnqueuer({ config, queue, logger, channelKinds: KINDS });
    expect(await enqueue(config.tenants[0]!, 'scan-1', transitions)).toBe(1);
    const invalidLicence = transitions.find((t) => t.alert === 'InvalidLicenseAlert')!;
    expect(queued.map((j) => j.data)).toEqual([
      { tenantId: TENANT_ID, scanId: 'scan-1', channel: 'on-call', eventIds: [invalidLicence.eventId] },
    ]);

    const store = { getAppliedTransitions: async () => transitions } as unknown as StateStore;
    const metrics = new MetricsRecorder(redis, KEY_PREFIX);
    const processor = createNotifyProcessor({ config, store, metrics, redis, logger, channelKinds: KINDS });
    try {
      const job = jobOf(queued[0]!.data);
      expect(await processor(job)).toEqual({ channel: 'on-call', outcome: 'delivered' });
      expect(await processor(job)).toEqual({ channel: 'on-call', outcome: 'alreadyDelivered' });
    } finally {
      await processor.close();
    }

    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({
      channel: 'on-call',
      kind: 'pager',
      eventIds: [invalidLicence.eventId],
      text: '+441234567890: opened InvalidLicenseAlert',
    });
    const { counters } = await metrics.read();
    expect(counters).toMatchObject({ 'notifications:pager:delivered': 1, 'notifications:pager:skipped': 1 });
    const outcomes = lines.filter((l) => l.msg === 'notification delivered');
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ channel: 'on-call', kind: 'pager', outcome: 'delivered', events: 1 });
  });

  it("follows the kind's capabilities: a maybe-delivered page is not retried where duplicates cannot be dropped", async () => {
    const config = configWithPager();
    const transition = { ...oneTransitionPerAlert('resolved')[0]!, tenantId: TENANT_ID };
    const store = { getAppliedTransitions: async () => [transition] } as unknown as StateStore;
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const metrics = new MetricsRecorder(redis, KEY_PREFIX);
    const processor = createNotifyProcessor({ config, store, metrics, redis, logger, channelKinds: KINDS });
    answer = { status: 'retryable', reason: 'pager gateway timed out', maybeDelivered: true };
    try {
      const data = {
        tenantId: TENANT_ID,
        scanId: 'scan-2',
        channel: 'on-call',
        eventIds: [transition.eventId],
      };
      await expect(processor(jobOf(data))).rejects.toThrow(
        'delivery uncertain, not retried (pager cannot drop duplicates): pager gateway timed out',
      );
      answer = permanent('not reached');
      expect(await processor(jobOf(data, 1))).toEqual({ channel: 'on-call', outcome: 'alreadyDelivered' });
    } finally {
      answer = delivered;
      await processor.close();
    }
    const outcomes = lines.filter((l) => typeof l.outcome === 'string');
    expect(outcomes).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'notification may have arrived; not retried to avoid a duplicate',
        kind: 'pager',
        maybeDelivered: true,
      }),
    ]);
  });
});
