import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '../../src/generate/audio/speech.ts';
import { type MockNode, startMockNode } from '../../src/index.ts';
import { type ResponseKind, findDeviations, validateResponse } from '../../src/conformance/schemas/validate.ts';
import { loadSpecValidator } from '../helpers/openai-spec.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const spec = loadSpecValidator();

/** The official component schema each of our kinds mirrors (base64 embeddings have none). */
const SPEC_COMPONENT: Record<Exclude<ResponseKind, 'embeddings.base64'>, string> = {
  'chat.completion': 'CreateChatCompletionResponse',
  'chat.completion.chunk': 'CreateChatCompletionStreamResponse',
  text_completion: 'CreateCompletionResponse',
  embeddings: 'CreateEmbeddingResponse',
  images: 'ImagesResponse',
  'transcription.json': 'CreateTranscriptionResponseJson',
  'transcription.verbose_json': 'CreateTranscriptionResponseVerboseJson',
  models: 'ListModelsResponse',
  error: 'ErrorResponse',
};
type SpecKind = keyof typeof SPEC_COMPONENT;

/** Our strict verdict and the official one, with the known deviations waived on both sides. */
function verdicts(kind: SpecKind, value: unknown): { ours: boolean; official: boolean; detail: string } {
  const ours = validateResponse(kind, 'strict', value);
  const official = spec.validate(SPEC_COMPONENT[kind], value, { waive: findDeviations(kind, value).map((d) => d.path) });
  return { ours: ours.valid, official: official.length === 0, detail: `ours: ${JSON.stringify(ours.errors)}; official: ${JSON.stringify(official)}` };
}

function expectAgreement(kind: SpecKind, value: unknown, expected: boolean): void {
  const v = verdicts(kind, value);
  expect(v.ours, `${kind} ${v.detail}`).toBe(v.official);
  expect(v.ours, `${kind} ${v.detail}`).toBe(expected);
}

// ---------------------------------------------------------------------------------------------------------
// Hand-written bodies

const chat = (): Json => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_760_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});
const toolChat = (): Json => {
  const c = chat();
  c.choices[0].message = {
    role: 'assistant',
    content: null,
    refusal: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
  };
  c.choices[0].finish_reason = 'tool_calls';
  return c;
};
const chunk = (): Json => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_760_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
  usage: null,
});
const usageChunk = (): Json => ({ ...chunk(), choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
const textCompletion = (): Json => ({
  id: 'cmpl-1',
  object: 'text_completion',
  created: 1_760_000_000,
  model: 'gpt-3.5-turbo-instruct',
  choices: [{ text: ' world', index: 0, logprobs: null, finish_reason: 'length' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const embeddings = (): Json => ({
  object: 'list',
  model: 'text-embedding-3-small',
  data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0] }],
  usage: { prompt_tokens: 2, total_tokens: 2 },
});
const images = (): Json => ({ created: 1_760_000_000, data: [{ b64_json: 'iVBORw0KGgo=', revised_prompt: 'a cat' }] });
const verbose = (): Json => ({
  language: 'english',
  duration: 1.5,
  text: 'Hi there.',
  words: [{ word: 'Hi', start: 0, end: 0.4 }],
  segments: [
    { id: 0, seek: 0, start: 0, end: 1.2, text: 'Hi there.', tokens: [1, 2], temperature: 0, avg_logprob: -0.3, compression_ratio: 1, no_speech_prob: 0.01 },
  ],
});
const models = (): Json => ({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1_704_067_200, owned_by: 'openai' }] });
const openAiError = (): Json => ({ error: { message: 'Bad key', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });

const VALID: [SpecKind, string, Json][] = [
  ['chat.completion', 'plain', chat()],
  ['chat.completion', 'tool call', toolChat()],
  [
    'chat.completion',
    'with metadata, service tier, usage details',
    {
      ...chat(),
      metadata: { trace: 'x' },
      service_tier: 'default',
      system_fingerprint: 'fp',
      usage: { ...chat().usage, prompt_tokens_details: { cached_tokens: 0 } },
    },
  ],
  [
    'chat.completion',
    'with logprobs',
    {
      ...chat(),
      choices: [{ ...chat().choices[0], logprobs: { content: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: [] }], refusal: null } }],
    },
  ],
  ['chat.completion', 'metadata null, extra vendor field', { ...chat(), metadata: null, provider: 'x' }],
  ['chat.completion.chunk', 'first', chunk()],
  ['chat.completion.chunk', 'finishing', { ...chunk(), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }],
  ['chat.completion.chunk', 'usage-only', usageChunk()],
  [
    'chat.completion.chunk',
    'tool-call delta',
    { ...chunk(), choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }, finish_reason: null }] },
  ],
  ['text_completion', 'plain', textCompletion()],
  ['embeddings', 'float', embeddings()],
  ['images', 'b64', images()],
  [
    'images',
    'url, gpt-image fields',
    {
      created: 1,
      data: [{ url: 'https://example.com/a.png' }],
      size: '1024x1536',
      output_format: 'png',
      usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3, input_tokens_details: { text_tokens: 1, image_tokens: 0 } },
    },
  ],
  ['transcription.json', 'text only', { text: 'Hi.' }],
  ['transcription.json', 'with usage', { text: 'Hi.', usage: { type: 'duration', seconds: 2 } }],
  ['transcription.verbose_json', 'words and segments', verbose()],
  ['models', 'plain', models()],
  ['models', 'empty', { object: 'list', data: [] }],
  ['error', 'OpenAI envelope', openAiError()],
  ['error', 'null code', { error: { ...openAiError().error, code: null } }],
];

const BROKEN: [SpecKind, string, Json][] = [
  ['chat.completion', 'no id', (({ id: _, ...rest }) => rest)(chat())],
  ['chat.completion', 'no choices', (({ choices: _, ...rest }) => rest)(chat())],
  ['chat.completion', 'wrong object', { ...chat(), object: 'chat.completion.chunk' }],
  ['chat.completion', 'created as a float', { ...chat(), created: 1_760_000_000.5 }],
  ['chat.completion', 'created as a string', { ...chat(), created: '1760000000' }],
  [
    'chat.completion',
    'arguments as an object',
    (() => {
      const c = toolChat();
      c.choices[0].message.tool_calls[0].function.arguments = { city: 'Oslo' };
      return c;
    })(),
  ],
  [
    'chat.completion',
    'no logprobs',
    (() => {
      const c = chat();
      delete c.choices[0].logprobs;
      return c;
    })(),
  ],
  [
    'chat.completion',
    'no refusal',
    (() => {
      const c = chat();
      delete c.choices[0].message.refusal;
      return c;
    })(),
  ],
  [
    'chat.completion',
    'role user',
    (() => {
      const c = chat();
      c.choices[0].message.role = 'user';
      return c;
    })(),
  ],
  [
    'chat.completion',
    'bad finish_reason',
    (() => {
      const c = chat();
      c.choices[0].finish_reason = 'done';
      return c;
    })(),
  ],
  ['chat.completion', 'usage as strings', { ...chat(), usage: { prompt_tokens: '3', completion_tokens: 2, total_tokens: 5 } }],
  [
    'chat.completion',
    'tool call type custom without custom',
    (() => {
      const c = toolChat();
      c.choices[0].message.tool_calls[0].type = 'custom';
      return c;
    })(),
  ],
  ['chat.completion.chunk', 'no finish_reason', { ...chunk(), choices: [{ index: 0, delta: {} }] }],
  ['chat.completion.chunk', 'wrong object', { ...chunk(), object: 'chat.completion' }],
  ['chat.completion.chunk', 'created as a float', { ...chunk(), created: 1.5 }],
  [
    'chat.completion.chunk',
    'tool-call delta without index',
    { ...chunk(), choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: '{}' } }] }, finish_reason: null }] },
  ],
  [
    'text_completion',
    'no text',
    (() => {
      const c = textCompletion();
      delete c.choices[0].text;
      return c;
    })(),
  ],
  ['text_completion', 'wrong object', { ...textCompletion(), object: 'chat.completion' }],
  ['embeddings', 'no usage', (({ usage: _, ...rest }) => rest)(embeddings())],
  ['embeddings', 'vector of strings', { ...embeddings(), data: [{ object: 'embedding', index: 0, embedding: ['0.1'] }] }],
  ['embeddings', 'base64 vector', { ...embeddings(), data: [{ object: 'embedding', index: 0, embedding: 'AAAAAA==' }] }],
  ['images', 'no created', { data: images().data }],
  ['images', 'created as a float', { ...images(), created: 1.5 }],
  ['transcription.json', 'no text', { language: 'english' }],
  ['transcription.verbose_json', 'plain json body', { text: 'Hi.' }],
  ['transcription.verbose_json', 'duration as a string', { ...verbose(), duration: '1.5' }],
  [
    'transcription.verbose_json',
    'segment without tokens',
    (() => {
      const v = verbose();
      delete v.segments[0].tokens;
      return v;
    })(),
  ],
  ['models', 'no object', { data: models().data }],
  ['models', 'model object wrong', { object: 'list', data: [{ ...models().data[0], object: 'engine' }] }],
  ['models', 'model without created', { object: 'list', data: [{ id: 'm', object: 'model', owned_by: 'x' }] }],
  ['error', 'no message', { error: { type: 'x', param: null, code: null } }],
  ['error', 'detail only', { detail: 'Invalid authentication token format' }],
  ['error', 'code as an object', { error: { ...openAiError().error, code: { http: 400 } } }],
];

describe('strict schemas agree with the official spec', () => {
  it.each(VALID)('%s (%s) is valid under both', (kind, _label, value) => {
    expectAgreement(kind, value, true);
  });

  it.each(BROKEN)('%s (%s) is invalid under both', (kind, _label, value) => {
    expectAgreement(kind, value, false);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Real mock output

describe('strict schemas agree with the official spec on real mock output', () => {
  let node: MockNode;
  const headers = { authorization: 'Bearer sk-test' };
  const postJson = async (path: string, body: unknown): Promise<Response> =>
    fetch(`${node.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    node = await startMockNode({ port: 0, scenario: { version: 1, stream: { ttft_ms: 0, tokens_per_second: 0 } } });
  });
  afterAll(() => node.close());

  const messages = [{ role: 'user', content: 'Say hello' }];

  it('chat completion', async () => {
    const body = await (await postJson('/chat/completions', { model: 'gpt-4o-mini', messages })).json();
    expectAgreement('chat.completion', body, true);
    expect(validateResponse('chat.completion', 'lenient', body).valid).toBe(true);
  });

  it('stream chunks', async () => {
    const text = await (await postJson('/chat/completions', { model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } })).text();
    const payloads = text
      .split('\n\n')
      .flatMap((block) =>
        block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6)),
      )
      .filter((data) => data !== '[DONE]');
    expect(payloads.length).toBeGreaterThan(2);
    for (const data of payloads) {
      const chunkBody: unknown = JSON.parse(data);
      expectAgreement('chat.completion.chunk', chunkBody, true);
      expect(validateResponse('chat.completion.chunk', 'lenient', chunkBody).valid).toBe(true);
    }
  });

  it('legacy text completion', async () => {
    const body = await (await postJson('/completions', { model: 'gpt-4o-mini', prompt: 'Once upon a time' })).json();
    expectAgreement('text_completion', body, true);
  });

  it('embedding (float) and embedding (base64)', async () => {
    const floats = await (await postJson('/embeddings', { model: 'text-embedding-3-small', input: 'hello' })).json();
    expectAgreement('embeddings', floats, true);
    const base64 = await (await postJson('/embeddings', { model: 'text-embedding-3-small', input: 'hello', encoding_format: 'base64' })).json();
    expect(validateResponse('embeddings.base64', 'strict', base64)).toEqual({ valid: true, errors: [], breaking: [], deviations: [] });
    expect(validateResponse('embeddings', 'strict', base64).valid).toBe(false);
    expect(validateResponse('embeddings.base64', 'strict', floats).valid).toBe(false);
  });

  it('image (b64_json)', async () => {
    const body = await (await postJson('/images/generations', { model: 'dall-e-3', prompt: 'A lighthouse', response_format: 'b64_json' })).json();
    expectAgreement('images', body, true);
    expect(validateResponse('images', 'lenient', body).valid).toBe(true);
  });

  it('verbose transcription', async () => {
    const form = new FormData();
    form.append('model', 'whisper-1');
    form.append('response_format', 'verbose_json');
    form.append('timestamp_granularities[]', 'word');
    form.append('timestamp_granularities[]', 'segment');
    form.append(
      'file',
      new Blob([Uint8Array.from((await synthesizeSpeech('Testing the transcription endpoint', 3, 'wav')).bytes)], { type: 'audio/wav' }),
      'clip.wav',
    );
    const res = await fetch(`${node.url}/audio/transcriptions`, { method: 'POST', headers, body: form });
    expect(res.status).toBe(200);
    const body = await res.json();
    expectAgreement('transcription.verbose_json', body, true);
    // A verbose body also satisfies the plain json schema: that is why the kind follows the requested format.
    expectAgreement('transcription.json', body, true);
  });

  it('models list', async () => {
    const body = await (await fetch(`${node.url}/models`, { headers })).json();
    expectAgreement('models', body, true);
    expect(validateResponse('models', 'lenient', body).valid).toBe(true);
  });

  it('error body', async () => {
    const body = await (await postJson('/chat/completions', { model: 'no-such-model', messages })).json();
    const { ours, official } = verdicts('error', body);
    expect(ours).toBe(official);
    expect(validateResponse('error', 'lenient', body).valid).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Deviations

describe('known Routstr deviations are named and do not fail the strict tier', () => {
  const routstrMetadata = { routstr: { cost: { total_msats: 7 }, sats_cost: 0, remaining_balance_msats: 99_993 } };

  it('metadata.routstr on a chat completion', () => {
    const body = { ...chat(), metadata: routstrMetadata, cost: { total_msats: 7 } };
    expect(validateResponse('chat.completion', 'strict', body)).toEqual({ valid: true, errors: [], breaking: [], deviations: ['metadata.routstr'] });
    expect(spec.validate('CreateChatCompletionResponse', body)).not.toEqual([]);
    // Only the waived value is excused: other metadata values must still be strings.
    const mixed = { ...body, metadata: { ...routstrMetadata, other: 1 } };
    expect(validateResponse('chat.completion', 'strict', mixed)).toMatchObject({
      valid: false,
      errors: ['/metadata/other must be string'],
      deviations: ['metadata.routstr'],
    });
  });

  it('a usage-only chunk without created', () => {
    const body: Json = { ...usageChunk(), metadata: routstrMetadata };
    delete body.created;
    expect(validateResponse('chat.completion.chunk', 'strict', body)).toEqual({
      valid: true,
      errors: [],
      breaking: [],
      deviations: ['metadata.routstr', 'chunk.created'],
    });
    expect(spec.validate('CreateChatCompletionStreamResponse', body)).toContain("/ must have required property 'created'");
    // A content chunk without created is not the known deviation.
    const { created: __, ...content } = chunk();
    expect(validateResponse('chat.completion.chunk', 'strict', content)).toEqual({
      valid: false,
      errors: ["/ must have required property 'created'"],
      breaking: [],
      deviations: [],
    });
    expect(validateResponse('chat.completion.chunk', 'lenient', content).valid).toBe(true);
  });

  it('an error without param (Routstr 402), also with detail and request_id', () => {
    const error = { message: 'Insufficient balance', type: 'insufficient_quota', code: 'insufficient_balance' };
    for (const body of [{ error }, { error, request_id: 'r1' }, { detail: error, error, request_id: 'r1' }]) {
      expect(validateResponse('error', 'strict', body)).toEqual({ valid: true, errors: [], breaking: [], deviations: ['error.param'] });
      expect(validateResponse('error', 'lenient', body).valid).toBe(true);
      expect(spec.validate('ErrorResponse', body)).toContain("/error must have required property 'param'");
    }
  });

  it('an integer error code', () => {
    const body = { error: { message: "Model 'x' not found", type: 'invalid_model', param: null, code: 400 }, request_id: 'r1' };
    expect(validateResponse('error', 'strict', body)).toEqual({ valid: true, errors: [], breaking: [], deviations: ['error.code.integer'] });
    expect(spec.validate('ErrorResponse', body)).not.toEqual([]);
  });

  it('models without object and owned_by', () => {
    const body = {
      object: 'list',
      data: [
        { id: 'a', created: 1 },
        { id: 'b', object: 'model', created: 1, owned_by: 'x' },
      ],
    };
    expect(validateResponse('models', 'strict', body)).toEqual({ valid: true, errors: [], breaking: [], deviations: ['models.object', 'models.owned_by'] });
    expect(spec.validate('ListModelsResponse', body)).not.toEqual([]);
    expect(findDeviations('models', body).map((d) => d.path)).toEqual(['/data/0/object', '/data/0/owned_by']);
  });
});

describe('lenient tier: what the SDK needs', () => {
  it('accepts what only the spec requires (logprobs, refusal, created on chunks, param)', () => {
    const c = chat();
    delete c.choices[0].logprobs;
    delete c.choices[0].message.refusal;
    expect(validateResponse('chat.completion', 'strict', c).valid).toBe(false);
    expect(validateResponse('chat.completion', 'lenient', c)).toEqual({ valid: true, errors: [], breaking: [], deviations: [] });
    expect(validateResponse('models', 'lenient', { data: [{ id: 'm' }] }).valid).toBe(true);
    expect(validateResponse('error', 'lenient', { detail: { reason: 'Insufficient balance' }, request_id: 'r' }).valid).toBe(true);
  });

  it('tells strict errors that break typed clients (wrong types) from missing fields', () => {
    const missing = chat();
    delete missing.choices[0].message.refusal;
    expect(validateResponse('chat.completion', 'strict', missing)).toMatchObject({ valid: false, breaking: [] });
    const float = { ...chat(), created: 1717171717.48 };
    expect(validateResponse('chat.completion', 'strict', float).breaking).toEqual(['/created must be integer']);
  });

  it('still rejects what breaks clients', () => {
    const c = toolChat();
    c.choices[0].message.tool_calls[0].function.arguments = { city: 'Oslo' };
    expect(validateResponse('chat.completion', 'lenient', c).errors).toEqual(['/choices/0/message/tool_calls/0/function/arguments must be string']);
    expect(validateResponse('chat.completion.chunk', 'lenient', { ...chunk(), choices: [{ delta: {} }] }).valid).toBe(false);
    expect(validateResponse('images', 'lenient', { created: 1, data: [{ revised_prompt: 'x' }] }).valid).toBe(false);
    expect(validateResponse('error', 'lenient', { detail: 'Invalid authentication token format' }).valid).toBe(false);
    expect(validateResponse('transcription.json', 'lenient', {}).valid).toBe(false);
  });
});
