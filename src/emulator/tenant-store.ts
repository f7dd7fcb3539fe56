import type { TenantFixture } from '../fixture-format/schema.js';
import { ALERTS_ROOT, PRINCIPAL_COLLECTIONS } from './entity-model.js';

export type GraphObject = Record<string, unknown>;

/**
 * One collection's objects in fixture order, indexed by id (case-insensitively, as directory ids are).
 * Reads never copy the array; paging walks it by position.
 */
export class Collection {
  private byId = new Map<string, GraphObject>();
  private byAlternateKey: Map<string, GraphObject> | undefined;

  constructor(
    readonly path: string,
    readonly items: GraphObject[],
    /** A second property an item can be addressed by (users by `userPrincipalName`). */
    private readonly alternateKey?: string,
  ) {
    this.reindex();
  }

  get size(): number {
    return this.items.length;
  }

  get(idOrKey: string): GraphObject | undefined {
    const key = idOrKey.toLowerCase();
    const found = this.byId.get(key);
    if (found || !this.alternateKey) return found;
    if (!this.byAlternateKey) {
      this.byAlternateKey = new Map();
      for (const item of this.items) {
        const value = item[this.alternateKey];
        if (typeof value === 'string') this.byAlternateKey.set(value.toLowerCase(), item);
      }
    }
    return this.byAlternateKey.get(key);
  }

  /** Removes matching objects in place and returns how many went. */
  removeWhere(predicate: (item: GraphObject) => boolean): number {
    const before = this.items.length;
    let write = 0;
    for (let read = 0; read < this.items.length; read++) {
      const item = this.items[read]!;
      if (!predicate(item)) this.items[write++] = item;
    }
    this.items.length = write;
    if (write !== before) this.reindex();
    return before - write;
  }

  private reindex(): void {
    this.byId = new Map();
    this.byAlternateKey = undefined;
    for (const item of this.items) {
      if (typeof item.id === 'string') this.byId.set(item.id.toLowerCase(), item);
    }
  }
}

const ALTERNATE_KEYS: Readonly<Record<string, string>> = {
  users: 'userPrincipalName',
  'roleManagement/directory/roleDefinitions': 'templateId',
};

/**
 * The tenant the emulator serves: the fixture's collections (already copied, so write endpoints can change
 * them without touching the caller's object) plus the lookups navigation resolution needs.
 */
export class TenantStore {
  readonly tenantId: string;
  private readonly collections = new Map<string, Collection>();

  constructor(fixture: TenantFixture) {
    this.tenantId = fixture.tenantId;
    for (const [path, items] of Object.entries(fixture.resources)) {
      const clean = trimSlashes(path);
      this.collections.set(clean, new Collection(clean, items, ALTERNATE_KEYS[clean]));
    }
    this.attachStandaloneIncidents();
  }

  has(path: string): boolean {
    return this.collections.has(path);
  }

  get(path: string): Collection | undefined {
    return this.collections.get(path);
  }

  /** An absent collection is an empty one, as Graph answers for a tenant that has none. */
  getOrEmpty(path: string): Collection {
    let collection = this.collections.get(path);
    if (!collection) {
      collection = new Collection(path, [], ALTERNATE_KEYS[path]);
      this.collections.set(path, collection);
    }
    return collection;
  }

  paths(): IterableIterator<string> {
    return this.collections.keys();
  }

  get userCount(): number {
    return this.collections.get('users')?.size ?? 0;
  }

  /** A user, group or service principal by id, carrying the `@odata.type` Graph gives a directory object. */
  findPrincipal(id: unknown): GraphObject | undefined {
    if (typeof id !== 'string') return undefined;
    for (const { collection, odataType } of PRINCIPAL_COLLECTIONS) {
      const found = this.collections.get(collection)?.get(id);
      if (found && found.id !== undefined && String(found.id).toLowerCase() === id.toLowerCase()) {
        return found['@odata.type'] ? found : { '@odata.type': odataType, ...found };
      }
    }
    return undefined;
  }

  /** `roleDefinitionId` may hold a definition's id or its template id. */
  findRoleDefinition(idOrTemplateId: unknown): GraphObject | undefined {
    if (typeof idOrTemplateId !== 'string') return undefined;
    return this.collections.get('roleManagement/directory/roleDefinitions')?.get(idOrTemplateId);
  }

  /** An alert's incidents live on the alert object (the fixture inlines them, as `$expand` shows them). */
  incidentsOf(alert: GraphObject): GraphObject[] {
    if (!Array.isArray(alert.alertIncidents)) alert.alertIncidents = [];
    return alert.alertIncidents as GraphObject[];
  }

  /** Incidents a fixture listed under `alerts/{id}/alertIncidents` move onto their alert. */
  private attachStandaloneIncidents(): void {
    const alerts = this.collections.get(`${ALERTS_ROOT}/alerts`);
    if (!alerts) return;
    const prefix = `${ALERTS_ROOT}/alerts/`;
    for (const [path, collection] of [...this.collections]) {
      if (!path.startsWith(prefix) || !path.endsWith('/alertIncidents')) continue;
      const alertId = path.slice(prefix.length, -'/alertIncidents'.length);
      const alert = alerts.get(alertId);
      if (!alert || alertId.includes('/')) continue;
      if (!Array.isArray(alert.alertIncidents)) alert.alertIncidents = collection.items;
      this.collections.delete(path);
    }
  }
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
