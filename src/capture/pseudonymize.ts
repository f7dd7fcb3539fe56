import { createHmac, randomBytes } from 'node:crypto';
import { MEMBERS_PATH } from '../fixture-format/paths.js';
import type { TenantFixture } from '../fixture-format/schema.js';

type GraphObject = Record<string, unknown>;

/** Original value -> pseudonym, for ids and for names (display names, UPNs, mail, domains). */
export interface PseudonymMapping {
  ids: ReadonlyMap<string, string>;
  names: ReadonlyMap<string, string>;
}

type Kind = 'user' | 'group' | 'servicePrincipal';

const PRINCIPAL_COLLECTIONS: Readonly<Record<string, Kind>> = {
  users: 'user',
  groups: 'group',
  servicePrincipals: 'servicePrincipal',
};
const NAME_PREFIX: Readonly<Record<Kind, string>> = { user: 'User', group: 'Group', servicePrincipal: 'App' };
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/**
 * Microsoft's own applications (MS-PIM among them) are the same in every tenant and pimwatch recognises
 * PIM's writes by their application id and name, so their names and application ids stay.
 */
const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
/** PIM's own service principal, named in audit records' `initiatedBy` even where no collection lists it. */
const MICROSOFT_APP_NAMES = ['ms-pim'];
const EMAIL = /^([^@\s]+)@([^@\s]+)$/;

/** Microsoft's catalogue text (role and alert definitions) names no one; it stays as Graph wrote it. */
const CATALOGUE_COLLECTIONS = new Set([
  'roleManagement/directory/roleDefinitions',
  'identityGovernance/roleManagementAlerts/alertDefinitions',
]);
/** Enum-like properties pimwatch reads by value: a name that happens to equal one must not change it. */
const KEPT_PROPERTIES = new Set([
  '@odata.type',
  'loggedByService',
  'activityDisplayName',
  'category',
  'operationType',
  'result',
  'action',
  'status',
  'memberType',
  'assignmentType',
  'accessId',
  'skuPartNumber',
  'servicePlanName',
]);
/** Personal details no detector reads: dropped rather than disguised. */
const PERSONAL_PROPERTIES = new Set([
  'givenName',
  'surname',
  'jobTitle',
  'department',
  'officeLocation',
  'mobilePhone',
  'businessPhones',
  'otherMails',
  'proxyAddresses',
  'imAddresses',
  'streetAddress',
  'city',
  'postalCode',
  'employeeId',
  'onPremisesSamAccountName',
  'onPremisesUserPrincipalName',
  'onPremisesDistinguishedName',
  'description',
  'servicePrincipalNames',
  'replyUrls',
  'homepage',
]);

/**
 * Replaces the names, UPNs, mail addresses and object ids of users, groups and service principals
 * (and the organisation's name and domains; application ids stay) with pseudonyms from HMAC-SHA256 under a key made for this
 * call and dropped with it, consistently wherever they appear: ids stay GUIDs, UPNs stay `name@domain`.
 * Role, SKU, service-plan and alert definition ids and every timestamp are kept, so a scan of the result
 * finds the same incidents, under pseudonymous principals.
 */
export function pseudonymizeFixture(
  fixture: TenantFixture,
  key: Buffer = randomBytes(32),
): { fixture: TenantFixture; mapping: PseudonymMapping } {
  const hash = (text: string) => createHmac('sha256', key).update(text).digest('hex');
  const ids = new Map<string, string>();
  const names = new Map<string, string>();
  const addId = (id: unknown) => {
    if (typeof id === 'string' && id !== '' && !ids.has(id.toLowerCase())) {
      ids.set(id.toLowerCase(), guidFrom(hash(`id:${id.toLowerCase()}`)));
    }
  };
  const domainOf = (domain: string) => {
    const lower = domain.toLowerCase();
    if (!names.has(lower)) names.set(lower, `tenant-${hash(`domain:${lower}`).slice(0, 10)}.example`);
    return names.get(lower)!;
  };
  const addAddress = (value: unknown) => {
    const match = typeof value === 'string' ? EMAIL.exec(value) : null;
    if (!match || names.has(value!.toString().toLowerCase())) return;
    const lower = match[0].toLowerCase();
    names.set(lower, `user-${hash(`address:${lower}`).slice(0, 10)}@${domainOf(match[2]!)}`);
  };
  const addName = (value: unknown, kind: Kind) => {
    if (typeof value !== 'string' || value.trim() === '' || names.has(value.toLowerCase())) return;
    names.set(value.toLowerCase(), `${NAME_PREFIX[kind]} ${hash(`name:${value.toLowerCase()}`).slice(0, 8)}`);
  };
  const firstParty = new Set<string>(MICROSOFT_APP_NAMES);
  for (const sp of fixture.resources.servicePrincipals ?? []) {
    if (sp.appOwnerOrganizationId === MICROSOFT_TENANT_ID && typeof sp.displayName === 'string') {
      firstParty.add(sp.displayName.toLowerCase());
    }
  }
  const addPrincipal = (item: GraphObject, kind: Kind) => {
    addId(item.id);
    if (typeof item.displayName === 'string' && firstParty.has(item.displayName.toLowerCase())) return;
    addName(item.displayName, kind);
    addName(item.appDisplayName, kind);
    addAddress(item.userPrincipalName);
    addAddress(item.mail);
    if (typeof item.mailNickname === 'string') addName(item.mailNickname, kind);
  };

  for (const [path, items] of Object.entries(fixture.resources)) {
    const kind = PRINCIPAL_COLLECTIONS[path] ?? (MEMBERS_PATH.test(path) ? 'user' : undefined);
    for (const item of items) {
      if (kind) addPrincipal(item, kindOf(item, kind));
      collectNamedPrincipals(item, addPrincipal);
    }
  }
  for (const deleted of fixture.deletedObjects ?? []) {
    addPrincipal(deleted, deleted.type ?? 'user');
  }
  for (const organization of fixture.resources.organization ?? []) {
    addName(organization.displayName, 'group');
    for (const domain of (organization.verifiedDomains as GraphObject[] | undefined) ?? []) {
      if (typeof domain.name === 'string') domainOf(domain.name);
    }
  }

  const replace = textReplacer(ids, names);
  return { fixture: rewriteFixture(fixture, replace), mapping: { ids, names } };
}

/** The fixture with every string passed through `replace` (catalogue collections and kept properties aside). */
function rewriteFixture(fixture: TenantFixture, replace: (text: string) => string): TenantFixture {
  const resources = Object.fromEntries(
    Object.entries(fixture.resources).map(([path, items]) => [
      replace(path),
      CATALOGUE_COLLECTIONS.has(path) ? items : items.map((item) => disguise(item, replace) as GraphObject),
    ]),
  );
  return {
    ...fixture,
    description: `${fixture.description ?? 'Captured tenant'} (pseudonymised)`,
    resources,
    ...(fixture.deletedObjects
      ? { deletedObjects: fixture.deletedObjects.map((d) => disguise(d, replace) as typeof d) }
      : {}),
    ...(fixture.faults
      ? {
          faults: Object.fromEntries(
            Object.entries(fixture.faults).map(([path, fault]) => [replace(path), disguise(fault, replace)]),
          ) as TenantFixture['faults'],
        }
      : {}),
  };
}

function kindOf(item: GraphObject, fallback: Kind): Kind {
  const type = item['@odata.type'];
  if (type === '#microsoft.graph.group') return 'group';
  if (type === '#microsoft.graph.servicePrincipal') return 'servicePrincipal';
  return fallback;
}

/** Principals other objects name: PIM's incidents' assignees, audit records' targets and initiators. */
function collectNamedPrincipals(item: GraphObject, add: (principal: GraphObject, kind: Kind) => void): void {
  for (const incident of (item.alertIncidents as GraphObject[] | undefined) ?? []) {
    add(
      {
        id: incident.assigneeId,
        displayName: incident.assigneeDisplayName,
        userPrincipalName: incident.assigneeUserPrincipalName,
      },
      'user',
    );
  }
  for (const target of (item.targetResources as GraphObject[] | undefined) ?? []) {
    const type = String(target.type ?? '').toLowerCase();
    const kind: Kind | undefined =
      type === 'user'
        ? 'user'
        : type === 'group'
          ? 'group'
          : type === 'serviceprincipal'
            ? 'servicePrincipal'
            : undefined;
    if (kind) add(target, kind);
  }
  const initiatedBy = item.initiatedBy as GraphObject | undefined;
  const user = initiatedBy?.user as GraphObject | null | undefined;
  if (user) add(user, 'user');
  const app = initiatedBy?.app as GraphObject | null | undefined;
  if (app)
    add({ id: app.servicePrincipalId, appId: app.appId, displayName: app.displayName }, 'servicePrincipal');
}

/** A GUID-shaped (version 4 layout) pseudonym from a hex digest. */
function guidFrom(hex: string): string {
  const variant = '89ab'[Number.parseInt(hex[16]!, 16) & 3]!;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Graph builds role assignment and schedule instance ids from the role's and the principal's GUIDs:
 * base64url of their 32 bytes in Microsoft's mixed-endian layout, plus a suffix (`-1`, `-1-e`). Such an
 * id would carry the principal's real id, so the principal half is re-encoded with its pseudonym.
 * UNCONFIRMED (docs/unconfirmed-graph-facts.md): the layout is read from published examples.
 */
const ENCODED_ID_PAIR = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_])/g;

function recodeIdPair(token: string, ids: ReadonlyMap<string, string>): string {
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== 32) return token;
  let changed = false;
  for (const offset of [0, 16]) {
    const pseudonym = ids.get(guidFromBytes(bytes.subarray(offset, offset + 16)));
    if (!pseudonym) continue;
    guidToBytes(pseudonym).copy(bytes, offset);
    changed = true;
  }
  return changed ? bytes.toString('base64url') : token;
}

/** The first three groups are little-endian in Microsoft's binary GUID layout. */
const GUID_BYTE_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

function guidFromBytes(bytes: Buffer): string {
  const hex = GUID_BYTE_ORDER.map((i) => bytes[i]!.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function guidToBytes(guid: string): Buffer {
  const hex = Buffer.from(guid.replace(/-/g, ''), 'hex');
  const out = Buffer.alloc(16);
  GUID_BYTE_ORDER.forEach((from, to) => {
    out[from] = hex[to]!;
  });
  return out;
}

/**
 * Rewrites one string: known ids wherever a GUID appears, then known names, addresses and domains as
 * whole words (not inside a longer word, so a user called "Admin" leaves "Administrator" alone).
 * Strings inside strings (audit records' JSON-encoded `modifiedProperties` values) are covered too.
 */
function textReplacer(ids: ReadonlyMap<string, string>, names: ReadonlyMap<string, string>) {
  const replaceNames = nameReplacer(names);
  return (text: string): string => {
    const exact = ids.get(text.toLowerCase()) ?? names.get(text.toLowerCase());
    if (exact) return exact;
    let out = text.replace(ENCODED_ID_PAIR, (token) => recodeIdPair(token, ids));
    out = out.replace(GUID, (guid) => ids.get(guid.toLowerCase()) ?? guid);
    return replaceNames(out);
  };
}

const WORD = /[\p{L}\p{N}]+/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * Replaces known names inside a longer text, whole words only. Names are indexed by their first word,
 * so each word of the text is checked against the few names that start with it (an alternation of
 * thousands of names made one large capture take minutes).
 */
function nameReplacer(names: ReadonlyMap<string, string>): (text: string) => string {
  const byFirstWord = new Map<string, string[]>();
  for (const name of names.keys()) {
    const first = /^[\p{L}\p{N}]+/u.exec(name)?.[0];
    if (!first) continue;
    const list = byFirstWord.get(first) ?? [];
    list.push(name);
    byFirstWord.set(first, list);
  }
  for (const list of byFirstWord.values()) list.sort((a, b) => b.length - a.length);
  return (text) => {
    const lower = text.toLowerCase();
    // Lower-casing can change a string's length (a few Unicode letters); such text is left as it is.
    if (byFirstWord.size === 0 || lower.length !== text.length) return text;
    let out = '';
    let copied = 0;
    for (const word of lower.matchAll(WORD)) {
      const start = word.index;
      if (start < copied) continue;
      const boundaryBefore = start === 0 || !WORD_CHAR.test(lower[start - 1]!);
      const name = boundaryBefore
        ? byFirstWord.get(word[0])?.find((candidate) => {
            const end = start + candidate.length;
            return (
              lower.startsWith(candidate, start) && (end === lower.length || !WORD_CHAR.test(lower[end]!))
            );
          })
        : undefined;
      if (!name) continue;
      out += text.slice(copied, start) + names.get(name)!;
      copied = start + name.length;
    }
    return copied === 0 ? text : out + text.slice(copied);
  };
}

function disguise(value: unknown, replace: (text: string) => string, property?: string): unknown {
  if (typeof value === 'string') return property && KEPT_PROPERTIES.has(property) ? value : replace(value);
  if (Array.isArray(value)) return value.map((v) => disguise(v, replace));
  if (!value || typeof value !== 'object') return value;
  const out: GraphObject = {};
  for (const [key, inner] of Object.entries(value)) {
    if (PERSONAL_PROPERTIES.has(key)) out[key] = Array.isArray(inner) ? [] : null;
    else out[key] = disguise(inner, replace, key);
  }
  return out;
}
