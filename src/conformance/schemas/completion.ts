/** Legacy text completions (`POST /v1/completions`). */
import {
  type TieredSchema,
  arrayOf,
  completionUsageLenient,
  completionUsageStrict,
  constant,
  integer,
  mapOf,
  number,
  object,
  oneOfStrings,
  orNull,
  string,
} from './common.ts';

const legacyLogprobs = orNull(
  object({
    text_offset: arrayOf(integer),
    token_logprobs: arrayOf(number),
    tokens: arrayOf(string),
    top_logprobs: arrayOf(mapOf(number)),
  }),
);

export const textCompletion: TieredSchema = {
  strict: object(
    {
      id: string,
      object: constant('text_completion'),
      created: integer,
      model: string,
      system_fingerprint: string,
      choices: arrayOf(
        object({ text: string, index: integer, logprobs: legacyLogprobs, finish_reason: oneOfStrings(['stop', 'length', 'content_filter']) }, [
          'text',
          'index',
          'logprobs',
          'finish_reason',
        ]),
      ),
      usage: completionUsageStrict,
    },
    ['id', 'object', 'created', 'model', 'choices'],
  ),
  lenient: object(
    {
      id: string,
      object: constant('text_completion'),
      created: number,
      choices: arrayOf(object({ text: string, index: integer, finish_reason: { type: ['string', 'null'] } }, ['text'])),
      usage: orNull(completionUsageLenient),
    },
    ['choices'],
  ),
};
