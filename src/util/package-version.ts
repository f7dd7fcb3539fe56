import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * pimwatch's own version, read once from its package.json (found by walking up from this file, so it
 * works from `src/` under tsx and from `dist/` after a build). Events name the version that produced them.
 */
function readPackageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pimwatch' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the pimwatch package.json to read its version');
    dir = parent;
  }
}

export const PACKAGE_VERSION = readPackageVersion();
