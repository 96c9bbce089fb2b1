import { describe, expect, it } from 'vitest';
import { loadSpecValidator, prepareSchema } from '../helpers/openai-spec.ts';

const spec = loadSpecValidator();

function chatCompletion(): Record<string, any> {
  return {
    id: 'chatcmpl-123',
    object: 'chat.completion',
    created: 1_760_000_000,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
    system_fingerprint: 'fp_mock',
  };
}

function chatChunk(): Record<string, any> {
  return {
    id: 'chatcmpl-123',
    object: 'chat.completion.chunk',
    created: 1_760_000_000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    usage: null,
  };
}

function embeddingResponse(): Record<string, any> {
  return {
    object: 'list',
    model: 'text-embedding-3-small',
    data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3] }],
    usage: { prompt_tokens: 4, total_tokens: 4 },
  };
}

function errorResponse(): Record<string, any> {
  return { error: { message: 'Insufficient balance', type: 'insufficient_quota', param: null, code: 'insufficient_balance' } };
}

describe('loadSpecValidator: valid bodies pass', () => {
  it('is memoised', () => {
    expect(loadSpecValidator()).toBe(spec);
  });

  it('accepts a chat completion with a tool call', () => {
    expect(spec.validate('CreateChatCompletionResponse', chatCompletion())).toEqual([]);
  });

  it('accepts a first chunk, a finishing chunk and a usage-only chunk', () => {
    const finishing = { ...chatChunk(), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
    const usageOnly = { ...chatChunk(), choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } };
    for (const chunk of [chatChunk(), finishing, usageOnly]) {
      expect(spec.validate('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
    }
  });

  it('accepts an embeddings response', () => {
    expect(spec.validate('CreateEmbeddingResponse', embeddingResponse())).toEqual([]);
  });

  it('accepts an images response', () => {
    const images = {
      created: 1_760_000_000,
      data: [{ b64_json: 'iVBORw0KGgo=', revised_prompt: 'a red square' }, { url: 'https://example.com/a.png' }],
      output_format: 'png',
      size: '1024x1024',
      usage: {
        input_tokens: 10,
        output_tokens: 20,
        total_tokens: 30,
        input_tokens_details: { text_tokens: 10, image_tokens: 0 },
      },
    };
    expect(spec.validate('ImagesResponse', images)).toEqual([]);
  });

  it('accepts a verbose transcription (and a plain one is not a verbose one)', () => {
    const verbose = {
      task: 'transcribe',
      language: 'english',
      duration: 2.5,
      text: 'Hello world.',
      words: [
        { word: 'Hello', start: 0, end: 0.6 },
        { word: 'world', start: 0.7, end: 1.2 },
      ],
      segments: [
        {
          id: 0,
          seek: 0,
          start: 0,
          end: 1.2,
          text: 'Hello world.',
          tokens: [50364, 2425, 1002],
          temperature: 0,
          avg_logprob: -0.2,
          compression_ratio: 0.8,
          no_speech_prob: 0.01,
        },
      ],
      usage: { type: 'duration', seconds: 3 },
    };
    expect(spec.validate('CreateTranscriptionResponseVerboseJson', verbose)).toEqual([]);
    expect(spec.validate('CreateTranscriptionResponseJson', { text: 'Hello world.' })).toEqual([]);
    expect(spec.validate('CreateTranscriptionResponseVerboseJson', { text: 'Hello world.' })).toContain("/ must have required property 'duration'");
  });

  it('accepts a models list and a single model', () => {
    const model = { id: 'gpt-4o-mini', object: 'model', created: 1_700_000_000, owned_by: 'routstr' };
    expect(spec.validate('ListModelsResponse', { object: 'list', data: [model] })).toEqual([]);
    expect(spec.validate('Model', model)).toEqual([]);
  });

  it('accepts an error response', () => {
    expect(spec.validate('ErrorResponse', errorResponse())).toEqual([]);
  });
});

describe('loadSpecValidator: broken bodies fail, naming the problem', () => {
  it('reports a chunk without created', () => {
    const { created: _created, ...chunk } = chatChunk();
    expect(spec.validate('CreateChatCompletionStreamResponse', chunk)).toEqual(["/ must have required property 'created'"]);
  });

  it('reports a choice without logprobs', () => {
    const completion = chatCompletion();
    delete completion.choices[0].logprobs;
    expect(spec.validate('CreateChatCompletionResponse', completion)).toEqual(["/choices/0 must have required property 'logprobs'"]);
  });

  it('reports metadata.routstr as an object unless it is waived', () => {
    const completion = { ...chatCompletion(), metadata: { routstr: { sats_cost: 3, remaining_balance_msats: 1000 } } };
    expect(spec.validate('CreateChatCompletionResponse', completion)).toContain('/metadata/routstr must be string');
    expect(spec.validate('CreateChatCompletionResponse', completion, { waive: ['/metadata/routstr'] })).toEqual([]);
  });

  it('still reports other problems next to a waived path', () => {
    const completion = chatCompletion();
    completion.metadata = { routstr: { sats_cost: 3 }, note: 42 };
    delete completion.choices[0].logprobs;
    expect(spec.validate('CreateChatCompletionResponse', completion, { waive: ['/metadata/routstr'] })).toEqual(
      expect.arrayContaining(['/metadata/note must be string', "/choices/0 must have required property 'logprobs'"]),
    );
  });

  it('waives a required property that is missing', () => {
    const { created: _created, ...chunk } = chatChunk();
    expect(spec.validate('CreateChatCompletionStreamResponse', chunk, { waive: ['/created'] })).toEqual([]);
  });

  it('reports tool call arguments given as an object instead of a JSON string', () => {
    const completion = chatCompletion();
    completion.choices[0].message.tool_calls[0].function.arguments = { city: 'Oslo' };
    expect(spec.validate('CreateChatCompletionResponse', completion)).toContain('/choices/0/message/tool_calls/0/function/arguments must be string');
  });

  it('reports an embeddings response whose object is not "list"', () => {
    const embeddings = { ...embeddingResponse(), object: 'embedding_list' };
    expect(spec.validate('CreateEmbeddingResponse', embeddings)).toEqual(['/object must be equal to one of the allowed values ["list"]']);
  });

  it('reports an error without param, and an integer code', () => {
    const { param: _param, ...withoutParam } = errorResponse().error;
    expect(spec.validate('ErrorResponse', { error: withoutParam })).toEqual(["/error must have required property 'param'"]);
    const integerCode = { error: { ...errorResponse().error, code: 402 } };
    expect(spec.validate('ErrorResponse', integerCode)).toContain('/error/code must be string');
  });

  it('reports a non-integer unixtime', () => {
    expect(spec.validate('Model', { id: 'm', object: 'model', created: 1.5, owned_by: 'x' })).toContain('/created must be integer');
  });

  it('throws on an unknown schema name', () => {
    expect(() => spec.validate('NoSuchSchema', {})).toThrow(/NoSuchSchema/);
  });
});

describe('prepareSchema', () => {
  it('rewrites nullable next to $ref and enum into anyOf with null, dropping annotations', () => {
    expect(prepareSchema({ $ref: '#/components/schemas/CompletionUsage', nullable: true, description: 'usage' })).toEqual({
      anyOf: [{ $ref: '#/components/schemas/CompletionUsage' }, { type: 'null' }],
    });
    expect(prepareSchema({ type: 'string', enum: ['stop'], nullable: true, 'x-stainless-const': true })).toEqual({
      anyOf: [{ type: 'string', enum: ['stop'] }, { type: 'null' }],
    });
  });

  it('rewrites OAS 3.0 boolean exclusive bounds', () => {
    expect(prepareSchema({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 2 })).toEqual({
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 2,
    });
  });

  it('leaves property names that look like keywords alone', () => {
    const schema = { type: 'object', properties: { description: { type: 'string', description: 'text' } } };
    expect(prepareSchema(schema)).toEqual({ type: 'object', properties: { description: { type: 'string' } } });
  });
});
