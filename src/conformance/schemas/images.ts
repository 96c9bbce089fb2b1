/** Image generation (`POST /v1/images/generations`, JSON answer). */
import { type TieredSchema, arrayOf, integer, number, object, oneOfStrings, string } from './common.ts';

const image = object({ b64_json: string, url: { type: 'string', format: 'uri' }, revised_prompt: string });

const usage = object(
  {
    input_tokens: integer,
    output_tokens: integer,
    total_tokens: integer,
    input_tokens_details: object({ text_tokens: integer, image_tokens: integer }, ['text_tokens', 'image_tokens']),
  },
  ['input_tokens', 'output_tokens', 'total_tokens', 'input_tokens_details'],
);

export const imagesResponse: TieredSchema = {
  strict: object(
    {
      created: integer,
      data: arrayOf(image),
      background: oneOfStrings(['transparent', 'opaque']),
      output_format: oneOfStrings(['png', 'webp', 'jpeg']),
      size: oneOfStrings(['1024x1024', '1024x1536', '1536x1024']),
      quality: oneOfStrings(['low', 'medium', 'high']),
      usage,
    },
    ['created'],
  ),
  // A client needs each image as a URL or as base64 data.
  lenient: object(
    {
      created: number,
      data: arrayOf({ ...object({ b64_json: string, url: string, revised_prompt: string }), anyOf: [{ required: ['b64_json'] }, { required: ['url'] }] }),
    },
    ['data'],
  ),
};
