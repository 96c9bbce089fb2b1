/**
 * JSON Schema (2020-12) of a scenario file, version 1. Published by `routstr-mock scenario schema`
 * for editors; the loader validates every file against it before anything is applied.
 */

import { MAX_ACCOUNT_MSATS } from '../payment/limits.ts';
import { FINGERPRINT_PATTERN } from '../record/fingerprint.ts';

const nonNegativeInt = { type: 'integer', minimum: 0 } as const;

/** setTimeout's limit (2^31 − 1 ms, ~24.8 days): a longer delay fires at once instead, with a warning. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** A delay that reaches a timer. */
const delayMs = { type: 'integer', minimum: 0, maximum: MAX_DELAY_MS } as const;

/** An HTTP header name (RFC 9110 token): Node refuses anything else when the answer is sent. */
export const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

/** An HTTP header value Node sends: Latin-1 without control characters (tab allowed), so no CR/LF. */
export const HEADER_VALUE_PATTERN = '^[\\t\\x20-\\x7e\\x80-\\xff]*$';

/** Response headers a scenario sets (faults, recordings). */
const responseHeaders = {
  type: 'object',
  propertyNames: { pattern: HEADER_NAME_PATTERN },
  additionalProperties: { type: 'string', pattern: HEADER_VALUE_PATTERN },
} as const;

/** Statuses a scenario can answer with: a 1xx is not a final answer (the client waits for another one). */
/**
 * Prices and token counts small enough that every cost the node works out (tokens × price) stays
 * an exact integer of msats: at most 10^8 tokens × 10^9 sats per million = 10^14 msats.
 */
const tokenCount = { type: 'integer', minimum: 1, maximum: 100_000_000 } as const;
const satsPerMillion = { type: 'number', minimum: 0, maximum: 1_000_000_000 } as const;
const answerStatus = { type: 'integer', minimum: 200, maximum: 599 } as const;

const modelSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, description: 'Model id clients send, e.g. gpt-4o-mini.' },
    name: { type: 'string' },
    description: { type: 'string' },
    kind: { enum: ['chat', 'embedding', 'image', 'transcription', 'speech'], default: 'chat' },
    created: nonNegativeInt,
    owned_by: { type: 'string' },
    sats_per_million_tokens: {
      type: 'object',
      additionalProperties: false,
      required: ['prompt', 'completion'],
      properties: { prompt: satsPerMillion, completion: satsPerMillion },
    },
    context_length: tokenCount,
    max_completion_tokens: tokenCount,
    dimensions: { type: 'integer', minimum: 1, maximum: 16384, description: 'Embedding models: vector size.' },
    tokenizer: { enum: ['cl100k_base', 'o200k_base'] },
    aliases: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
} as const;

const keySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'balance_msats'],
  properties: {
    key: { type: 'string', pattern: '^sk-.+', description: 'API key clients send as Bearer.' },
    balance_msats: { ...nonNegativeInt, maximum: MAX_ACCOUNT_MSATS, description: 'Starting balance in millisats (at most 2^40, what the node holds exactly).' },
  },
} as const;

/** A string compared as documented per field, or `/regex/flags`. */
const text = { type: 'string', minLength: 1 } as const;

const whenSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { ...text, description: 'Request path, with or without /v1 (e.g. /chat/completions), or /regex/.' },
    method: text,
    model: { ...text, description: 'Model id (case-insensitive) or /regex/.' },
    key: { ...text, description: 'The Bearer credential or X-Cashu token, exactly, or /regex/.' },
    header: { type: 'object', additionalProperties: text, description: 'Header name → exact value or /regex/.' },
    stream: { type: 'boolean' },
    message: { ...text, description: 'Last user message: case-insensitive substring or /regex/.' },
    system: { ...text, description: 'System prompt: case-insensitive substring or /regex/.' },
    tools: { type: 'array', items: text, description: 'Tool names that must all be declared.' },
    tool_result: { type: 'boolean', description: 'The request carries a tool result message.' },
    nth: {
      description: 'The Nth matching request, or every/first/after counters.',
      oneOf: [
        { type: 'integer', minimum: 1 },
        {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { every: { type: 'integer', minimum: 1 }, first: { type: 'integer', minimum: 1 }, after: { type: 'integer', minimum: 0 } },
        },
      ],
    },
    probability: { type: 'number', minimum: 0, maximum: 1, description: 'Seeded: the same seed gives the same decisions.' },
    window: {
      type: 'object',
      additionalProperties: false,
      properties: { from_ms: nonNegativeInt, until_ms: nonNegativeInt },
      description: 'Time window in ms since the scenario was loaded.',
    },
    fingerprint: {
      type: 'string',
      pattern: FINGERPRINT_PATTERN,
      description:
        'The normalised request key `routstr-mock record` writes: `messages=<hash> tools=<hash> format=<hash> params=<hash>` (chat) or `input=<hash> params=<hash>`; `-` for an absent part. Parts left out are not compared.',
    },
  },
} as const;

const streamPacing = {
  ttft_ms: delayMs,
  tokens_per_second: { type: 'number', minimum: 0 },
  chunk_tokens: { type: 'integer', minimum: 1 },
  jitter: { type: 'number', minimum: 0, maximum: 1 },
} as const;

const replySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    content: { type: 'string' },
    tool_calls: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: text, arguments: {} } },
    },
    finish_reason: { enum: ['stop', 'length', 'tool_calls', 'content_filter'] },
    usage: {
      type: 'object',
      additionalProperties: false,
      properties: { prompt_tokens: { ...tokenCount, minimum: 0 }, completion_tokens: { ...tokenCount, minimum: 0 } },
    },
    embedding: { type: 'array', items: { type: 'number' }, minItems: 1, maxItems: 16384 },
    delay_ms: delayMs,
    stream: { type: 'object', additionalProperties: false, properties: streamPacing },
    recorded: {
      type: 'object',
      additionalProperties: false,
      required: ['status'],
      description:
        'A recorded answer (routstr-mock record), replayed as it was: a JSON or text `body`, or the `events` of a stream. No other reply key goes with it.',
      properties: {
        status: answerStatus,
        headers: responseHeaders,
        body: { description: 'JSON (as YAML) or text.' },
        events: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['at_ms', 'data'],
            properties: {
              at_ms: {
                type: 'number',
                minimum: 0,
                maximum: MAX_DELAY_MS,
                description: 'When the event came, in ms from the request (divided by --replay-speed).',
              },
              data: { description: "The event's data: JSON (as YAML) where it parsed, else text such as [DONE]." },
            },
          },
        },
        disconnect: { type: 'boolean', description: 'The connection dropped after the last event.' },
      },
    },
  },
} as const;

/** Which parameters each fault type takes (the loader reports any other key at its position). */
export const FAULT_PARAMETERS: Record<string, readonly string[]> = {
  insufficient_balance: [],
  rate_limit: ['retry_after_s', 'retry_after_ms', 'message', 'headers'],
  timeout: ['mode', 'delay_ms', 'after_chunks'],
  upstream_error: ['status', 'message'],
  invalid_api_key: [],
  key_expired: [],
  invalid_model: [],
  disconnect: ['after_chunks'],
  malformed: ['after_chunks'],
  stream_error: ['after_chunks', 'message', 'code'],
  status: ['status', 'body', 'headers'],
};

const faultSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: Object.keys(FAULT_PARAMETERS) },
    after_chunks: nonNegativeInt,
    retry_after_s: { type: 'number', minimum: 0 },
    retry_after_ms: { type: 'number', minimum: 0 },
    mode: { enum: ['hang', 'delay'] },
    delay_ms: delayMs,
    status: answerStatus,
    message: { type: 'string' },
    code: { type: 'string' },
    body: {},
    headers: responseHeaders,
  },
} as const;

const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    when: whenSchema,
    reply: replySchema,
    fault: faultSchema,
    times: { type: 'integer', minimum: 1 },
    per: { enum: ['global', 'key', 'session'] },
  },
} as const;

export const scenarioJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://routstr-mock.dev/schema/scenario-v1.json',
  title: 'routstr-mock scenario',
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    $schema: { type: 'string' },
    version: { const: 1 },
    name: { type: 'string' },
    description: { type: 'string' },
    extends: { enum: ['default', 'none'], description: 'Sections not set come from the default scenario unless this is "none".' },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    node: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        description: { type: 'string' },
        version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+' },
        npub: { type: 'string' },
        mints: { type: 'array', items: { type: 'string', minLength: 1 } },
        http_url: { type: 'string' },
        onion_url: { type: 'string' },
        child_key_cost_msats: { ...nonNegativeInt, maximum: MAX_ACCOUNT_MSATS },
      },
    },
    btc_usd: { type: 'number', exclusiveMinimum: 0, maximum: 1e12 },
    models: { type: 'array', items: modelSchema },
    keys: { type: 'array', items: keySchema },
    stream: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...streamPacing,
        usage_chunk: { enum: ['always', 'requested'] },
        client_timeout_ms: { type: 'integer', minimum: 1, maximum: MAX_DELAY_MS },
      },
    },
    rules: { type: 'array', items: ruleSchema },
    limits: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { rpm: { type: 'integer', minimum: 1 }, tpm: { type: 'integer', minimum: 1 } },
    },
  },
} as const;
