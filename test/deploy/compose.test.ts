import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';

interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string | null>;
  secrets?: { source: string; target: string }[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  network_mode?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file: string }>;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as ComposeFile;
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

/** Every secret reference in a configuration file, with the path where it sits (`api.apiKeys.0.key`). */
function secretRefs(file: string): { path: string; env?: string; file?: string }[] {
  const found: { path: string; env?: string; file?: string }[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.env === 'string') found.push({ path: path.join('.'), env: record.env });
    if (typeof record.file === 'string') found.push({ path: path.join('.'), file: record.file });
    for (const [key, value] of Object.entries(record)) {
      if (key === 'certificatePath' && typeof value === 'string') {
        found.push({ path: [...path, key].join('.'), file: value });
      }
      walk(value, [...path, key]);
    }
  };
  walk(parse(readFileSync(file, 'utf8')), []);
  return found;
}

/** The API reads only its keys; tenant credentials and channel secrets are used by the workers. */
const readerOf = (path: string): 'api' | 'worker' => (path.startsWith('api.') ? 'api' : 'worker');

describe('docker-compose.yml, profile service (deploy/pimwatch.example.yaml)', () => {
  const refs = secretRefs('deploy/pimwatch.example.yaml');

  it('the example configuration names secrets of every kind (so the checks below check something)', () => {
    expect(refs.filter((r) => r.env && readerOf(r.path) === 'worker').length).toBeGreaterThanOrEqual(4);
    expect(refs.some((r) => r.env && readerOf(r.path) === 'api')).toBe(true);
    expect(refs.some((r) => r.file)).toBe(true);
  });

  it('passes every secret variable the example configuration names to the service that reads it', () => {
    for (const ref of refs.filter((r) => r.env)) {
      const env = service(readerOf(ref.path)).environment ?? {};
      expect(Object.keys(env), `${ref.env} (${ref.path})`).toContain(ref.env);
      // Passed through from the shell, never written into the compose file.
      expect(env[ref.env!], ref.env).toBeNull();
    }
  });

  it('mounts every secret file and certificate the example configuration names into the worker', () => {
    const worker = service('worker');
    for (const ref of refs.filter((r) => r.file)) {
      const mounted =
        (ref.file!.startsWith('/run/secrets/') &&
          (worker.secrets ?? []).some(
            (s) => s.target === posix.basename(ref.file!) && compose.secrets?.[s.source]?.file !== undefined,
          )) ||
        (worker.volumes ?? []).some((v) => v.split(':')[1] === ref.file);
      expect(mounted, `${ref.file} (${ref.path})`).toBe(true);
    }
  });

  it('builds the API and the worker, each with a health check of its own kind', () => {
    for (const name of ['worker', 'api']) {
      expect(service(name).build, name).toBe('.');
      expect(service(name).profiles).toEqual(['service']);
    }
    expect(service('worker').healthcheck?.test).toEqual(['CMD', 'node', 'dist/main.js', 'health']);
    expect(service('api').healthcheck?.test).toEqual(['CMD', 'node', 'dist/main.js', 'health', '--api']);
    expect(service('api').environment?.PIMWATCH__api__host).toBe('0.0.0.0');
  });
});

describe('docker-compose.yml, profile demo (deploy/demo.yaml)', () => {
  const demo = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('demo'));

  it('runs the emulator, a worker and the API; Redis is shared and always on', () => {
    const commands = demo.map(([, s]) => s.command?.[0]);
    expect(commands).toEqual(expect.arrayContaining(['emulator', 'worker', 'serve']));
    expect(service('redis').profiles).toBeUndefined();
    const emulator = demo.find(([, s]) => s.command?.[0] === 'emulator')!;
    expect(emulator[1].command).toEqual(expect.arrayContaining(['--fixture', 'demo']));
    // The emulator listens on loopback only: the others share its network namespace to reach it.
    for (const [name, s] of demo.filter(([, s]) => s.command?.[0] !== 'emulator')) {
      expect(s.network_mode, name).toBe(`service:${emulator[0]}`);
    }
  });

  it('gives the demo services every variable deploy/demo.yaml names, and a valid configuration', () => {
    const names = secretRefs('deploy/demo.yaml').flatMap((r) => (r.env ? [r.env] : []));
    expect(names.length).toBeGreaterThan(0);
    for (const [name, s] of demo.filter(([, s]) => s.command?.[0] !== 'emulator')) {
      for (const variable of names) expect(Object.keys(s.environment ?? {}), name).toContain(variable);
      expect(s.environment?.PIMWATCH_CONFIG).toBe('/app/deploy/demo.yaml');
    }
    const config = loadConfig({ file: 'deploy/demo.yaml', env: { REDIS_URL: 'redis://redis:6379/0' } });
    const caOut = demo.find(([, s]) => s.command?.[0] === 'emulator')![1].command!;
    expect(config.graph.caFile).toBe(caOut[caOut.indexOf('--ca-out') + 1]);
  });

  it("excludes the demo's break-glass accounts as the bundled demo configuration does", () => {
    const ours = loadConfig({ file: 'deploy/demo.yaml', env: {} }).detectors.exclusions;
    const bundled = loadConfig({ file: 'fixtures/demo/config.yaml', env: {} }).detectors.exclusions;
    expect(ours).toEqual(bundled);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');

  it('builds on an exact Node 24 release, the one .ci/run tests', () => {
    const image = /^ARG NODE_IMAGE=node:(24\.\d+\.\d+)-[a-z]+-slim$/m.exec(dockerfile);
    expect(image, 'ARG NODE_IMAGE=node:24.x.y-<debian>-slim').not.toBeNull();
    const ci = /^NODE24_VERSION=(\S+)$/m.exec(readFileSync('.ci/run', 'utf8'));
    expect(ci?.[1]).toBe(image![1]);
    for (const from of dockerfile.match(/^FROM .+$/gm)!) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}/);
  });

  it('runs as the unprivileged user under an init process, with a health check', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "dist\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/install -y --no-install-recommends tini/);
    expect(dockerfile).toMatch(/^\s+CMD \["node", "dist\/main\.js", "health"\]$/m);
  });
});
