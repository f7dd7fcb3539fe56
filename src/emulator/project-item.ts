import { type EntityKind, navigationsOf, selectOnlyPropertiesOf } from './entity-model.js';
import { GraphRequestError } from './graph-error.js';
import { resolveNavigation } from './navigation.js';
import type { Expansion, Projection } from './odata-projection.js';
import type { GraphObject, TenantStore } from './tenant-store.js';

/**
 * Checks a request's `$expand` against the entity type's navigations (before any item is read) and
 * replaces `*` by every navigation. Types the emulator has no table for accept any expansion of whatever
 * the fixture inlined.
 */
export function normaliseProjection(kind: EntityKind, projection: Projection): Projection {
  const navigations = navigationsOf(kind);
  const expand: Expansion[] = [];
  for (const expansion of projection.expand) {
    if (expansion.name === '*') {
      for (const name of Object.keys(navigations)) {
        if (!projection.expand.some((e) => e.name === name))
          expand.push({ name, select: undefined, expand: [] });
      }
      continue;
    }
    const navigation = navigations[expansion.name];
    if (!navigation && kind !== 'unknown') {
      throw new GraphRequestError(
        400,
        'BadRequest',
        `Could not find a property named '${expansion.name}' on type 'microsoft.graph.${kind}'.`,
      );
    }
    expand.push({ ...normaliseProjection(navigation?.target ?? 'unknown', expansion), name: expansion.name });
  }
  return { select: projection.select, expand };
}

/**
 * Shapes one stored object for a response: navigations only when expanded, select-only properties only
 * when selected, and with `$select` only the named properties plus `id` (and `@odata.type`, which
 * polymorphic results always carry). The projection must have been through `normaliseProjection`.
 */
export function projectItem(
  store: TenantStore,
  item: Readonly<GraphObject>,
  kind: EntityKind,
  projection: Projection,
): GraphObject {
  const navigations = navigationsOf(kind);
  const out: GraphObject = {};
  const odataType =
    item['@odata.type'] ?? (kind === 'directoryObject' ? inferredType(store, item) : undefined);
  if (odataType !== undefined) out['@odata.type'] = odataType;

  if (projection.select && !projection.select.includes('*')) {
    if (item.id !== undefined) out.id = item.id;
    for (const name of projection.select) {
      if (name in navigations || name === 'id') continue;
      const value = item[name];
      if (value !== undefined) out[name] = value;
    }
  } else {
    const hidden = selectOnlyPropertiesOf(kind);
    for (const key of Object.keys(item)) {
      if (key === '@odata.type' || key in navigations || hidden.includes(key)) continue;
      // Leftover annotations of inlined navigations (`alertIncidents@odata.context`) go with them.
      if (key.includes('@odata.') && key.split('@')[0]! in navigations) continue;
      out[key] = item[key];
    }
  }

  for (const expansion of projection.expand) {
    const navigation = navigations[expansion.name];
    const value = navigation
      ? resolveNavigation(store, item, navigation, expansion.name)
      : (item[expansion.name] ?? null);
    const target = navigation?.target ?? 'unknown';
    out[expansion.name] = Array.isArray(value)
      ? value.map((v) => (isObject(v) ? projectItem(store, v, target, expansion) : v))
      : isObject(value)
        ? projectItem(store, value, target, expansion)
        : value;
  }
  return out;
}

function inferredType(store: TenantStore, item: Readonly<GraphObject>): unknown {
  return store.findPrincipal(item.id)?.['@odata.type'];
}

function isObject(value: unknown): value is GraphObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
