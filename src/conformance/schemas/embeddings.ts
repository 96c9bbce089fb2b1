/**
 * Embeddings. The spec models only float vectors; `encoding_format: "base64"` answers carry each vector as
 * a base64 string of little-endian float32s, checked by its own schema pair.
 */
import { type JsonSchema, type TieredSchema, arrayOf, constant, integer, object, string } from './common.ts';

const BASE64 = '^[A-Za-z0-9+/]*={0,2}$';

function embeddingsResponse(vector: JsonSchema): TieredSchema {
  return {
    strict: object(
      {
        object: constant('list'),
        model: string,
        data: arrayOf(object({ index: integer, object: constant('embedding'), embedding: vector }, ['index', 'object', 'embedding'])),
        usage: object({ prompt_tokens: integer, total_tokens: integer }, ['prompt_tokens', 'total_tokens']),
      },
      ['object', 'model', 'data', 'usage'],
    ),
    // The SDK hands `data[i].embedding` to the caller (decoding base64 itself when it asked for it); the rest is informational.
    lenient: object({ data: arrayOf(object({ index: integer, embedding: vector }, ['embedding'])) }, ['data']),
  };
}

export const embeddingsFloat = embeddingsResponse(arrayOf({ type: 'number' }));
export const embeddingsBase64 = embeddingsResponse({ type: 'string', pattern: BASE64 });
