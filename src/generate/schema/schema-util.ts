/** Small helpers shared by the JSON Schema generator, merger and checker. */

export type SchemaObject = Record<string, unknown>;

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';

const JSON_TYPES: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);

/** Shared one-element lists for the common `"type": "string"` form, which is read for every value. */
const SINGLE_TYPES: ReadonlyMap<string, readonly JsonType[]> = new Map([...JSON_TYPES].map((t) => [t, Object.freeze([t as JsonType])] as const));

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `true`, `undefined` and non-objects mean "anything"; `false` means "nothing". */
export function asSchemaObject(schema: unknown): SchemaObject | false {
  if (schema === false) return false;
  return isPlainObject(schema) ? schema : {};
}

/** The `type` keyword as a list of known type names, or undefined when absent or unusable. */
export function declaredTypes(schema: SchemaObject): readonly JsonType[] | undefined {
  const raw = schema.type;
  if (typeof raw === 'string') return SINGLE_TYPES.get(raw);
  const list = Array.isArray(raw) ? raw : undefined;
  if (!list) return undefined;
  const types = list.filter((t): t is JsonType => typeof t === 'string' && JSON_TYPES.has(t));
  return types.length > 0 ? types : undefined;
}

export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    default:
      return 'object';
  }
}

export function typeAllows(types: readonly JsonType[], value: unknown): boolean {
  const actual = jsonTypeOf(value);
  return types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const ak = Object.keys(a as object);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && deepEqual((a as Record<string, unknown>)[k], bo[k]));
}

/** A string identity for a JSON value that ignores key order, for uniqueness checks. */
export function canonicalKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalKey(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  return JSON.parse(JSON.stringify(value)) as T;
}

/** JSON Schema string lengths count Unicode code points, not UTF-16 units. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      n++;
      i++;
    }
  }
  return n;
}

export function sliceCodePoints(s: string, length: number): string {
  return Array.from(s).slice(0, length).join('');
}

export function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function nonNegativeInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
