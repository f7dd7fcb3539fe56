import { type EntityKind, type Navigation, navigationsOf } from './entity-model.js';
import type { GraphObject, TenantStore } from './tenant-store.js';

/**
 * The value of a navigation property: what the fixture inlined, or else the object it points at by id.
 * `null` (or `[]` for a collection) when neither exists, which is how Graph expands a dangling reference.
 */
export function resolveNavigation(
  store: TenantStore,
  item: Readonly<GraphObject>,
  navigation: Navigation,
  name: string,
): unknown {
  const inline = item[name];
  if (inline !== undefined) return inline;
  const how = navigation.resolve;
  switch (how.by) {
    case 'principal':
      return store.findPrincipal(item[how.idProperty]) ?? null;
    case 'roleDefinition':
      return store.findRoleDefinition(item[how.idProperty]) ?? null;
    case 'idIn': {
      const id = item[how.idProperty];
      return (typeof id === 'string' ? store.get(how.collection)?.get(id) : undefined) ?? null;
    }
    case 'alertConfiguration': {
      const configurations = store.get('identityGovernance/roleManagementAlerts/alertConfigurations');
      if (!configurations) return null;
      const byId = typeof item.id === 'string' ? configurations.get(item.id) : undefined;
      return (
        byId ??
        configurations.items.find(
          (c) => c.alertDefinitionId !== undefined && c.alertDefinitionId === item.alertDefinitionId,
        ) ??
        null
      );
    }
    case 'inlineOnly':
      return navigation.many ? [] : null;
  }
}

/** A property reader for `$filter` that sees navigations (e.g. `alertConfiguration/isEnabled`). */
export function navigationAwareReader(
  store: TenantStore,
  kind: EntityKind,
): (item: Readonly<GraphObject>, name: string) => unknown {
  const navigations = navigationsOf(kind);
  return (item, name) => {
    const navigation = navigations[name];
    return navigation ? resolveNavigation(store, item, navigation, name) : item[name];
  };
}
