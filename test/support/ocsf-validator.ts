import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * A validator for OCSF events over OCSF's compiled schema (test/data/ocsf): the class by `class_uid`,
 * required attributes, types from the dictionary, enums and their captions, objects recursively,
 * `at_least_one`/`just_one` constraints, `type_uid`, and profiles: an attribute that a profile adds is
 * unknown unless `metadata.profiles` declares that profile. Missing recommended attributes are warnings.
 */

interface OcsfAttribute {
  type: string;
  object_type?: string;
  is_array?: boolean;
  requirement?: 'required' | 'recommended' | 'optional';
  profiles?: string[];
  enum?: Record<string, { caption: string }>;
  sibling?: string;
}

interface OcsfShape {
  name: string;
  uid?: number;
  attributes: Record<string, OcsfAttribute>;
  profiles?: string[];
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}

interface OcsfType {
  type?: string;
  regex?: string;
  max_len?: number;
  range?: [number, number];
  values?: unknown[];
}

interface CompiledSchema {
  version: string;
  classes: Record<string, OcsfShape>;
  objects: Record<string, OcsfShape>;
  profiles: Record<string, unknown>;
  dictionary: { types: { attributes: Record<string, OcsfType> } };
}

export interface OcsfValidation {
  errors: string[];
  warnings: string[];
}

const SCHEMA_FILE = (version: string) =>
  fileURLToPath(new URL(`../data/ocsf/ocsf-${version}-compiled.json.gz`, import.meta.url));

const loaded = new Map<string, CompiledSchema>();
export function loadOcsfSchema(version: string): CompiledSchema {
  let schema = loaded.get(version);
  if (!schema) {
    schema = JSON.parse(gunzipSync(readFileSync(SCHEMA_FILE(version))).toString('utf8')) as CompiledSchema;
    loaded.set(version, schema);
  }
  return schema;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Checker {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  constructor(
    private readonly schema: CompiledSchema,
    private readonly profiles: ReadonlySet<string>,
  ) {}

  /** An attribute a profile adds counts only when one of its profiles is declared. */
  private active(attribute: OcsfAttribute): boolean {
    return !attribute.profiles || attribute.profiles.some((p) => this.profiles.has(p));
  }

  shape(value: Record<string, unknown>, shape: OcsfShape, path: string): void {
    for (const [name, item] of Object.entries(value)) {
      const attribute = shape.attributes[name];
      const at = path ? `${path}.${name}` : name;
      if (!attribute) this.errors.push(`${at}: unknown attribute of ${shape.name}`);
      else if (!this.active(attribute))
        this.errors.push(`${at}: belongs to profile(s) ${attribute.profiles!.join(', ')}, not declared`);
      else if (item === null || item === undefined) this.errors.push(`${at}: null`);
      else this.attribute(item, attribute, at, value);
    }
    for (const [name, attribute] of Object.entries(shape.attributes)) {
      if (name in value || !this.active(attribute)) continue;
      const at = path ? `${path}.${name}` : name;
      if (attribute.requirement === 'required') this.errors.push(`${at}: required by ${shape.name}, missing`);
      if (attribute.requirement === 'recommended') this.warnings.push(`${at}: recommended, missing`);
    }
    const present = (names: string[]) => names.filter((n) => value[n] !== undefined);
    const atLeastOne = shape.constraints?.at_least_one;
    if (atLeastOne && present(atLeastOne).length === 0) {
      this.errors.push(`${path || shape.name}: needs at least one of ${atLeastOne.join(', ')}`);
    }
    const justOne = shape.constraints?.just_one;
    if (justOne && present(justOne).length !== 1) {
      this.errors.push(`${path || shape.name}: needs exactly one of ${justOne.join(', ')}`);
    }
  }

  private attribute(
    value: unknown,
    attribute: OcsfAttribute,
    path: string,
    parent: Record<string, unknown>,
  ): void {
    if (attribute.is_array) {
      if (!Array.isArray(value)) {
        this.errors.push(`${path}: expected an array`);
        return;
      }
      value.forEach((item, i) => {
        this.single(item, attribute, `${path}[${i}]`, parent);
      });
      return;
    }
    this.single(value, attribute, path, parent);
  }

  private single(value: unknown, attribute: OcsfAttribute, path: string, parent: Record<string, unknown>) {
    if (attribute.type === 'object_t') {
      if (!isPlainObject(value)) {
        this.errors.push(`${path}: expected an object (${attribute.object_type})`);
        return;
      }
      const shape = this.schema.objects[attribute.object_type!];
      if (!shape) throw new Error(`schema has no object ${attribute.object_type}`);
      // The generic `object` (`unmapped`) has no attributes of its own: anything goes inside.
      if (shape.name !== 'object') this.shape(value, shape, path);
      return;
    }
    this.primitive(value, attribute.type, path);
    if (attribute.enum && typeof value === 'number') {
      const entry = attribute.enum[String(value)];
      if (!entry)
        this.errors.push(`${path}: ${value} is not one of ${Object.keys(attribute.enum).join(', ')}`);
      const caption = attribute.sibling ? parent[attribute.sibling] : undefined;
      if (entry && caption !== undefined && value !== 99 && caption !== entry.caption) {
        this.errors.push(
          `${path}: ${value} is "${entry.caption}", but ${attribute.sibling} says "${caption}"`,
        );
      }
    }
  }

  /** The dictionary's types, down to their base type, with each level's own constraint. */
  private primitive(value: unknown, typeName: string, path: string): void {
    const type = this.schema.dictionary.types.attributes[typeName];
    if (!type) throw new Error(`schema has no type ${typeName}`);
    if (type.type) this.primitive(value, type.type, path);
    const base: Record<string, (v: unknown) => boolean> = {
      string_t: (v) => typeof v === 'string',
      integer_t: (v) => Number.isInteger(v) && Math.abs(v as number) <= 2 ** 31,
      long_t: (v) => Number.isSafeInteger(v),
      float_t: (v) => typeof v === 'number' && Number.isFinite(v),
      boolean_t: (v) => typeof v === 'boolean',
      json_t: () => true,
    };
    const check = base[typeName];
    if (check && !check(value)) this.errors.push(`${path}: not a ${typeName}: ${JSON.stringify(value)}`);
    if (type.regex && typeof value === 'string' && !new RegExp(type.regex).test(value)) {
      this.errors.push(`${path}: "${value}" does not match ${typeName}`);
    }
    if (type.max_len && typeof value === 'string' && value.length > type.max_len) {
      this.errors.push(`${path}: longer than ${type.max_len} for ${typeName}`);
    }
    if (type.range && typeof value === 'number' && (value < type.range[0] || value > type.range[1])) {
      this.errors.push(`${path}: ${value} outside ${type.range.join('..')}`);
    }
  }
}

/** Validates one event against the version its `metadata.version` claims. */
export function validateOcsfEvent(event: unknown): OcsfValidation {
  if (!isPlainObject(event)) return { errors: ['event is not an object'], warnings: [] };
  const metadata = isPlainObject(event.metadata) ? event.metadata : {};
  const version = typeof metadata.version === 'string' ? metadata.version : '';
  const schema = loadOcsfSchema(version);
  const eventClass = Object.values(schema.classes).find((c) => c.uid === event.class_uid);
  if (!eventClass) return { errors: [`class_uid ${String(event.class_uid)} is not a class`], warnings: [] };
  const declared = Array.isArray(metadata.profiles) ? (metadata.profiles as string[]) : [];
  const checker = new Checker(schema, new Set(declared));
  for (const profile of declared) {
    if (!(profile in schema.profiles)) checker.errors.push(`metadata.profiles: no profile ${profile}`);
    else if (!eventClass.profiles?.includes(profile))
      checker.errors.push(`metadata.profiles: ${profile} does not apply to ${eventClass.name}`);
  }
  checker.shape(event, eventClass, '');
  if (typeof event.activity_id === 'number' && event.type_uid !== eventClass.uid! * 100 + event.activity_id) {
    checker.errors.push(`type_uid: ${String(event.type_uid)} is not class_uid * 100 + activity_id`);
  }
  return { errors: checker.errors, warnings: checker.warnings };
}
