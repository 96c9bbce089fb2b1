import { compilePattern } from './regex.ts';
import { type JsonType, type SchemaObject, deepEqual, declaredTypes, finiteNumber, isPlainObject, stringList } from './schema-util.ts';

/**
 * Conjunction of two schemas without composition keywords, as one schema the generator can build
 * from directly. Keywords that have no single merged form (a second pattern, an incompatible
 * multipleOf, two `contains`) are returned in `checks` for the caller to verify afterwards.
 */
export function mergeInto(base: SchemaObject, add: SchemaObject, checks: SchemaObject[]): SchemaObject {
  const out: SchemaObject = { ...base };
  for (const [key, value] of Object.entries(normalizeLegacyBounds(add))) {
    if (!(key in out)) {
      out[key] = value;
      continue;
    }
    const merged = mergeKeyword(key, out[key], value, out, add, checks);
    if (merged !== undefined) out[key] = merged;
  }
  closeProperties(out, base, add);
  return out;
}

const LOWER_BOUNDS = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties', 'minContains']);
const UPPER_BOUNDS = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties', 'maxContains']);
/** Subschema-valued keywords whose conjunction is simply both subschemas. */
const CONJOINED = new Set(['items', 'additionalProperties', 'additionalItems', 'propertyNames', 'unevaluatedProperties']);

/** Returns the merged keyword value, or undefined to keep the existing one (possibly adding a check). */
function mergeKeyword(key: string, current: unknown, added: unknown, out: SchemaObject, add: SchemaObject, checks: SchemaObject[]): unknown {
  if (deepEqual(current, added)) return undefined;
  if (LOWER_BOUNDS.has(key) && typeof current === 'number' && typeof added === 'number') return Math.max(current, added);
  if (UPPER_BOUNDS.has(key) && typeof current === 'number' && typeof added === 'number') return Math.min(current, added);
  switch (key) {
    case 'type':
      return intersectTypes(out, add);
    case 'enum':
      return Array.isArray(current) && Array.isArray(added) ? current.filter((a) => added.some((b) => deepEqual(a, b))) : undefined;
    case 'required':
      return [...new Set([...stringList(current), ...stringList(added)])];
    case 'properties':
    case 'patternProperties':
    case 'dependentRequired':
      return mergeMaps(key, current, added);
    case 'prefixItems':
      return mergePositional(current, added);
    case 'multipleOf':
      return mergeMultipleOf(current, added, checks);
    case 'uniqueItems':
      return current === true || added === true;
    case 'title':
    case 'description':
    case 'examples':
    case 'default':
    case '$defs':
    case 'definitions':
    case '$schema':
    case '$id':
    case '$comment':
      return undefined;
    default:
      if (CONJOINED.has(key)) return conjoin(current, added);
      checks.push({ [key]: added });
      return undefined;
  }
}

/** Draft-04 `exclusiveMinimum: true` modifies `minimum`; later drafts use a number. */
export function normalizeLegacyBounds(schema: SchemaObject): SchemaObject {
  if (typeof schema.exclusiveMinimum !== 'boolean' && typeof schema.exclusiveMaximum !== 'boolean') return schema;
  const out = { ...schema };
  for (const [exclusive, inclusive] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[exclusive] !== 'boolean') continue;
    if (out[exclusive] === true && finiteNumber(out[inclusive]) !== undefined) {
      out[exclusive] = out[inclusive];
      delete out[inclusive];
    } else {
      delete out[exclusive];
    }
  }
  return out;
}

function intersectTypes(a: SchemaObject, b: SchemaObject): JsonType[] {
  const left = declaredTypes(a) ?? [];
  const right = declaredTypes(b) ?? [];
  const result = new Set<JsonType>();
  for (const t of left) {
    if (right.includes(t)) result.add(t);
    else if (t === 'integer' && right.includes('number')) result.add('integer');
    else if (t === 'number' && right.includes('integer')) result.add('integer');
  }
  return [...result];
}

function conjoin(a: unknown, b: unknown): unknown {
  if (a === false || b === false) return false;
  if (a === true || a === undefined || (isPlainObject(a) && Object.keys(a).length === 0)) return b;
  if (b === true || b === undefined || (isPlainObject(b) && Object.keys(b).length === 0)) return a;
  if (Array.isArray(a) || Array.isArray(b)) return mergePositional(a, b);
  return { allOf: [a, b] };
}

function mergeMaps(key: string, a: unknown, b: unknown): Record<string, unknown> {
  const left = isPlainObject(a) ? a : {};
  const right = isPlainObject(b) ? b : {};
  const out: Record<string, unknown> = { ...left };
  for (const [name, value] of Object.entries(right)) {
    if (!(name in out)) out[name] = value;
    else if (key === 'dependentRequired') out[name] = [...new Set([...stringList(out[name]), ...stringList(value)])];
    else out[name] = conjoin(out[name], value);
  }
  return out;
}

/** Tuple forms (`prefixItems`, draft-07 array `items`) merge position by position. */
function mergePositional(a: unknown, b: unknown): unknown[] {
  const left = Array.isArray(a) ? a : [];
  const right = Array.isArray(b) ? b : [];
  const length = Math.max(left.length, right.length);
  return Array.from({ length }, (_, i) => conjoin(left[i], right[i]));
}

function mergeMultipleOf(a: unknown, b: unknown, checks: SchemaObject[]): unknown {
  if (typeof a !== 'number' || typeof b !== 'number' || a <= 0 || b <= 0) return undefined;
  if (Number.isInteger(a / b)) return a;
  if (Number.isInteger(b / a)) return b;
  if (Number.isInteger(a) && Number.isInteger(b)) return (a / gcd(a, b)) * b;
  checks.push({ multipleOf: b });
  return undefined;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * `additionalProperties: false` on one side forbids properties only the other side declares; a
 * schema there constrains them. Without this a merged object could include properties one branch
 * rejects.
 */
function closeProperties(out: SchemaObject, base: SchemaObject, add: SchemaObject): void {
  if (!isPlainObject(out.properties)) return;
  const properties = { ...out.properties };
  let changed = false;
  for (const [side, other] of [
    [base, add],
    [add, base],
  ] as const) {
    if (!('additionalProperties' in side) || side.additionalProperties === true) continue;
    const own = isPlainObject(side.properties) ? side.properties : {};
    const others = isPlainObject(other.properties) ? other.properties : {};
    for (const name of Object.keys(others)) {
      if (name in own || matchesAnyPattern(side.patternProperties, name)) continue;
      properties[name] = conjoin(properties[name], side.additionalProperties);
      changed = true;
    }
  }
  if (changed) out.properties = properties;
}

function matchesAnyPattern(patternProperties: unknown, name: string): boolean {
  if (!isPlainObject(patternProperties)) return false;
  return Object.keys(patternProperties).some((pattern) => compilePattern(pattern)?.test(name) ?? false);
}
