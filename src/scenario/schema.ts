/**
 * JSON Schema (2020-12) of a scenario file, version 1. Published by `routstr-mock scenario schema`
 * for editors; the loader validates every file against it before anything is applied.
 */

const nonNegativeInt = { type: 'integer', minimum: 0 } as const;

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
      properties: { prompt: { type: 'number', minimum: 0 }, completion: { type: 'number', minimum: 0 } },
    },
    context_length: { type: 'integer', minimum: 1 },
    max_completion_tokens: { type: 'integer', minimum: 1 },
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
    balance_msats: { ...nonNegativeInt, description: 'Starting balance in millisats.' },
  },
} as const;

const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    when: { type: 'object' },
    reply: { type: 'object' },
    fault: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
    times: { type: 'integer', minimum: 1 },
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
        child_key_cost_msats: nonNegativeInt,
      },
    },
    btc_usd: { type: 'number', exclusiveMinimum: 0 },
    models: { type: 'array', items: modelSchema },
    keys: { type: 'array', items: keySchema },
    stream: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ttft_ms: nonNegativeInt,
        tokens_per_second: { type: 'number', minimum: 0 },
        chunk_tokens: { type: 'integer', minimum: 1 },
        usage_chunk: { enum: ['always', 'requested'] },
      },
    },
    rules: { type: 'array', items: ruleSchema },
  },
} as const;
