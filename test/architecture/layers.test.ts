import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The scanner must not share the emulator's view of Graph: if it did, a misunderstanding of Graph would
 * be written once and agree with itself in every test. These layers may not import `src/emulator`.
 */
const GUARDED = ['src/graph', 'src/detectors', 'src/reconcile', 'src/notifiers', 'src/model', 'src/capture'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)];
  return specifiers.map((m) => m[1]!);
}

describe('layering', () => {
  it.each(GUARDED)('nothing under %s imports the emulator', (layer) => {
    const offending = sourceFiles(layer).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => /(^|\/)emulator\//.test(specifier))
        .map((specifier) => `${relative('.', file)} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  /** Layers that must not reach into another: each pair is (importing layer, forbidden target). */
  const FORBIDDEN: readonly { layer: string; target: RegExp; why: string }[] = [
    { layer: 'src/graph', target: /(^|\/)reconcile\//, why: 'graph/ talks to Graph; plans belong elsewhere' },
    {
      layer: 'src/graph',
      target: /(^|\/)detectors\/alerts\//,
      why: "graph/ must not know any one alert's rules",
    },
    { layer: 'src/notifiers', target: /(^|\/)reconcile\//, why: 'notifiers take domain types from model/' },
  ];

  it.each(FORBIDDEN)('nothing under $layer imports $target ($why)', ({ layer, target }) => {
    const offending = sourceFiles(layer).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => target.test(specifier))
        .map((specifier) => `${relative('.', file)} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('finds imports at all (regression guard: an empty scan would pass the check above)', () => {
    expect(importsOf('src/graph/snapshot.ts').length).toBeGreaterThan(5);
  });
});
