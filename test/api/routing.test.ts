import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiDeps, buildApi } from '../../src/api/app.js';
import { configSchema } from '../../src/config/schema.js';
import type { MetricsRecorder } from '../../src/jobs/metrics-recorder.js';
import type { Queues } from '../../src/jobs/queues.js';
import { silentLogger } from '../../src/log.js';
import type { StateStore } from '../../src/store/state-store.js';

/**
 * How the API's plugins answer before any Redis work: the key check of the keyed context, input
 * parsing, and unknown paths. Redis, the queues and the store are stand-ins that fail if touched.
 */

const TENANT = '8f6a1d2e-4b7c-4e3a-9d1f-2c5b7a9e0f13';
const KEY = 'routing-test-key';
const AUTH = { authorization: `Bearer ${KEY}` };

function untouchable<T>(name: string): T {
  return new Proxy(
    {},
    {
      get: (_target, property) => {
        throw new Error(`${name}.${String(property)} was used`);
      },
    },
  ) as T;
}

let app: FastifyInstance;

beforeAll(async () => {
  const deps: ApiDeps = {
    config: configSchema.parse({
      tenants: [
        {
          id: TENANT,
          name: 'Contoso',
          credential: { type: 'clientSecret', clientId: 'app', clientSecret: { env: 'UNUSED' } },
        },
      ],
    }),
    redis: untouchable<Redis>('redis'),
    queues: untouchable<Queues>('queues'),
    store: untouchable<StateStore>('store'),
    recorder: untouchable<MetricsRecorder>('recorder'),
    apiKeys: [{ name: 'tests', key: KEY }],
    logger: silentLogger,
  };
  app = await buildApi(deps);
});

afterAll(async () => {
  await app?.close();
});

describe('the API routes', () => {
  it('answers 401 without a key for /api, /metrics and unknown paths, and 404 for an unknown path with one', async () => {
    for (const url of ['/api/v1/feed', '/metrics', '/api/v1/nothing-here', '/nothing-here']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(401);
      expect(res.headers['www-authenticate'], url).toBe('Bearer realm="pimwatch"');
    }
    const res = await app.inject({ url: '/nothing-here', headers: AUTH });
    expect(res.statusCode).toBe(404);
  });

  it('answers 400 "required" naming tenantId when a scan request has no body', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/scans', headers: AUTH });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid request body', problems: ['tenantId: required'] });
  });

  it('answers 400 naming the key for an unknown body key and a tenant id that is not a GUID', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/scans',
      headers: AUTH,
      payload: { tenantId: 'contoso', extra: 1 },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string; problems: string[] };
    expect(body.error).toBe('invalid request body');
    expect(body.problems).toEqual(
      expect.arrayContaining([expect.stringContaining('tenantId'), expect.stringContaining('extra')]),
    );
  });

  it('answers 404 for an unknown tenant before looking at its query', async () => {
    const res = await app.inject({
      url: '/api/v1/tenants/00000000-0000-4000-8000-000000000000/incidents?state=bogus',
      headers: AUTH,
    });
    expect(res.statusCode).toBe(404);
    const known = await app.inject({ url: `/api/v1/tenants/${TENANT}/incidents?state=bogus`, headers: AUTH });
    expect(known.statusCode).toBe(400);
    expect(known.json()).toMatchObject({
      error: 'invalid query',
      problems: [expect.stringContaining('state')],
    });
  });
});
