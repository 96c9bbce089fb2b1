/**
 * Small builders for the response schemas (JSON Schema 2020-12, plain objects). Written from the facts in the
 * OpenAI API reference, not generated from it: the runner must not need the spec at run time.
 */

export type JsonSchema = { [keyword: string]: unknown };

/** The two validation tiers: what the OpenAI spec requires, and what the openai SDK needs to work. */
export interface TieredSchema {
  strict: JsonSchema;
  lenient: JsonSchema;
}

export const string: JsonSchema = { type: 'string' };
export const integer: JsonSchema = { type: 'integer' };
export const number: JsonSchema = { type: 'number' };
export const nullableString: JsonSchema = { type: ['string', 'null'] };

/** An object with the given properties, of which `required` must be present. Extra properties are allowed. */
export function object(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return required.length > 0 ? { type: 'object', properties, required } : { type: 'object', properties };
}

export function arrayOf(items: JsonSchema): JsonSchema {
  return { type: 'array', items };
}

export function constant(value: string): JsonSchema {
  return { type: 'string', const: value };
}

/** One of the given strings, or null when `nullable`. */
export function oneOfStrings(values: readonly string[], nullable = false): JsonSchema {
  return nullable ? { enum: [...values, null] } : { type: 'string', enum: [...values] };
}

export function orNull(schema: JsonSchema): JsonSchema {
  return { anyOf: [schema, { type: 'null' }] };
}

/** A map from string keys to values of one schema. */
export function mapOf(values: JsonSchema): JsonSchema {
  return { type: 'object', additionalProperties: values };
}

/** An object whose named properties, when present, are integers. */
export function integerFields(...names: string[]): JsonSchema {
  return object(Object.fromEntries(names.map((name) => [name, integer])));
}

/** Token counts as every chat and text completion reports them. */
export const completionUsageStrict = object(
  {
    prompt_tokens: integer,
    completion_tokens: integer,
    total_tokens: integer,
    prompt_tokens_details: integerFields('audio_tokens', 'cached_tokens', 'text_tokens', 'image_tokens', 'cache_write_tokens'),
    completion_tokens_details: integerFields('accepted_prediction_tokens', 'audio_tokens', 'reasoning_tokens', 'text_tokens', 'rejected_prediction_tokens'),
  },
  ['prompt_tokens', 'completion_tokens', 'total_tokens'],
);

/** Clients read these three counts; their breakdowns are free-form here. */
export const completionUsageLenient = object({ prompt_tokens: number, completion_tokens: number, total_tokens: number }, [
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
]);
