import type { Rng } from '../random.ts';
import { type PatternProperty, matchesSchema, patternEntries } from './check.ts';
import { type Concrete, concretize } from './compose.ts';
import { mentionedOption } from './hints.ts';
import { type NameContext, hasStringRule, looksBoolean, numberProfileForName, singular } from './names.ts';
import { generateNumber } from './numbers.ts';
import { stringFromPattern } from './regex.ts';
import {
  type JsonType,
  type SchemaObject,
  asSchemaObject,
  canonicalKey,
  clamp,
  cloneJson,
  declaredTypes,
  isPlainObject,
  nonNegativeInt,
  stringList,
} from './schema-util.ts';
import { generateString } from './strings.ts';
import * as vocab from './vocabulary.ts';

/** The `$ref` strings followed on the way to the current value, newest first. */
interface RefChain {
  ref: string;
  parent: RefChain | undefined;
  length: number;
  /** Most times any one reference appears on the chain: 2+ means recursion. */
  maxRepeats: number;
}

interface State {
  root: unknown;
  text: string | undefined;
  depth: number;
  refs: RefChain | undefined;
  name: string | undefined;
  parentName: string | undefined;
  /** Values already used by sibling items of a `uniqueItems` array. */
  exclude: ReadonlySet<string> | undefined;
  budget: { values: number };
}

/** From this nesting depth (or this much recursion, or this many values) optional parts are left out. */
const SHRINK_DEPTH = 6;
const SHRINK_REPEATS = 3;
const SHRINK_VALUES = 2000;
/** Past these a minimal value ends the branch, even if it breaks the schema (infinite required recursion). */
const HARD_DEPTH = 24;
const HARD_REFS = 48;
const MAX_ATTEMPTS = 8;
const DEEP_ATTEMPTS = 2;
const UNIQUE_ATTEMPTS = 10;
const OPTIONAL_PROPERTY_PROBABILITY = 0.8;
const NULL_TYPE_PROBABILITY = 0.1;
const FREE_FORM_KEYS = ['label', 'source', 'category', 'priority', 'region', 'owner', 'status', 'version', 'note', 'channel', 'team', 'environment'];

export function generateFromSchema(schema: unknown, rng: Rng, text: string | undefined): unknown {
  const state: State = {
    root: schema,
    text,
    depth: 0,
    refs: undefined,
    name: undefined,
    parentName: undefined,
    exclude: undefined,
    budget: { values: 0 },
  };
  return generateValue(schema, state, rng);
}

function isShrinking(state: State): boolean {
  return (
    state.depth >= SHRINK_DEPTH ||
    (state.refs?.maxRepeats ?? 0) >= SHRINK_REPEATS ||
    state.budget.values > SHRINK_VALUES
  );
}

/**
 * Builds from the concrete form of the schema, then verifies what construction could not
 * guarantee, retrying with other branch choices and draws.
 */
function generateValue(schema: unknown, state: State, rng: Rng): unknown {
  state.budget.values++;
  if (schema === false || state.depth > HARD_DEPTH || (state.refs?.length ?? 0) > HARD_REFS) {
    return minimalValue(schema);
  }
  const policy = { shrink: isShrinking(state) };
  const attempts = state.depth > SHRINK_DEPTH ? DEEP_ATTEMPTS : MAX_ATTEMPTS;
  let fallback: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const r = attempt === 0 ? rng : rng.fork(`attempt-${attempt}`);
    const concrete = concretize(schema, state.root, r, policy);
    const inner = concrete.refs.length > 0 ? { ...state, refs: extendChain(state.refs, concrete.refs) } : state;
    if ((inner.refs?.length ?? 0) > HARD_REFS) return minimalValue(concrete.schema);
    const value = generateConcrete(concrete, inner, r);
    if (concrete.checks.every((check) => matchesSchema(check, value, state.root))) return value;
    if (attempt === 0) fallback = value;
  }
  return fallback;
}

function extendChain(chain: RefChain | undefined, refs: readonly string[]): RefChain | undefined {
  let current = chain;
  for (const ref of refs) {
    let repeats = 1;
    for (let node = current; node; node = node.parent) if (node.ref === ref) repeats++;
    current = {
      ref,
      parent: current,
      length: (current?.length ?? 0) + 1,
      maxRepeats: Math.max(current?.maxRepeats ?? 0, repeats),
    };
  }
  return current;
}

/** The smallest value of the schema's first type, used to cut off runaway recursion. */
function minimalValue(schema: unknown): unknown {
  const s = asSchemaObject(schema);
  if (s === false) return null;
  if ('const' in s) return cloneJson(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return cloneJson(s.enum[0]);
  const types = declaredTypes(s) ?? [inferType(s) ?? 'null'];
  if (types.includes('null')) return null;
  switch (types[0]) {
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return {};
  }
}

function generateConcrete({ schema: s, checks, excludedTypes }: Concrete, state: State, rng: Rng): unknown {
  if ('const' in s) return cloneJson(s.const);
  if (Array.isArray(s.enum)) return pickEnumMember(s, s.enum, checks, state, rng);
  switch (chooseType(s, excludedTypes, state, rng)) {
    case 'object':
      return generateObject(s, state, rng);
    case 'array':
      return generateArray(s, state, rng);
    case 'string':
      return generateString(s, rng, nameContext(state), residualPatterns(checks));
    case 'integer':
      return generateNumber(s, true, numberProfileForName(state.name), rng);
    case 'number':
      return generateNumber(s, false, numberProfileForName(state.name), rng);
    case 'boolean':
      return pickBoolean(state, rng);
    case 'null':
      return null;
  }
}

/** Patterns from merged branches that could not share the `pattern` keyword. */
function residualPatterns(checks: readonly SchemaObject[]): string[] {
  return checks.flatMap((c) => (typeof c.pattern === 'string' ? [c.pattern] : []));
}

function nameContext(state: State): NameContext {
  return { name: state.name, parentName: state.parentName, text: state.text };
}

/** Members that also satisfy the sibling keywords, preferring one the prompt mentions. */
function pickEnumMember(
  s: SchemaObject,
  members: readonly unknown[],
  checks: readonly SchemaObject[],
  state: State,
  rng: Rng,
): unknown {
  if (members.length === 0) return null;
  const { enum: _members, ...siblings } = s;
  const valid = members.filter(
    (m) => matchesSchema(siblings, m, state.root) && checks.every((c) => matchesSchema(c, m, state.root)),
  );
  let pool = valid.length > 0 ? valid : members;
  if (state.exclude) {
    const exclude = state.exclude;
    const fresh = pool.filter((m) => !exclude.has(canonicalKey(m)));
    if (fresh.length > 0) pool = fresh;
  }
  return cloneJson(mentionedOption(state.text, pool) ?? rng.pick(pool));
}

function pickBoolean(state: State, rng: Rng): boolean {
  if (state.exclude?.has('true')) return false;
  if (state.exclude?.has('false')) return true;
  return rng.chance(0.5);
}

const OBJECT_KEYWORDS = ['properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties', 'maxProperties', 'propertyNames', 'dependentRequired', 'unevaluatedProperties'];
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'];
const STRING_KEYWORDS = ['minLength', 'maxLength', 'pattern'];
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
const NUMERIC_FORMATS = new Set(['int32', 'int64', 'float', 'double']);

function chooseType(s: SchemaObject, excluded: readonly JsonType[], state: State, rng: Rng): JsonType {
  const declared = declaredTypes(s);
  const wanted = declared ? [...new Set(declared)] : [inferType(s) ?? typeForName(state.name)];
  let types = wanted.filter((t) => !excluded.includes(t));
  if (types.length === 0) types = declared ? wanted : ANY_TYPES.filter((t) => !excluded.includes(t));
  if (types.includes('number')) types = types.filter((t) => t !== 'integer');
  if (types.length <= 1) return types[0] ?? 'null';
  const nonNull = types.filter((t): t is Exclude<JsonType, 'null'> => t !== 'null');
  const shrink = isShrinking(state);
  if (nonNull.length === 0) return 'null';
  if (types.includes('null') && (shrink || rng.chance(NULL_TYPE_PROBABILITY))) return 'null';
  const scalars = nonNull.filter((t) => t !== 'object' && t !== 'array');
  if (shrink && scalars.length > 0) return rng.pick(scalars);
  const suggested = typeForName(state.name);
  if (state.name && suggested !== 'null' && nonNull.includes(suggested) && rng.chance(0.7)) return suggested;
  return rng.pick(scalars.length > 0 && !declared ? scalars : nonNull);
}

/** Fallback order for schemas whose `not` excludes the type the keywords suggest. */
const ANY_TYPES: readonly JsonType[] = ['string', 'integer', 'boolean', 'number', 'null', 'object', 'array'];

/** A schema without `type` still says what it wants through its keywords. */
function inferType(s: SchemaObject): JsonType | undefined {
  const has = (keys: readonly string[]) => keys.some((k) => k in s);
  if (has(OBJECT_KEYWORDS)) return 'object';
  if (has(ARRAY_KEYWORDS)) return 'array';
  if (typeof s.format === 'string' && NUMERIC_FORMATS.has(s.format)) return s.format.startsWith('int') ? 'integer' : 'number';
  if (has(STRING_KEYWORDS) || typeof s.format === 'string') return 'string';
  if (has(NUMBER_KEYWORDS)) return 'number';
  return undefined;
}

/** For schemas that allow anything: a value that suits the property name. */
function typeForName(name: string | undefined): JsonType {
  if (!name) return 'string';
  if (looksBoolean(name)) return 'boolean';
  const profile = numberProfileForName(name);
  if (profile && !hasStringRule(name)) return profile.decimals === 0 ? 'integer' : 'number';
  return 'string';
}

function childState(state: State, name: string | undefined, exclude?: ReadonlySet<string>): State {
  return { ...state, depth: state.depth + 1, name, parentName: state.name, exclude };
}

function setProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment of "__proto__" would change the prototype instead of adding a key.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function generateObject(s: SchemaObject, state: State, rng: Rng): Record<string, unknown> {
  const properties = isPlainObject(s.properties) ? s.properties : {};
  const patterns = patternEntries(s.patternProperties);
  const keys = choosePropertyKeys(s, properties, isShrinking(state), rng);
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = generateValue(schemaForKey(s, key, properties, patterns), childState(state, key), rng.fork(key));
    setProperty(out, key, value);
  }
  addExtraProperties(s, out, properties, patterns, state, rng);
  return out;
}

/** Required keys always; most optional keys (none when shrinking); enough for `minProperties`. */
function choosePropertyKeys(s: SchemaObject, properties: Record<string, unknown>, shrink: boolean, rng: Rng): string[] {
  const declared = Object.keys(properties);
  const chosen = new Set(stringList(s.required));
  const maxProps = nonNegativeInt(s.maxProperties) ?? Infinity;
  const minProps = nonNegativeInt(s.minProperties) ?? 0;
  const optional = declared.filter((k) => !chosen.has(k) && properties[k] !== false);
  for (const key of optional) {
    if (chosen.size >= maxProps) break;
    if (!shrink && rng.chance(OPTIONAL_PROPERTY_PROBABILITY)) chosen.add(key);
  }
  addDependencies(s, chosen);
  for (const key of optional) {
    if (chosen.size >= Math.min(minProps, maxProps)) break;
    chosen.add(key);
  }
  addDependencies(s, chosen);
  return [...declared.filter((k) => chosen.has(k)), ...[...chosen].filter((k) => !Object.hasOwn(properties, k))];
}

function addDependencies(s: SchemaObject, chosen: Set<string>): void {
  const sources = [s.dependentRequired, s.dependencies].filter(isPlainObject);
  for (let changed = true; changed; ) {
    changed = false;
    for (const source of sources) {
      for (const [trigger, needed] of Object.entries(source)) {
        if (!chosen.has(trigger)) continue;
        for (const key of stringList(needed)) {
          if (!chosen.has(key)) {
            chosen.add(key);
            changed = true;
          }
        }
      }
    }
  }
}

/** A key's schema: its declared schema plus matching `patternProperties`, else `additionalProperties`. */
function schemaForKey(
  s: SchemaObject,
  key: string,
  properties: Record<string, unknown>,
  patterns: readonly PatternProperty[],
): unknown {
  const own = Object.hasOwn(properties, key) ? [properties[key]] : [];
  const parts = [...own, ...patterns.filter((p) => p.re.test(key)).map((p) => p.schema)];
  if (parts.length === 0) return 'additionalProperties' in s ? s.additionalProperties : {};
  return parts.length === 1 ? parts[0] : { allOf: parts };
}

/**
 * Keys beyond the declared ones: enough for `minProperties`, and a few for free-form objects
 * (`{"type": "object"}` or a map with `additionalProperties`), which read better with content.
 */
function addExtraProperties(
  s: SchemaObject,
  out: Record<string, unknown>,
  properties: Record<string, unknown>,
  patterns: readonly PatternProperty[],
  state: State,
  rng: Rng,
): void {
  const closed = s.additionalProperties === false || s.unevaluatedProperties === false;
  const count = Object.keys(out).length;
  const freeForm = !closed && !('properties' in s) && patterns.length === 0 && !isShrinking(state);
  const wanted = Math.max((nonNegativeInt(s.minProperties) ?? 0) - count, freeForm ? rng.int(1, 3) : 0);
  const room = (nonNegativeInt(s.maxProperties) ?? Infinity) - count;
  const target = Math.min(wanted, room);
  for (let added = 0, tries = 0; added < target && tries < target * 4 + 4; tries++) {
    const key = extraKey(s, patterns, closed, state, rng.fork(`key-${tries}`));
    if (key === undefined || Object.hasOwn(out, key)) continue;
    const value = generateValue(schemaForKey(s, key, properties, patterns), childState(state, key), rng.fork(`extra-${key}`));
    setProperty(out, key, value);
    added++;
  }
}

function extraKey(
  s: SchemaObject,
  patterns: readonly PatternProperty[],
  closed: boolean,
  state: State,
  rng: Rng,
): string | undefined {
  if (closed) {
    if (patterns.length === 0) return undefined;
    const pattern = rng.pick(patterns);
    const key = stringFromPattern(pattern.source, rng);
    return key !== undefined && pattern.re.test(key) ? key : undefined;
  }
  if ('propertyNames' in s) {
    const key = generateValue({ allOf: [{ type: 'string' }, s.propertyNames] }, childState(state, 'key'), rng);
    return typeof key === 'string' ? key : undefined;
  }
  return rng.chance(0.7) ? rng.pick(FREE_FORM_KEYS) : vocab.noun(rng);
}

function generateArray(s: SchemaObject, state: State, rng: Rng): unknown[] {
  const tupleForm = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : [];
  const rest = Array.isArray(s.prefixItems) || !Array.isArray(s.items) ? s.items : s.additionalItems;
  const minItems = nonNegativeInt(s.minItems) ?? 0;
  const maxItems = Math.max(minItems, Math.min(nonNegativeInt(s.maxItems) ?? Infinity, rest === false ? tupleForm.length : Infinity));
  const minContains = 'contains' in s ? (nonNegativeInt(s.minContains) ?? 1) : 0;
  const natural = isShrinking(state) ? minItems : naturalLength(state.depth, tupleForm.length, rng);
  const count = clamp(Math.max(natural, minContains), minItems, maxItems);
  const itemName = state.name ? singular(state.name) : undefined;
  const unique = s.uniqueItems === true;
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const base = i < tupleForm.length ? tupleForm[i] : (rest ?? {});
    const itemSchema = i >= count - minContains ? { allOf: [base, s.contains] } : base;
    const item = generateItem(itemSchema, childState(state, itemName, unique ? seen : undefined), rng, i, unique ? seen : undefined);
    // An item that cannot be made unique is dropped when the array may be shorter.
    if (item.duplicate && i >= minItems && i >= tupleForm.length) break;
    out.push(item.value);
  }
  return out;
}

/** One array item; with `uniqueItems`, redrawn until it differs from the earlier items. */
function generateItem(
  schema: unknown,
  state: State,
  rng: Rng,
  index: number,
  seen: Set<string> | undefined,
): { value: unknown; duplicate: boolean } {
  let value = generateValue(schema, state, rng.fork(index));
  if (!seen) return { value, duplicate: false };
  for (let attempt = 0; seen.has(canonicalKey(value)) && attempt < UNIQUE_ATTEMPTS; attempt++) {
    value = generateValue(schema, state, rng.fork(`${index}-unique-${attempt}`));
  }
  const key = canonicalKey(value);
  const duplicate = seen.has(key);
  seen.add(key);
  return { value, duplicate };
}

/** Tuples are filled; lists get one to three items, fewer when nested deeply. */
function naturalLength(depth: number, tupleLength: number, rng: Rng): number {
  if (tupleLength > 0) return tupleLength;
  return depth < 3 ? rng.int(1, 3) : rng.int(0, 2);
}
