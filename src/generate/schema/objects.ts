import type { Rng } from '../random.ts';
import { MAX_ITEMS } from './arrays.ts';
import { type PatternProperty, matchesSchema, patternEntries } from './check.ts';
import { stringFromPattern } from './regex.ts';
import { type SchemaObject, isPlainObject, nonNegativeInt, stringList } from './schema-util.ts';
import { type BuildValue, type State, childState, isShrinking, valuesLeft } from './state.ts';
import * as vocab from '../vocabulary.ts';

/**
 * Objects: every required property, most optional ones, `patternProperties` and
 * `additionalProperties` applied per key, and extra keys when `minProperties` or a free-form
 * object calls for them.
 */

const OPTIONAL_PROPERTY_PROBABILITY = 0.8;
const FREE_FORM_KEYS = ['label', 'source', 'category', 'priority', 'region', 'owner', 'status', 'version', 'note', 'channel', 'team', 'environment'];

function setProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment of "__proto__" would change the prototype instead of adding a key.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export function generateObject(s: SchemaObject, state: State, rng: Rng, build: BuildValue): Record<string, unknown> {
  const properties = isPlainObject(s.properties) ? s.properties : {};
  const patterns = patternEntries(s.patternProperties);
  const keys = choosePropertyKeys(s, properties, isShrinking(state), rng);
  const needed = neededKeys(s);
  let droppable = keys.length - (nonNegativeInt(s.minProperties) ?? 0);
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const schema = schemaForKey(s, key, properties, patterns);
    const value = build(schema, childState(state, key), rng.fork(key));
    // An optional property whose schema could not be met is better left out than sent invalid.
    if (!needed.has(key) && droppable > 0 && !matchesSchema(schema, value, state.root)) {
      droppable--;
      continue;
    }
    setProperty(out, key, value);
  }
  addExtraProperties(s, out, properties, patterns, state, rng, build);
  return out;
}

/** Keys that must stay: `required` ones and those another key depends on. */
function neededKeys(s: SchemaObject): Set<string> {
  const needed = new Set(stringList(s.required));
  for (const source of [s.dependentRequired, s.dependencies].filter(isPlainObject)) {
    for (const list of Object.values(source)) for (const key of stringList(list)) needed.add(key);
  }
  return needed;
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
  for (let changed = true; changed;) {
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
function schemaForKey(s: SchemaObject, key: string, properties: Record<string, unknown>, patterns: readonly PatternProperty[]): unknown {
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
  build: BuildValue,
): void {
  const closed = s.additionalProperties === false || s.unevaluatedProperties === false;
  const count = Object.keys(out).length;
  const freeForm = !closed && !('properties' in s) && patterns.length === 0 && !isShrinking(state);
  const wanted = Math.max((nonNegativeInt(s.minProperties) ?? 0) - count, freeForm ? rng.int(1, 3) : 0);
  const room = (nonNegativeInt(s.maxProperties) ?? Infinity) - count;
  const target = Math.min(wanted, room, MAX_ITEMS, valuesLeft(state));
  for (let added = 0, tries = 0; added < target && tries < target * 4 + 4; tries++) {
    const key = extraKey(s, patterns, closed, state, rng.fork(`key-${tries}`), build);
    if (key === undefined || Object.hasOwn(out, key)) continue;
    const value = build(schemaForKey(s, key, properties, patterns), childState(state, key), rng.fork(`extra-${key}`));
    setProperty(out, key, value);
    added++;
  }
}

function extraKey(s: SchemaObject, patterns: readonly PatternProperty[], closed: boolean, state: State, rng: Rng, build: BuildValue): string | undefined {
  if (closed) {
    if (patterns.length === 0) return undefined;
    const pattern = rng.pick(patterns);
    const key = stringFromPattern(pattern.source, rng);
    return key !== undefined && pattern.re.test(key) ? key : undefined;
  }
  if ('propertyNames' in s) {
    const key = build({ allOf: [{ type: 'string' }, s.propertyNames] }, childState(state, 'key'), rng);
    return typeof key === 'string' ? key : undefined;
  }
  return rng.chance(0.7) ? rng.pick(FREE_FORM_KEYS) : vocab.noun(rng);
}
