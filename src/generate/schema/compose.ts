import type { Rng } from '../random.ts';
import { mergeInto, normalizeLegacyBounds } from './merge.ts';
import { resolveRef } from './refs.ts';
import { type JsonType, type SchemaObject, asSchemaObject, declaredTypes, isPlainObject, jsonTypeOf } from './schema-util.ts';

/**
 * Turns a schema with `$ref`, `allOf`, `anyOf`, `oneOf`, `not` and `if`/`then`/`else` into one
 * plain schema to build a value from, by following references, merging conjunctions and choosing
 * one branch of each disjunction. What the merged schema cannot express (oneOf exclusivity, `not`,
 * the full `if` rule, unmergeable keywords) comes back as `checks` for the caller to verify.
 */
export interface Concrete {
  schema: SchemaObject;
  checks: readonly SchemaObject[];
  /** The `$ref` strings followed, so callers can spot recursion. */
  refs: readonly string[];
  /** Types a `not` rules out entirely. */
  excludedTypes: readonly JsonType[];
}

const NONE: readonly never[] = [];

export interface BranchPolicy {
  /** Deep in a recursive structure: prefer branches that end it (null, scalars, no `$ref`). */
  shrink: boolean;
}

const COMPOSITION_KEYWORDS = ['$ref', '$dynamicRef', '$recursiveRef', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else'];
/** Caps the work on pathological inputs such as `{"allOf": [{"$ref": "#"}]}` at the root. */
const MAX_PARTS = 64;
const NULL_BRANCH_PROBABILITY = 0.12;

export function concretize(schema: unknown, root: unknown, rng: Rng, policy: BranchPolicy): Concrete {
  const first = asSchemaObject(schema);
  if (first !== false && !hasComposition(first)) {
    return { schema: normalizeLegacyBounds(first), checks: NONE, refs: NONE, excludedTypes: NONE };
  }

  let base: SchemaObject = {};
  const checks: SchemaObject[] = [];
  const refs: string[] = [];
  const excludedTypes: JsonType[] = [];
  const queue: unknown[] = [schema];
  // Disjunctions wait until every conjunctive part is merged, so branches are chosen knowing
  // the full base (a branch whose type clashes with a later `allOf` part is avoided).
  const pending: Array<{ branches: unknown[]; exclusive: boolean }> = [];
  for (let parts = 0; parts < MAX_PARTS; parts++) {
    if (queue.length === 0) {
      const choice = pending.shift();
      if (!choice) break;
      const branch = chooseBranch(choice.branches, base, rng, policy);
      queue.push(branch);
      // Merging can still make the branch unsatisfiable; checking lets the caller retry another.
      checks.push(choice.exclusive ? { oneOf: choice.branches } : asSchemaObject(branch) || { not: {} });
      continue;
    }
    const part = asSchemaObject(queue.shift());
    if (part === false) {
      checks.push({ not: {} }); // a `false` schema: nothing can satisfy it
      continue;
    }
    base = mergeInto(base, withoutComposition(part), checks);
    followReference(part, root, queue, refs);
    if (Array.isArray(part.allOf)) queue.push(...part.allOf);
    if (Array.isArray(part.anyOf) && part.anyOf.length > 0) pending.push({ branches: part.anyOf, exclusive: false });
    if (Array.isArray(part.oneOf) && part.oneOf.length > 0) pending.push({ branches: part.oneOf, exclusive: true });
    if ('not' in part) {
      checks.push({ not: part.not });
      excludedTypes.push(...negatedTypes(part.not));
    }
    if ('if' in part) chooseConditional(part, rng, queue, checks);
  }
  return { schema: base, checks, refs, excludedTypes };
}

/** `not: {type: ...}` alone rules out whole types, which the generator can avoid up front. */
function negatedTypes(negated: unknown): readonly JsonType[] {
  if (!isPlainObject(negated) || Object.keys(negated).length !== 1) return [];
  const types = declaredTypes(negated) ?? [];
  return types.includes('number') ? [...types, 'integer'] : types;
}

function hasComposition(schema: SchemaObject): boolean {
  return COMPOSITION_KEYWORDS.some((k) => k in schema);
}

function withoutComposition(schema: SchemaObject): SchemaObject {
  if (!hasComposition(schema)) return schema;
  const rest: SchemaObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!COMPOSITION_KEYWORDS.includes(key)) rest[key] = value;
  }
  return rest;
}

function followReference(part: SchemaObject, root: unknown, queue: unknown[], refs: string[]): void {
  const ref = part.$ref ?? part.$dynamicRef ?? part.$recursiveRef;
  if (typeof ref !== 'string') return;
  const target = resolveRef(root, ref);
  if (target === undefined) return;
  refs.push(ref);
  queue.push(target);
}

/**
 * Either assume the `if` and apply `then`, or apply `else` and require the `if` to fail; the whole
 * rule is checked afterwards, and a retry may take the other path.
 */
function chooseConditional(part: SchemaObject, rng: Rng, queue: unknown[], checks: SchemaObject[]): void {
  const rule: SchemaObject = { if: part.if };
  if ('then' in part) rule.then = part.then;
  if ('else' in part) rule.else = part.else;
  checks.push(rule);
  if (!('else' in part) || rng.chance(0.5)) {
    queue.push(part.if);
    if ('then' in part) queue.push(part.then);
  } else {
    queue.push(part.else);
    checks.push({ not: part.if });
  }
}

function chooseBranch(branches: readonly unknown[], base: SchemaObject, rng: Rng, policy: BranchPolicy): unknown {
  const usable = branches.filter((b) => b !== false);
  if (usable.length === 0) return false;
  const baseTypes = possibleTypes(base);
  const compatible = baseTypes ? usable.filter((b) => typesOverlap(baseTypes, b)) : usable;
  const pool = compatible.length > 0 ? compatible : usable;
  if (policy.shrink) return cheapest(pool, rng);
  const nulls = pool.filter(isNullBranch);
  const others = pool.filter((b) => !isNullBranch(b));
  if (others.length === 0) return rng.pick(nulls);
  if (nulls.length > 0 && rng.chance(NULL_BRANCH_PROBABILITY)) return rng.pick(nulls);
  return rng.pick(others);
}

/** The types a schema can take, from `type` or else from `const`/`enum`; undefined when open. */
function possibleTypes(s: SchemaObject): readonly JsonType[] | undefined {
  const declared = declaredTypes(s);
  if (declared) return declared;
  if ('const' in s) return [jsonTypeOf(s.const)];
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum.map(jsonTypeOf);
  return undefined;
}

function typesOverlap(baseTypes: readonly JsonType[], branch: unknown): boolean {
  if (!isPlainObject(branch)) return true;
  const types = possibleTypes(branch);
  if (!types) return true;
  return types.some((t) => baseTypes.includes(t) || (t === 'integer' && baseTypes.includes('number')) || (t === 'number' && baseTypes.includes('integer')));
}

function isNullBranch(branch: unknown): boolean {
  return isPlainObject(branch) && (branch.type === 'null' || (Array.isArray(branch.type) && branch.type.length === 1 && branch.type[0] === 'null'));
}

/** Branches that end recursion: null, then scalars, then containers without references. */
function cheapest(pool: readonly unknown[], rng: Rng): unknown {
  let best: unknown[] = [];
  let bestCost = Infinity;
  for (const branch of pool) {
    const cost = branchCost(branch);
    if (cost < bestCost) {
      best = [branch];
      bestCost = cost;
    } else if (cost === bestCost) best.push(branch);
  }
  return rng.pick(best);
}

function branchCost(branch: unknown): number {
  if (!isPlainObject(branch)) return 2;
  if (isNullBranch(branch)) return 0;
  if (mentionsRef(branch, 3)) return 4;
  const types = declaredTypes(branch);
  if (types && types.every((t) => t !== 'object' && t !== 'array')) return 1;
  return 3;
}

function mentionsRef(node: unknown, depth: number): boolean {
  if (depth < 0 || typeof node !== 'object' || node === null) return false;
  if (!Array.isArray(node) && typeof (node as SchemaObject).$ref === 'string') return true;
  return Object.values(node).some((child) => mentionsRef(child, depth - 1));
}
