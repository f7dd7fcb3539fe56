import { createRequire } from 'node:module';
import type { ChainableCommander, Redis } from 'ioredis';

// ioredis-mock ships no types. It imitates ioredis's API, so the tests use it through ioredis's type.
const RedisMock = createRequire(import.meta.url)('ioredis-mock') as new (options: { port: number }) => Redis;

/** An explicit stream id with its second part (`{n}-0`), as the state store writes them. */
const FULL_STREAM_ID = /^(\d+)-0$/;

/**
 * ioredis-mock bridged where it departs from real Redis in ways the state store relies on, so the store's
 * code is the one that runs on Redis, and the mock's quirks stay in the tests:
 * - EXEC ends every WATCH on real Redis, not on the mock: here EXEC is followed by UNWATCH.
 * - XADD with an explicit id `{n}-0` is stored as `{n}-0-0` by the mock (it appends `-0` to any id):
 *   here the mock is given `{n}`, which it stores as `{n}-0`.
 * Every instance on the same (never connected) `port` shares one in-memory dataset.
 */
export function openRedisMock(port: number): Redis {
  const client = new RedisMock({ port });
  const multi = client.multi.bind(client);
  client.multi = ((...args: Parameters<Redis['multi']>) => {
    const pipeline = multi(...args) as ChainableCommander;
    const exec = pipeline.exec.bind(pipeline);
    const xadd = pipeline.xadd.bind(pipeline) as (...xaddArgs: unknown[]) => ChainableCommander;
    pipeline.exec = (async () => {
      try {
        return await exec();
      } finally {
        await client.unwatch();
      }
    }) as ChainableCommander['exec'];
    pipeline.xadd = ((...xaddArgs: unknown[]) =>
      xadd(...mockStreamIds(xaddArgs))) as ChainableCommander['xadd'];
    return pipeline;
  }) as Redis['multi'];
  return client;
}

/** The first argument that is a full stream id loses its `-0`; keys, options and fields never look like one. */
function mockStreamIds(args: unknown[]): unknown[] {
  const at = args.findIndex((arg) => typeof arg === 'string' && FULL_STREAM_ID.test(arg));
  if (at < 0) return args;
  const copy = [...args];
  copy[at] = (args[at] as string).replace(FULL_STREAM_ID, '$1');
  return copy;
}
