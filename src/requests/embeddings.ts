import { invalidRequest } from '../node/errors.ts';
import type { ModelSpec } from '../scenario/types.ts';
import { type Body, missing, optionalEnum, optionalInteger, wrongType } from './fields.ts';

export interface EmbeddingsRequest {
  /** Each input as text, or as the token ids the client sent. */
  inputs: ({ text: string } | { tokens: number[] })[];
  encodingFormat: 'float' | 'base64';
  dimensions: number;
}

const MAX_INPUTS = 2048;

function isTokenArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && (t as number) >= 0);
}

/** OpenAI refuses empty strings here (its message names the JSON path, `'$.input' is invalid`). */
function nonEmpty(text: string, where: string): string {
  if (text === '') throw invalidRequest(`'$.${where}' is invalid: an empty string cannot be embedded.`, where, 'empty_string');
  return text;
}

function parseInputs(input: unknown): EmbeddingsRequest['inputs'] {
  if (input === undefined || input === null) throw missing('input');
  if (typeof input === 'string') return [{ text: nonEmpty(input, 'input') }];
  if (!Array.isArray(input)) throw wrongType('input', 'a string, an array of strings, or an array of token arrays', input);
  if (input.length === 0) throw invalidRequest("Invalid 'input': empty array. Expected an array with minimum length 1.", 'input', 'empty_array');
  if (input.length > MAX_INPUTS)
    throw invalidRequest(`Invalid 'input': array too long. Expected at most ${MAX_INPUTS} inputs, but got ${input.length}.`, 'input', 'array_above_max_length');
  if (isTokenArray(input)) return [{ tokens: input }];
  return input.map((item, i) => {
    if (typeof item === 'string') return { text: nonEmpty(item, `input[${i}]`) };
    if (isTokenArray(item)) return { tokens: item };
    throw wrongType(`input[${i}]`, 'a string or an array of token ids', item);
  });
}

export function parseEmbeddingsRequest(body: Body, model: ModelSpec): EmbeddingsRequest {
  const inputs = parseInputs(body.input);
  const native = model.dimensions ?? 1536;
  const dimensions = optionalInteger(body, 'dimensions', 1);
  if (dimensions !== undefined && dimensions > native) {
    throw invalidRequest(`Invalid value for 'dimensions': ${dimensions}. This model produces at most ${native} dimensions.`, 'dimensions', 'invalid_value');
  }
  return {
    inputs,
    encodingFormat: optionalEnum(body, 'encoding_format', ['float', 'base64'] as const) ?? 'float',
    dimensions: dimensions ?? native,
  };
}
