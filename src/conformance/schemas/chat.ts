/** Chat completions: the JSON response and one streamed chunk (`data:` payload). */
import {
  type TieredSchema,
  arrayOf,
  completionUsageLenient,
  completionUsageStrict,
  constant,
  integer,
  nullableString,
  number,
  object,
  oneOfStrings,
  orNull,
  string,
} from './common.ts';

export const FINISH_REASONS = ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'] as const;
const SERVICE_TIERS = ['auto', 'default', 'flex', 'scale', 'priority', 'fast'] as const;

const tokenLogprob = object(
  {
    token: string,
    logprob: number,
    bytes: orNull(arrayOf(integer)),
    top_logprobs: arrayOf(object({ token: string, logprob: number, bytes: orNull(arrayOf(integer)) }, ['token', 'logprob', 'bytes'])),
  },
  ['token', 'logprob', 'bytes', 'top_logprobs'],
);

/** `{content, refusal}`, both present (arrays or null), or null. */
const choiceLogprobs = orNull(object({ content: orNull(arrayOf(tokenLogprob)), refusal: orNull(arrayOf(tokenLogprob)) }, ['content', 'refusal']));

const functionToolCall = object({ id: string, type: constant('function'), function: object({ name: string, arguments: string }, ['name', 'arguments']) }, [
  'id',
  'type',
  'function',
]);
const customToolCall = object({ id: string, type: constant('custom'), custom: object({ name: string, input: string }, ['name', 'input']) }, [
  'id',
  'type',
  'custom',
]);

const annotation = object(
  {
    type: constant('url_citation'),
    url_citation: object({ start_index: integer, end_index: integer, url: { type: 'string', format: 'uri' }, title: string }, [
      'start_index',
      'end_index',
      'url',
      'title',
    ]),
  },
  ['type', 'url_citation'],
);

const responseMessage = object(
  {
    role: constant('assistant'),
    content: nullableString,
    refusal: nullableString,
    tool_calls: arrayOf({ anyOf: [functionToolCall, customToolCall] }),
    annotations: arrayOf(annotation),
    audio: orNull(object({ id: string, expires_at: integer, data: string, transcript: string }, ['id', 'expires_at', 'data', 'transcript'])),
    function_call: object({ name: string, arguments: string }, ['name', 'arguments']),
  },
  ['role', 'content', 'refusal'],
);

const commonTopLevel = {
  id: string,
  created: integer,
  model: string,
  service_tier: oneOfStrings(SERVICE_TIERS, true),
  system_fingerprint: string,
};

export const chatCompletion: TieredSchema = {
  strict: object(
    {
      ...commonTopLevel,
      object: constant('chat.completion'),
      choices: arrayOf(
        object({ index: integer, message: responseMessage, finish_reason: oneOfStrings(FINISH_REASONS), logprobs: choiceLogprobs }, [
          'index',
          'message',
          'finish_reason',
          'logprobs',
        ]),
      ),
      usage: completionUsageStrict,
      // String values only (or null); a flat type union keeps errors at the offending key.
      metadata: { type: ['object', 'null'], additionalProperties: string },
    },
    ['id', 'object', 'created', 'model', 'choices'],
  ),
  // What a client reads: the message text or tool calls (arguments as a JSON string it can parse) and why it stopped.
  lenient: object(
    {
      id: string,
      object: constant('chat.completion'),
      created: number,
      model: string,
      choices: arrayOf(
        object(
          {
            index: integer,
            message: object({
              role: constant('assistant'),
              content: nullableString,
              refusal: nullableString,
              tool_calls: arrayOf(object({ id: string, function: object({ name: string, arguments: string }, ['name', 'arguments']) }, ['id', 'function'])),
            }),
            finish_reason: { type: ['string', 'null'] },
          },
          ['message'],
        ),
      ),
      usage: orNull(completionUsageLenient),
    },
    ['choices'],
  ),
};

const toolCallDelta = object({ index: integer, id: string, type: constant('function'), function: object({ name: string, arguments: string }) }, ['index']);

const delta = object({
  role: oneOfStrings(['developer', 'system', 'user', 'assistant', 'tool']),
  content: nullableString,
  refusal: nullableString,
  tool_calls: arrayOf(toolCallDelta),
  function_call: object({ name: string, arguments: string }),
});

export const chatCompletionChunk: TieredSchema = {
  strict: object(
    {
      ...commonTopLevel,
      object: constant('chat.completion.chunk'),
      choices: arrayOf(
        object({ index: integer, delta, logprobs: choiceLogprobs, finish_reason: oneOfStrings(FINISH_REASONS, true) }, ['index', 'delta', 'finish_reason']),
      ),
      usage: orNull(completionUsageStrict),
      obfuscation: string,
    },
    ['id', 'object', 'created', 'model', 'choices'],
  ),
  // The SDK's stream helper merges deltas by choice index and tool calls by their index.
  lenient: object(
    {
      id: string,
      object: constant('chat.completion.chunk'),
      created: number,
      model: string,
      choices: arrayOf(
        object(
          {
            index: integer,
            delta: object({
              content: nullableString,
              tool_calls: arrayOf(object({ index: integer, function: object({ name: string, arguments: string }) }, ['index'])),
            }),
            finish_reason: { type: ['string', 'null'] },
          },
          ['index', 'delta'],
        ),
      ),
      usage: orNull(completionUsageLenient),
    },
    ['choices'],
  ),
};
