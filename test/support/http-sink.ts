import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateServerCertificate } from '../../src/emulator/certificate.js';

/** One request the sink received, body as the raw text it was sent as. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/workflows/abc?sig=...`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** `Date.now()` when the body had arrived, to check that a client waited before retrying. */
  receivedAt: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  /** The answer's body, or a function of the request (a receiver that quotes what it was sent). */
  body?: string | ((request: RecordedRequest) => string);
  /** Wait this long before answering (to make a client time out). */
  delayMs?: number;
  /** Answer only once this settles: holds a client mid-request for as long as a test needs. */
  release?: Promise<unknown>;
}

export interface HttpSink {
  /** `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`. */
  origin: string;
  /** The sink's certificate (its own CA) when it serves HTTPS: trust it with `createTrust(caPem)`. */
  caPem?: string;
  /** Every request in arrival order. */
  requests: RecordedRequest[];
  /** Queues answers for the next requests, in order; once used up, `defaultResponse` answers. */
  respondWith(...responses: ScriptedResponse[]): void;
  /** Resolves with the requests once at least `count` have arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/**
 * A local webhook receiver for notifier tests: plays Teams Workflows (202, empty body) or a SOC webhook,
 * records what it got, and answers with whatever the test scripts (429 with Retry-After, 400, a delay).
 */
export async function startHttpSink(
  options: { tls?: boolean; defaultResponse?: ScriptedResponse } = {},
): Promise<HttpSink> {
  const requests: RecordedRequest[] = [];
  const script: ScriptedResponse[] = [];
  const fallback = options.defaultResponse ?? { status: 202 };
  const timers = new Set<NodeJS.Timeout>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      requests.push(request);
      const answer = script.shift() ?? fallback;
      const reply = () => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(typeof answer.body === 'function' ? answer.body(request) : (answer.body ?? ''));
      };
      if (answer.release) {
        const settled = () => {
          if (!res.destroyed) reply();
        };
        answer.release.then(settled, settled);
        return;
      }
      if (!answer.delayMs) return reply();
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) reply();
      }, answer.delayMs);
      timers.add(timer);
    });
  };

  let server: Server;
  let caPem: string | undefined;
  if (options.tls) {
    const certificate = await generateServerCertificate();
    caPem = certificate.cert;
    server = createHttpsServer({ cert: certificate.cert, key: certificate.key }, handle);
  } else {
    server = createHttpServer(handle);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    ...(caPem ? { caPem } : {}),
    requests,
    respondWith: (...responses) => {
      script.push(...responses);
    },
    async waitForRequests(count, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > until) {
          throw new Error(`the sink got ${requests.length} of ${count} requests within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return requests.slice();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
