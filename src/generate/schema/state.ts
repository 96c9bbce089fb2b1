import type { Rng } from '../random.ts';

/** Where the generator is in the schema and the value, passed down by value. */

/** The `$ref` strings followed on the way to the current value, newest first. */
export interface RefChain {
  ref: string;
  parent: RefChain | undefined;
  length: number;
  /** Most times any one reference appears on the chain: 2+ means recursion. */
  maxRepeats: number;
}

export interface State {
  root: unknown;
  text: string | undefined;
  depth: number;
  refs: RefChain | undefined;
  name: string | undefined;
  parentName: string | undefined;
  /** Values already used by sibling items of a `uniqueItems` array. */
  exclude: ReadonlySet<string> | undefined;
  budget: Budget;
}

/** Builds a value for a subschema; objects and arrays call back into it for their members. */
export type BuildValue = (schema: unknown, state: State, rng: Rng) => unknown;

/** Counts values built across one request, so hard or unsatisfiable schemas stop retrying. */
export interface Budget {
  values: number;
  /** Characters of strings built so far. */
  chars: number;
}

export function newBudget(): Budget {
  return { values: 0, chars: 0 };
}

/**
 * Characters of strings one value may hold: past them every further part is minimal. A model's
 * output is cut at its max_tokens anyway (16k tokens is ~64 kB); without this, a thousand-item
 * array of 16 kB strings is 16 MB of work per choice.
 */
export const MAX_CHARS = 256 * 1024;
export function outOfChars(state: State): boolean {
  return state.budget.chars >= MAX_CHARS;
}

/** From this nesting depth (or this much recursion, or this many values) optional parts are left out. */
export const SHRINK_DEPTH = 6;
const SHRINK_REPEATS = 3;
const SHRINK_VALUES = 2000;
/** A hard cap on values built for one schema, so nested minItems cannot explode. */
export const MAX_VALUES = 20_000;
export function valuesLeft(state: State): number {
  return Math.max(0, MAX_VALUES - state.budget.values);
}

export function isShrinking(state: State): boolean {
  return state.depth >= SHRINK_DEPTH || (state.refs?.maxRepeats ?? 0) >= SHRINK_REPEATS || state.budget.values > SHRINK_VALUES;
}

export function extendChain(chain: RefChain | undefined, refs: readonly string[]): RefChain | undefined {
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

export function childState(state: State, name: string | undefined, exclude?: ReadonlySet<string>): State {
  return withRefs(state, state.refs, state.depth + 1, name, state.name, exclude);
}

/** Builds states with one literal shape; spreading was a measurable cost per value. */
export function withRefs(
  state: State,
  refs: RefChain | undefined,
  depth = state.depth,
  name = state.name,
  parentName = state.parentName,
  exclude = state.exclude,
): State {
  return { root: state.root, text: state.text, depth, refs, name, parentName, exclude, budget: state.budget };
}
