import { readFileSync } from 'node:fs';
import { alertsNeeding } from '../src/doctor/readiness.js';
import {
  GRAPH_ACTIONS,
  leastPermissionsOf,
  requiredPermissions,
  SOURCES,
  sourcesRestingOn,
} from '../src/graph/sources.js';
import { ALERT_IDS } from '../src/model/alerts.js';
import { SOURCE_NAMES, type SourceName } from '../src/model/snapshot.js';
import { replaceBetweenMarkers } from './config-reference.js';

/**
 * The README's permission table, generated from the table of Graph sources (src/graph/sources.ts) so the
 * permissions people grant and the ones pimwatch and `doctor` expect are never written twice.
 */

function alertList(sources: readonly SourceName[]): string {
  const alerts = new Set(sources.flatMap(alertsNeeding));
  return ALERT_IDS.filter((a) => alerts.has(a))
    .map((a) => a.replace(/Alert$/, ''))
    .join(', ');
}

function row(permission: string, kind: string, sources: readonly SourceName[], unlocks?: string): string {
  const what = unlocks ?? sources.map((s) => `${SOURCES[s].unlocks} (\`${s}\`)`).join('; ');
  return `| \`${permission}\` | ${kind} | ${what} | ${alertList(sources)} |`;
}

/** Required permissions (each needed by some source), then the optional ones, then what they replace. */
export function renderPermissionReference(): string {
  const required = requiredPermissions();
  const lines = ['| application permission | | what it unlocks | alerts that need it |', '|---|---|---|---|'];
  for (const permission of required) {
    lines.push(row(permission, 'required', sourcesRestingOn(permission, required)));
  }
  const optionalSources = SOURCE_NAMES.filter((s) => !SOURCES[s].required);
  for (const permission of leastPermissionsOf(optionalSources).filter((p) => !required.includes(p))) {
    lines.push(row(permission, 'optional', sourcesRestingOn(permission, [...required, permission])));
  }
  for (const action of GRAPH_ACTIONS) {
    for (const [least] of action.permissions) lines.push(row(least, 'optional', [], action.unlocks));
  }
  const covered = leastPermissionsOf(SOURCE_NAMES.filter((s) => SOURCES[s].required)).filter(
    (p) => !required.includes(p),
  );
  lines.push(
    '',
    `Microsoft names other least-privileged permissions for single sources (${covered.map((p) => `\`${p}\``).join(', ')}); ` +
      'the required permissions above already cover those sources, so they are not needed.',
  );
  return lines.join('\n');
}

export const PERMISSIONS_START = '<!-- permission-reference:start -->';
export const PERMISSIONS_END = '<!-- permission-reference:end -->';

/** The README with its permission table replaced by a fresh one. */
export function withPermissionReference(readme: string, table: string): string {
  return replaceBetweenMarkers(readme, PERMISSIONS_START, PERMISSIONS_END, table);
}

// `npm run permission-reference` rewrites the README's permission table.
if (process.argv[1]?.endsWith('permission-reference.ts')) {
  const { writeFileSync } = await import('node:fs');
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync('README.md', withPermissionReference(readme, renderPermissionReference()));
  process.stdout.write('README.md: permission table updated\n');
}
