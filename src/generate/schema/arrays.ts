import type { Rng } from '../random.ts';
import { singular } from './names.ts';
import { type SchemaObject, canonicalKey, clamp, nonNegativeInt } from './schema-util.ts';
import { type BuildValue, type State, childState, isShrinking, valuesLeft } from './state.ts';

/**
 * Arrays: tuple positions (`prefixItems`, or draft-07 array `items`), then items from the rest
 * schema, within `minItems`/`maxItems`, with `contains` and `uniqueItems` honoured. Items are
 * named after the array (`tags` → `tag`) so they get fitting values.
 */

const UNIQUE_ATTEMPTS = 10;
/** A schema may demand a million items; past this many the value is cut short rather than the server stalled. */
export const MAX_ITEMS = 1000;

export function generateArray(s: SchemaObject, state: State, rng: Rng, build: BuildValue): unknown[] {
  const tupleForm = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : [];
  const rest = Array.isArray(s.prefixItems) || !Array.isArray(s.items) ? s.items : s.additionalItems;
  const minItems = nonNegativeInt(s.minItems) ?? 0;
  const maxItems = Math.max(minItems, Math.min(nonNegativeInt(s.maxItems) ?? Infinity, rest === false ? tupleForm.length : Infinity));
  const minContains = 'contains' in s ? (nonNegativeInt(s.minContains) ?? 1) : 0;
  const natural = isShrinking(state) ? minItems : naturalLength(state.depth, tupleForm.length, rng);
  const count = Math.min(MAX_ITEMS, valuesLeft(state), clamp(Math.max(natural, minContains), minItems, maxItems));
  const itemName = state.name ? singular(state.name) : undefined;
  const unique = s.uniqueItems === true;
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const base = i < tupleForm.length ? tupleForm[i] : (rest ?? {});
    const itemSchema = i >= count - minContains ? { allOf: [base, s.contains] } : base;
    const itemState = childState(state, itemName, unique ? seen : undefined);
    const item = generateItem(itemSchema, itemState, rng.fork(i), unique ? seen : undefined, build);
    // An item that cannot be made unique is dropped when the array may be shorter.
    if (item.duplicate && i >= minItems && i >= tupleForm.length) break;
    out.push(item.value);
  }
  return out;
}

/** One array item; with `uniqueItems`, redrawn until it differs from the earlier items. */
function generateItem(schema: unknown, state: State, rng: Rng, seen: Set<string> | undefined, build: BuildValue): { value: unknown; duplicate: boolean } {
  let value = build(schema, state, rng);
  if (!seen) return { value, duplicate: false };
  for (let attempt = 0; seen.has(canonicalKey(value)) && attempt < UNIQUE_ATTEMPTS; attempt++) {
    value = build(schema, state, rng.fork(`unique-${attempt}`));
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
