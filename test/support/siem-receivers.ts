import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { generateServerCertificate } from '../../src/emulator/certificate.js';
import type { TokenCheck } from '../../src/emulator/token-registry.js';

/**
 * Local stand-ins for the two SIEM intake APIs, strict about what their documentation requires, so a
 * test fails when pimwatch sends something the real service would refuse. Both record what they
 * accepted and can be scripted to answer a request with a given status (429 with Retry-After, 401).
 */

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

interface Listening {
  origin: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), ...headers });
  res.end(text);
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  tls?: { cert: string; key: string },
): Promise<Listening> {
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((error: unknown) => answer(res, 500, { text: String(error) }));
  };
  const server = tls ? createHttpsServer(tls, handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Splunk HTTP Event Collector

export interface SplunkEnvelopeSeen {
  time: number;
  host?: string;
  source?: string;
  sourcetype?: string;
  index?: string;
  event: Record<string, unknown>;
}

export interface SplunkReceiver extends Listening {
  /** Events accepted (and, with acknowledgement, reported indexed), in arrival order. */
  events: SplunkEnvelopeSeen[];
  /** Every request to the event endpoint, accepted or not, with its request channel header. */
  posts: { status: number; channel: string | undefined; receivedAt: number }[];
  ackPolls: number;
  respondWith(...answers: ScriptedAnswer[]): void;
}

const ENVELOPE_KEYS = new Set(['time', 'host', 'source', 'sourcetype', 'index', 'event', 'fields']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Splits HEC's batch format: JSON objects one after another, with or without whitespace between. */
export function splitConcatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}' && --depth === 0) {
      out.push(JSON.parse(text.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(ch ?? '')) throw new Error(`unexpected ${ch} at ${i}`);
  }
  if (depth !== 0) throw new Error('unterminated event');
  return out;
}

function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const envelope = value as Record<string, unknown>;
  const unknown = Object.keys(envelope).filter((k) => !ENVELOPE_KEYS.has(k));
  if (unknown.length > 0) return `unknown keys ${unknown.join(', ')}`;
  if (envelope.event === undefined || envelope.event === '') return 'Event field is required';
  if (envelope.time !== undefined && typeof envelope.time !== 'number') return 'time must be epoch seconds';
  for (const key of ['host', 'source', 'sourcetype', 'index'] as const) {
    if (envelope[key] !== undefined && typeof envelope[key] !== 'string') return `${key} must be a string`;
  }
  return undefined;
}

/**
 * HEC's event and acknowledgement endpoints. The token must come as `Authorization: Splunk <token>`
 * (401 code 2 without one, 403 code 4 for a wrong one, as HEC answers). With `ack`, a request must name
 * a channel GUID (400 code 10 otherwise), gets an `ackId`, and the batch is reported indexed on the
 * `ackAfterPolls`-th poll; its events count as received only then.
 */
export async function startSplunkReceiver(options: {
  token: string;
  ack?: { ackAfterPolls: number };
}): Promise<SplunkReceiver> {
  const events: SplunkEnvelopeSeen[] = [];
  const posts: SplunkReceiver['posts'] = [];
  const script: ScriptedAnswer[] = [];
  const pending = new Map<string, { events: SplunkEnvelopeSeen[]; polls: number }>();
  let nextAckId = 0;
  const receiver = {
    events,
    posts,
    ackPolls: 0,
    respondWith: (...answers: ScriptedAnswer[]) => void script.push(...answers),
  };
  const authProblem = (req: IncomingMessage): [number, unknown] | undefined => {
    const header = req.headers.authorization;
    if (!header) return [401, { text: 'Token is required', code: 2 }];
    if (header !== `Splunk ${options.token}`) return [403, { text: 'Invalid token', code: 4 }];
    return undefined;
  };
  const onEvent = async (req: IncomingMessage, res: ServerResponse) => {
    const text = (await readBody(req)).toString('utf8');
    const channel = req.headers['x-splunk-request-channel'] as string | undefined;
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      posts.push({ status, channel, receivedAt: Date.now() });
      answer(res, status, body, headers);
    };
    const scripted = script.shift();
    if (scripted)
      return reply(scripted.status, scripted.body ? JSON.parse(scripted.body) : undefined, scripted.headers);
    const refused = authProblem(req);
    if (refused) return reply(...refused);
    if (options.ack && !(channel && GUID.test(channel)))
      return reply(400, { text: 'Data channel is missing', code: 10 });
    let batch: unknown[];
    try {
      batch = splitConcatenatedJson(text);
    } catch {
      return reply(400, { text: 'Invalid data format', code: 6 });
    }
    const problem = batch.length === 0 ? 'No data' : batch.map(envelopeProblem).find((p) => p !== undefined);
    if (problem) return reply(400, { text: problem, code: 6 });
    const accepted = batch as SplunkEnvelopeSeen[];
    if (!options.ack) {
      events.push(...accepted);
      return reply(200, { text: 'Success', code: 0 });
    }
    const ackId = nextAckId++;
    pending.set(`${channel}|${ackId}`, { events: accepted, polls: 0 });
    return reply(200, { text: 'Success', code: 0, ackId });
  };
  const onAck = async (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { acks?: number[] };
    const refused = authProblem(req);
    if (refused) return answer(res, ...refused);
    const channel =
      (req.headers['x-splunk-request-channel'] as string | undefined) ??
      new URL(req.url ?? '/', 'http://x').searchParams.get('channel') ??
      undefined;
    if (!channel) return answer(res, 400, { text: 'Data channel is missing', code: 10 });
    receiver.ackPolls++;
    const acks: Record<string, boolean> = {};
    for (const id of body.acks ?? []) {
      const entry = pending.get(`${channel}|${id}`);
      if (entry && ++entry.polls >= (options.ack?.ackAfterPolls ?? 1)) {
        pending.delete(`${channel}|${id}`);
        events.push(...entry.events);
        acks[String(id)] = true;
      } else acks[String(id)] = false;
    }
    return answer(res, 200, { acks });
  };
  const server = await listen(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === '/services/collector/event') return onEvent(req, res);
    if (req.method === 'POST' && path === '/services/collector/ack' && options.ack) return onAck(req, res);
    return answer(res, 404, { text: 'The requested URL was not found on this server.', code: 404 });
  });
  return Object.assign(receiver, server);
}

// ---------------------------------------------------------------------------------------------------
// Azure Monitor Logs Ingestion API

export interface SentinelReceiver extends Listening {
  /** The receiver's own certificate: trust it, as a CA bundle would. */
  caPem: string;
  /** Rows accepted, in arrival order. */
  rows: Record<string, unknown>[];
  /** Every upload call: its status, uncompressed size and when it arrived. */
  calls: { status: number; bytes: number; receivedAt: number }[];
  respondWith(...answers: ScriptedAnswer[]): void;
}

/**
 * The API version the Logs Ingestion API documents (https://learn.microsoft.com/azure/azure-monitor/logs/
 * logs-ingestion-api-overview). UNCONFIRMED (docs/unconfirmed-graph-facts.md)
 */
export const LOGS_INGESTION_API_VERSION = '2023-01-01';
const ONE_MB = 1024 * 1024;

/**
 * `POST /dataCollectionRules/{ruleId}/streams/{stream}?api-version=2023-01-01` over HTTPS, as the Logs
 * Ingestion API takes it: a bearer token whose audience is Azure Monitor (checked with the emulator that
 * issued it), `Content-Type: application/json`, a body (gzip allowed) that is a JSON array of rows whose
 * columns are the stream's declared ones with the declared types, at most 1 MB per call; 204 on success.
 * Stricter than the service in one way: every declared column must be present (the service leaves a
 * missing one empty), so a column pimwatch forgot to send fails the test.
 */
export async function startSentinelReceiver(options: {
  ruleId: string;
  stream: string;
  columns: readonly { name: string; type: string }[];
  inspectToken: (token: string) => TokenCheck;
  audience?: string;
}): Promise<SentinelReceiver> {
  const rows: Record<string, unknown>[] = [];
  const calls: SentinelReceiver['calls'] = [];
  const script: ScriptedAnswer[] = [];
  const audience = options.audience ?? 'https://monitor.azure.com';
  const certificate = await generateServerCertificate(new Date(), 'pimwatch test Logs Ingestion API');
  const server = await listen(
    async (req, res) => {
      const raw = await readBody(req);
      let bytes = raw.length;
      const reply = (status: number, code?: string, message?: string, headers?: Record<string, string>) => {
        calls.push({ status, bytes, receivedAt: Date.now() });
        answer(res, status, code ? { error: { code, message } } : undefined, headers);
      };
      const scripted = script.shift();
      if (scripted) return reply(scripted.status, 'Scripted', scripted.body ?? 'scripted', scripted.headers);
      const url = new URL(req.url ?? '/', 'https://x');
      const expectedPath = `/dataCollectionRules/${options.ruleId}/streams/${options.stream}`;
      if (req.method !== 'POST' || url.pathname !== expectedPath) {
        return reply(404, 'NotFound', `no data collection rule stream at ${url.pathname}`);
      }
      if (url.searchParams.get('api-version') !== LOGS_INGESTION_API_VERSION) {
        return reply(400, 'InvalidApiVersion', `api-version ${url.searchParams.get('api-version')}`);
      }
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      const checked = token ? options.inspectToken(token) : undefined;
      if (!checked?.ok || checked.info.audience !== audience) {
        return reply(
          401,
          'InvalidToken',
          `token audience ${checked?.ok ? checked.info.audience : 'unknown'}`,
        );
      }
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        return reply(415, 'UnsupportedMediaType', 'Content-Type must be application/json');
      }
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      bytes = body.length;
      if (raw.length > ONE_MB || body.length > ONE_MB)
        return reply(413, 'ContentLengthLimitExceeded', 'over 1 MB');
      const parsed = JSON.parse(body.toString('utf8')) as unknown;
      const problem = rowsProblem(parsed, options.columns);
      if (problem) return reply(400, 'InvalidPayload', problem);
      rows.push(...(parsed as Record<string, unknown>[]));
      return reply(204);
    },
    { cert: certificate.cert, key: certificate.key },
  );
  return Object.assign(server, {
    caPem: certificate.cert,
    rows,
    calls,
    respondWith: (...answers: ScriptedAnswer[]) => void script.push(...answers),
  });
}

const TYPE_CHECKS: Record<string, (value: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  datetime: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /T.*(Z|[+-]\d\d:\d\d)$/.test(v),
  dynamic: (v) => typeof v === 'object' && v !== null,
};

function rowsProblem(
  parsed: unknown,
  columns: readonly { name: string; type: string }[],
): string | undefined {
  if (!Array.isArray(parsed) || parsed.length === 0) return 'the body must be a non-empty JSON array';
  const declared = new Map(columns.map((c) => [c.name, c.type]));
  for (const [index, row] of parsed.entries()) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return `row ${index} is not an object`;
    for (const [name, value] of Object.entries(row)) {
      const type = declared.get(name);
      if (!type) return `row ${index}: column ${name} is not declared by the stream`;
      // A null is an empty cell of any type.
      if (value !== null && !TYPE_CHECKS[type]?.(value)) return `row ${index}: ${name} is not a ${type}`;
    }
    for (const name of declared.keys()) {
      if (!(name in row)) return `row ${index}: column ${name} is missing`;
    }
  }
  return undefined;
}
