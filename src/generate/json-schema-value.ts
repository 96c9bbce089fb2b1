import type { Rng } from './random.ts';
import { matchesSchema } from './schema/check.ts';
import { generateFromSchema } from './schema/generate.ts';
import { newBudget } from './schema/state.ts';
import { promptObject } from './schema/prompt-object.ts';

/**
 * Realistic, deterministic JSON values for a JSON Schema: tool-call arguments
 * (`tools[].function.parameters`) and `response_format` JSON content.
 *
 * Values are built to fit the schema rather than generated and filtered, so typical tool schemas
 * take microseconds; a small built-in checker verifies the result and retries where construction
 * alone cannot guarantee validity (oneOf exclusivity, `not`, conflicting keywords). Unsupported or
 * contradictory schemas still produce a value; this never throws.
 */

export interface SchemaValueContext {
  /** The last user message, used for hints: e.g. "What's the weather in Tokyo?" -> a `location`/`city` string property becomes "Tokyo". */
  text?: string;
}

const WHOLE_VALUE_RETRIES = 3;

export function valueFromSchema(schema: unknown, rng: Rng, ctx?: SchemaValueContext): unknown {
  const text = ctx?.text;
  try {
    const budget = newBudget();
    const first = generateFromSchema(schema, rng, text, budget);
    if (matchesSchema(schema, first, schema)) return jsonSafe(first);
    for (let i = 1; i <= WHOLE_VALUE_RETRIES; i++) {
      const retry = generateFromSchema(schema, rng.fork(`whole-${i}`), text, budget);
      if (matchesSchema(schema, retry, schema)) return jsonSafe(retry);
    }
    return jsonSafe(first);
  } catch {
    // Only pathological input gets here (e.g. schemas nested deeper than the call stack).
    return {};
  }
}

/** Callers JSON.stringify the result; a non-JSON schema (an `enum` holding undefined) must not yield undefined. */
function jsonSafe(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** A plausible JSON object for response_format json_object, keyed off the prompt text (e.g. {"answer": "...", "topic": "...", ...}). */
export function jsonObjectForPrompt(rng: Rng, text: string): Record<string, unknown> {
  return promptObject(rng, text);
}
