import type { Rng } from '../random.ts';
import { generateArray } from './arrays.ts';
import { matchesSchema } from './check.ts';
import { type BranchPolicy, type Concrete, concretize } from './compose.ts';
import { mentionedOption } from './hints.ts';
import { type NameContext, hasStringRule, looksBoolean, numberProfileForName } from './names.ts';
import { generateNumber } from './numbers.ts';
import { generateObject } from './objects.ts';
import { type JsonType, type SchemaObject, asSchemaObject, canonicalKey, cloneJson, declaredTypes } from './schema-util.ts';
import { type State, SHRINK_DEPTH, extendChain, isShrinking, newBudget, outOfChars, withRefs } from './state.ts';
import { generateString } from './strings.ts';

/**
 * The recursive core: resolve a schema to a concrete form, pick a type, build the value, verify
 * what construction alone cannot guarantee.
 */

/** Past these a minimal value ends the branch, even if it breaks the schema (infinite required recursion). */
const HARD_DEPTH = 24;
const HARD_REFS = 48;
const MAX_ATTEMPTS = 8;
const DEEP_ATTEMPTS = 2;
/** Past this many values, each subschema gets one attempt: nested retries multiply. */
const RETRY_VALUES = 3000;
const NULL_TYPE_PROBABILITY = 0.1;
const SHRINKING: BranchPolicy = { shrink: true };
const EXPANDING: BranchPolicy = { shrink: false };

export function generateFromSchema(schema: unknown, rng: Rng, text: string | undefined, budget = newBudget()): unknown {
  const state: State = {
    root: schema,
    text,
    depth: 0,
    refs: undefined,
    name: undefined,
    parentName: undefined,
    exclude: undefined,
    budget,
  };
  return generateValue(schema, state, rng);
}

/**
 * Builds from the concrete form of the schema, then verifies what construction could not
 * guarantee, retrying with other branch choices and draws.
 */
function generateValue(schema: unknown, state: State, rng: Rng): unknown {
  state.budget.values++;
  if (schema === false || state.depth > HARD_DEPTH || (state.refs?.length ?? 0) > HARD_REFS || outOfChars(state)) {
    return minimalValue(schema);
  }
  const policy = isShrinking(state) ? SHRINKING : EXPANDING;
  const attempts = state.budget.values > RETRY_VALUES ? 1 : state.depth > SHRINK_DEPTH ? DEEP_ATTEMPTS : MAX_ATTEMPTS;
  let fallback: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const r = attempt === 0 ? rng : rng.fork(`attempt-${attempt}`);
    const concrete = concretize(schema, state.root, r, policy);
    const inner = concrete.refs.length > 0 ? withRefs(state, extendChain(state.refs, concrete.refs)) : state;
    if ((inner.refs?.length ?? 0) > HARD_REFS) return minimalValue(concrete.schema);
    const value = generateConcrete(concrete, inner, r, attempt > 0);
    if (concrete.checks.every((check) => matchesSchema(check, value, state.root))) return value;
    if (attempt === 0) fallback = value;
  }
  return fallback;
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

/** `retrying`: an earlier value failed its checks, so a schema that allows any type may try another. */
function generateConcrete({ schema: s, checks, excludedTypes }: Concrete, state: State, rng: Rng, retrying: boolean): unknown {
  if ('const' in s) return cloneJson(s.const);
  if (Array.isArray(s.enum)) return pickEnumMember(s, s.enum, checks, state, rng);
  switch (chooseType(s, excludedTypes, state, rng, retrying)) {
    case 'object':
      return generateObject(s, state, rng, generateValue);
    case 'array':
      return generateArray(s, state, rng, generateValue);
    case 'string': {
      const text = generateString(s, rng, nameContext(state), residualPatterns(checks));
      state.budget.chars += text.length;
      return text;
    }
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
function pickEnumMember(s: SchemaObject, members: readonly unknown[], checks: readonly SchemaObject[], state: State, rng: Rng): unknown {
  if (members.length === 0) return null;
  const { enum: _members, ...siblings } = s;
  const valid = members.filter((m) => matchesSchema(siblings, m, state.root) && checks.every((c) => matchesSchema(c, m, state.root)));
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

const OBJECT_KEYWORDS = [
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'minProperties',
  'maxProperties',
  'propertyNames',
  'dependentRequired',
  'unevaluatedProperties',
];
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'];
const STRING_KEYWORDS = ['minLength', 'maxLength', 'pattern'];
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
const NUMERIC_FORMATS = new Set(['int32', 'int64', 'float', 'double']);

function chooseType(s: SchemaObject, excluded: readonly JsonType[], state: State, rng: Rng, retrying: boolean): JsonType {
  const declared = declaredTypes(s);
  if (declared?.length === 1 && excluded.length === 0) return declared[0] as JsonType;
  const inferred = declared ? undefined : inferType(s);
  const wanted = declared ? [...new Set(declared)] : [inferred ?? (retrying ? rng.pick(SCALAR_TYPES) : typeForName(state.name))];
  let types = wanted.filter((t) => !excluded.includes(t));
  if (types.length === 0) types = declared ? wanted : ANY_TYPES.filter((t) => !excluded.includes(t));
  if (types.includes('number')) types = types.filter((t) => t !== 'integer');
  if (types.length <= 1) return types[0] ?? 'null';
  if (retrying) return rng.pick(types);
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
const SCALAR_TYPES: readonly JsonType[] = ['string', 'integer', 'number', 'boolean', 'null'];

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
