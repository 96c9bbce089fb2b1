import OpenAI, { APIError, BadRequestError, NotFoundError, toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/generate/audio/wav.ts';
import { type MockNode, startMockNode } from '../../src/index.ts';
import { type TestNode, startTestNode } from '../helpers/node.ts';
import { prng } from '../helpers/fuzz-arbitraries.ts';
import { type FuzzNode, spawnFuzzNode } from '../helpers/fuzz-runner.ts';

/**
 * Bad input of every kind gets a clear 4xx in one of the node's error envelopes: never a 500, a
 * hang or a crash. Shapes follow routstr-node-api.md §3; SDK classes follow conformance-anchors §2.4.
 */

let t: TestNode;
let base: string;

beforeAll(async () => {
  t = await startTestNode();
  base = t.node.url;
});
afterAll(() => t.close());

type Json = Record<string, unknown>;

const JSON_ENDPOINTS = ['/chat/completions', '/completions', '/embeddings', '/images/generations', '/audio/speech'] as const;
type JsonEndpoint = (typeof JSON_ENDPOINTS)[number];

/** A body each JSON endpoint answers with 200. */
const VALID: Record<JsonEndpoint, () => Json> = {
  '/chat/completions': () => ({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello' },
    ],
    max_tokens: 20,
    temperature: 0.5,
  }),
  '/completions': () => ({ model: 'gpt-4o-mini', prompt: 'Say hello', max_tokens: 8, temperature: 0.5 }),
  '/embeddings': () => ({ model: 'text-embedding-3-small', input: ['hello', 'world'], dimensions: 8 }),
  '/images/generations': () => ({ model: 'dall-e-3', prompt: 'A lighthouse at dusk', size: '1024x1024', n: 1 }),
  '/audio/speech': () => ({ model: 'tts-1', input: 'Hello there.', voice: 'alloy', response_format: 'wav', speed: 1 }),
};

/** One second of silence as a WAV file, a valid upload for the transcription endpoint. */
const WAV = encodeWav(new Int16Array(16_000), 16_000);

/** POSTs raw bytes or JSON; a 5 s cap turns a hang into a failure instead of a timeout of the whole file. */
async function send(
  path: string,
  body: string | Buffer | Json | unknown[] | undefined,
  contentType: string | null = 'application/json',
  method = 'POST',
  root = base,
): Promise<Response> {
  const headers: Record<string, string> = { authorization: 'Bearer sk-test' };
  if (contentType) headers['content-type'] = contentType;
  const payload = body === undefined || typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
  return fetch(`${root}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(5000) });
}

/**
 * Checks what every error response must have: the status, a JSON content type, the request id
 * header, and a readable `error` (an object with a message and a type, or Routstr's bare string).
 */
async function expectError(res: Response, status: number): Promise<Json> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const requestId = res.headers.get('x-routstr-request-id');
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  const body = JSON.parse(text) as Json;
  if ('request_id' in body) expect(body.request_id).toBe(requestId);
  if ('error' in body) {
    const error = body.error;
    if (typeof error === 'string') {
      expect(error.length).toBeGreaterThan(0);
    } else {
      const e = error as Json;
      expect(typeof e.message).toBe('string');
      expect((e.message as string).length).toBeGreaterThan(0);
      expect(typeof e.type).toBe('string');
      expect((e.type as string).length).toBeGreaterThan(0);
    }
  } else {
    expect(body.detail).toBeDefined();
  }
  return body;
}

/** A 400 `invalid_request_error` naming the parameter, as an OpenAI upstream sends it. */
async function expectInvalid(res: Response, param: string | null, code?: string): Promise<Json> {
  const body = await expectError(res, 400);
  const error = body.error as Json;
  expect(error.type).toBe('invalid_request_error');
  expect(error.param).toBe(param);
  if (code !== undefined) expect(error.code).toBe(code);
  return body;
}

interface Part {
  name: string;
  value?: string;
  file?: { filename: string; type: string; bytes: Buffer };
}

function multipart(boundary: string, parts: Part[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = p.file ? `form-data; name="${p.name}"; filename="${p.file.filename}"` : `form-data; name="${p.name}"`;
    const type = p.file ? `\r\nContent-Type: ${p.file.type}` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`));
    chunks.push(p.file ? p.file.bytes : Buffer.from(p.value ?? ''));
    chunks.push(Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const BOUNDARY = 'routstr-mock-boundary-7f3a';
const wavPart: Part = { name: 'file', file: { filename: 'silence.wav', type: 'audio/wav', bytes: WAV } };
const sendUpload = (body: Buffer, contentType = `multipart/form-data; boundary=${BOUNDARY}`) => send('/audio/transcriptions', body, contentType);

/**
 * An SDK client whose requests to the node are counted, with retries on, to show that 4xx are not
 * retried. (For uploads the SDK first probes `fetch` with a `data:` URL; that is not an attempt.)
 */
function countingClient(root = base): { client: OpenAI; attempts: () => number } {
  let attempts = 0;
  const client = new OpenAI({
    apiKey: 'sk-test',
    baseURL: root,
    maxRetries: 2,
    fetch: (input, init) => {
      if (String(input instanceof Request ? input.url : input).startsWith(root)) attempts++;
      return fetch(input, init);
    },
  });
  return { client, attempts: () => attempts };
}

async function sdkError(call: (client: OpenAI) => Promise<unknown>): Promise<{ error: APIError; attempts: number }> {
  const { client, attempts } = countingClient();
  const error = await call(client).then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(APIError);
  return { error: error as APIError, attempts: attempts() };
}

describe('malformed and non-object JSON bodies', () => {
  const MALFORMED = [
    ['truncated', '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"'],
    ['trailing garbage', '{"model": "gpt-4o-mini"} trailing'],
    ['single quotes', "{'single': 'quotes'}"],
    ['a bare NaN', '{"model": "gpt-4o-mini", "temperature": NaN}'],
  ] as const;

  describe.each(JSON_ENDPOINTS)('%s', (path) => {
    it.each(MALFORMED)('%s → 400 invalid_json in the HTTPException envelope', async (_name, text) => {
      const body = await expectError(await send(path, text), 400);
      expect(body.detail).toEqual({ error: { message: expect.stringMatching(/JSON/), type: 'invalid_request_error', code: 'invalid_json' } });
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
    });

    it.each([
      ['an array', '[{"model": "gpt-4o-mini"}]', 'an array'],
      ['a bare number', '42', 'a number'],
      ['a bare string', '"gpt-4o-mini"', 'a string'],
      ['a boolean', 'true', 'a boolean'],
    ])('%s as the body → 400 naming what it got', async (_name, text, got) => {
      const body = await expectError(await send(path, text), 400);
      expect((body.error as Json).message).toContain(got);
    });

    it.each([
      ['no body at all', undefined, null],
      ['an empty JSON body', '', 'application/json'],
      ['a whitespace JSON body', ' \n', 'application/json'],
      ['an empty object', '{}', 'application/json'],
      ['a JSON null', 'null', 'application/json'],
    ] as const)('%s → the model is "unknown" → 400 invalid_model', async (_name, text, type) => {
      const body = await expectError(await send(path, text, type), 400);
      expect(body.error).toEqual({ message: "Model 'unknown' not found", type: 'invalid_model', param: null, code: 400 });
    });
  });

  it('malformed JSON sent to the transcription endpoint → 400 invalid_json (nodes parse the bytes first)', async () => {
    const body = await expectError(await send('/audio/transcriptions', '{"model": '), 400);
    expect(body.error).toMatchObject({ code: 'invalid_json' });
  });
});

describe('unknown model → 400 invalid_model, before anything else is checked', () => {
  it.each(JSON_ENDPOINTS)('%s', async (path) => {
    // Every other field is wrong too: the model lookup comes first, as on real nodes.
    const body = await expectError(await send(path, { model: 'x', messages: 'nope', input: 5, prompt: [], voice: 1 }), 400);
    expect(body).toEqual({ error: { message: "Model 'x' not found", type: 'invalid_model', param: null, code: 400 }, request_id: expect.any(String) });
  });

  it('/audio/transcriptions (multipart)', async () => {
    const body = await expectError(await sendUpload(multipart(BOUNDARY, [{ name: 'model', value: 'x' }, wavPart])), 400);
    expect(body).toEqual({ error: { message: "Model 'x' not found", type: 'invalid_model', param: null, code: 400 }, request_id: expect.any(String) });
  });

  it('a non-string model is "unknown"', async () => {
    const body = await expectError(await send('/chat/completions', { model: 42, messages: [{ role: 'user', content: 'hi' }] }), 400);
    expect((body.error as Json).message).toBe("Model 'unknown' not found");
  });

  it('a model of the wrong kind is a 400 naming `model`', async () => {
    await expectInvalid(await send('/embeddings', { model: 'gpt-4o-mini', input: 'hi' }), 'model', 'model_not_supported');
    await expectInvalid(
      await send('/chat/completions', { model: 'text-embedding-3-small', messages: [{ role: 'user', content: 'hi' }] }),
      'model',
      'model_not_supported',
    );
  });

  const SDK_CALLS: [string, (c: OpenAI) => Promise<unknown>][] = [
    ['chat.completions.create', (c) => c.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] })],
    ['completions.create', (c) => c.completions.create({ model: 'x', prompt: 'hi' })],
    ['embeddings.create', (c) => c.embeddings.create({ model: 'x', input: 'hi' })],
    ['images.generate', (c) => c.images.generate({ model: 'x', prompt: 'a cat' })],
    ['audio.speech.create', (c) => c.audio.speech.create({ model: 'x', input: 'hi', voice: 'alloy' })],
    ['audio.transcriptions.create', async (c) => c.audio.transcriptions.create({ model: 'x', file: await toFile(WAV, 'silence.wav', { type: 'audio/wav' }) })],
  ];

  it.each(SDK_CALLS)('the SDK raises BadRequestError from %s after exactly one attempt', async (_name, call) => {
    const { error, attempts } = await sdkError(call);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_model');
    expect(error.message).toBe("400 Model 'x' not found");
    expect(error.requestID ?? error.headers?.get('x-routstr-request-id')).toBeTruthy();
    expect(attempts).toBe(1);
  });
});

describe('Routstr’s own max_tokens pre-check', () => {
  it.each(['/chat/completions', '/completions'] as const)('%s: max_tokens 1.5 → 400 "max_tokens must be an integer"', async (path) => {
    const body = await expectError(await send(path, { ...VALID[path](), max_tokens: 1.5 }), 400);
    expect(body).toEqual({ detail: { error: 'max_tokens must be an integer' }, error: 'max_tokens must be an integer', request_id: expect.any(String) });
  });

  it('comes before the model lookup', async () => {
    const body = await expectError(await send('/chat/completions', { model: 'x', max_tokens: '10', messages: [] }), 400);
    expect(body.error).toBe('max_tokens must be an integer');
  });

  it('the SDK raises BadRequestError with the message as its text', async () => {
    const { error, attempts } = await sdkError((c) =>
      c.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 1.5, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain('max_tokens must be an integer');
    expect(attempts).toBe(1);
  });
});

describe('missing fields and wrong types → 400 invalid_request_error naming the parameter', () => {
  const chat = (extra: Json, messages: unknown = [{ role: 'user', content: 'hi' }]) => ({ model: 'gpt-4o-mini', messages, ...extra });
  const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };

  const CASES: [string, JsonEndpoint, Json, string | null][] = [
    ['messages missing', '/chat/completions', { model: 'gpt-4o-mini' }, 'messages'],
    ['messages not an array', '/chat/completions', chat({}, 'hi'), 'messages'],
    ['messages an object', '/chat/completions', chat({}, { role: 'user', content: 'hi' }), 'messages'],
    ['messages empty', '/chat/completions', chat({}, []), 'messages'],
    ['a message that is a string', '/chat/completions', chat({}, ['hi']), 'messages[0]'],
    ['a message without role', '/chat/completions', chat({}, [{ content: 'hi' }]), 'messages[0].role'],
    ['a bad role', '/chat/completions', chat({}, [{ role: 'wizard', content: 'hi' }]), 'messages[0].role'],
    ['a numeric role', '/chat/completions', chat({}, [{ role: 1, content: 'hi' }]), 'messages[0].role'],
    ['content a number', '/chat/completions', chat({}, [{ role: 'user', content: 42 }]), 'messages[0].content'],
    ['content missing', '/chat/completions', chat({}, [{ role: 'user' }]), 'messages[0].content'],
    ['content part a number', '/chat/completions', chat({}, [{ role: 'user', content: [42] }]), 'messages[0].content[0]'],
    ['content part without type', '/chat/completions', chat({}, [{ role: 'user', content: [{ text: 'hi' }] }]), 'messages[0].content[0].type'],
    [
      'content part of unknown type',
      '/chat/completions',
      chat({}, [{ role: 'user', content: [{ type: 'video', video: 'x' }] }]),
      'messages[0].content[0].type',
    ],
    ['text part without text', '/chat/completions', chat({}, [{ role: 'user', content: [{ type: 'text' }] }]), 'messages[0].content[0].text'],
    [
      'image part without url',
      '/chat/completions',
      chat({}, [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }]),
      'messages[0].content[0].image_url.url',
    ],
    ['tool message without tool_call_id', '/chat/completions', chat({}, [{ role: 'tool', content: 'sunny' }]), 'messages[0].tool_call_id'],
    ['name not a string', '/chat/completions', chat({}, [{ role: 'user', content: 'hi', name: 7 }]), 'messages[0].name'],
    [
      'tool_calls not an array',
      '/chat/completions',
      chat({}, [
        { role: 'assistant', tool_calls: 'call' },
        { role: 'user', content: 'hi' },
      ]),
      'messages[0].tool_calls',
    ],
    ['temperature "hot"', '/chat/completions', chat({ temperature: 'hot' }), 'temperature'],
    ['temperature 3', '/chat/completions', chat({ temperature: 3 }), 'temperature'],
    ['top_p 2', '/chat/completions', chat({ top_p: 2 }), 'top_p'],
    ['n 0', '/chat/completions', chat({ n: 0 }), 'n'],
    ['n "2"', '/chat/completions', chat({ n: '2' }), 'n'],
    ['max_tokens 0', '/chat/completions', chat({ max_tokens: 0 }), 'max_tokens'],
    ['max_tokens above max_completion_tokens', '/chat/completions', chat({ max_tokens: 100_000 }), 'max_tokens'],
    ['max_completion_tokens above the limit', '/chat/completions', chat({ max_completion_tokens: 100_000 }), 'max_completion_tokens'],
    ['stream "yes"', '/chat/completions', chat({ stream: 'yes' }), 'stream'],
    ['stop with 5 items', '/chat/completions', chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), 'stop'],
    ['stop a number', '/chat/completions', chat({ stop: 5 }), 'stop'],
    ['tools not an array', '/chat/completions', chat({ tools: weather }), 'tools'],
    ['a tool that is null', '/chat/completions', chat({ tools: [null] }), 'tools[0]'],
    ['a tool of the wrong type', '/chat/completions', chat({ tools: [{ type: 'retrieval' }] }), 'tools[0].type'],
    ['a tool without function', '/chat/completions', chat({ tools: [{ type: 'function' }] }), 'tools[0].function'],
    ['a tool without a name', '/chat/completions', chat({ tools: [{ type: 'function', function: { description: 'x' } }] }), 'tools[0].function.name'],
    ['a tool with a bad name', '/chat/completions', chat({ tools: [{ type: 'function', function: { name: 'get weather!' } }] }), 'tools[0].function.name'],
    [
      'tool parameters an array',
      '/chat/completions',
      chat({ tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] }),
      'tools[0].function.parameters',
    ],
    [
      'tool_choice naming an unknown function',
      '/chat/completions',
      chat({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_time' } } }),
      'tool_choice',
    ],
    ['tool_choice "always"', '/chat/completions', chat({ tools: [weather], tool_choice: 'always' }), 'tool_choice'],
    ['tool_choice without tools', '/chat/completions', chat({ tool_choice: 'auto' }), 'tool_choice'],
    ['response_format of unknown type', '/chat/completions', chat({ response_format: { type: 'xml' } }), 'response_format.type'],
    ['response_format a string', '/chat/completions', chat({ response_format: 'json' }), 'response_format'],
    [
      'json_schema without a name',
      '/chat/completions',
      chat({ response_format: { type: 'json_schema', json_schema: { schema: {} } } }),
      'response_format.json_schema.name',
    ],
    ['stream_options without stream', '/chat/completions', chat({ stream_options: { include_usage: true } }), 'stream_options'],
    ['stream_options a string', '/chat/completions', chat({ stream: true, stream_options: 'usage' }), 'stream_options'],
    ['top_logprobs without logprobs', '/chat/completions', chat({ top_logprobs: 3 }), 'top_logprobs'],
    ['reasoning_effort "max"', '/chat/completions', chat({ reasoning_effort: 'max' }), 'reasoning_effort'],

    ['prompt a number', '/completions', { model: 'gpt-4o-mini', prompt: 42 }, 'prompt'],
    ['prompt an empty array', '/completions', { model: 'gpt-4o-mini', prompt: [] }, 'prompt'],
    ['a prompt item that is an object', '/completions', { model: 'gpt-4o-mini', prompt: ['ok', {}] }, 'prompt[1]'],
    ['max_tokens above the limit', '/completions', { model: 'gpt-4o-mini', prompt: 'hi', max_tokens: 100_000 }, 'max_tokens'],
    ['temperature "hot"', '/completions', { model: 'gpt-4o-mini', prompt: 'hi', temperature: 'hot' }, 'temperature'],
    ['n 0', '/completions', { model: 'gpt-4o-mini', prompt: 'hi', n: 0 }, 'n'],
    ['stop with 5 items', '/completions', { model: 'gpt-4o-mini', prompt: 'hi', stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    ['stream_options without stream', '/completions', { model: 'gpt-4o-mini', prompt: 'hi', stream_options: { include_usage: true } }, 'stream_options'],

    ['input missing', '/embeddings', { model: 'text-embedding-3-small' }, 'input'],
    ['input an empty array', '/embeddings', { model: 'text-embedding-3-small', input: [] }, 'input'],
    ['input [{}]', '/embeddings', { model: 'text-embedding-3-small', input: [{}] }, 'input[0]'],
    ['input a number', '/embeddings', { model: 'text-embedding-3-small', input: 42 }, 'input'],
    ['dimensions too large', '/embeddings', { model: 'text-embedding-3-small', input: 'hi', dimensions: 99_999 }, 'dimensions'],
    ['dimensions 0', '/embeddings', { model: 'text-embedding-3-small', input: 'hi', dimensions: 0 }, 'dimensions'],
    ['encoding_format "hex"', '/embeddings', { model: 'text-embedding-3-small', input: 'hi', encoding_format: 'hex' }, 'encoding_format'],

    ['prompt missing', '/images/generations', { model: 'dall-e-3' }, 'prompt'],
    ['prompt empty', '/images/generations', { model: 'dall-e-3', prompt: ' ' }, 'prompt'],
    ['prompt a number', '/images/generations', { model: 'dall-e-3', prompt: 7 }, 'prompt'],
    ["size '13x'", '/images/generations', { model: 'dall-e-3', prompt: 'a cat', size: '13x' }, 'size'],
    ["size '13x' on a model without a size list", '/images/generations', { model: 'gpt-image-1', prompt: 'a cat', size: '13x' }, 'size'],
    ['n 11', '/images/generations', { model: 'dall-e-3', prompt: 'a cat', n: 11 }, 'n'],
    ['response_format "gif"', '/images/generations', { model: 'dall-e-3', prompt: 'a cat', response_format: 'gif' }, 'response_format'],

    ['voice missing', '/audio/speech', { model: 'tts-1', input: 'hi' }, 'voice'],
    ['voice unknown', '/audio/speech', { model: 'tts-1', input: 'hi', voice: 'darth' }, 'voice'],
    ['input missing', '/audio/speech', { model: 'tts-1', voice: 'alloy' }, 'input'],
    ['input too long', '/audio/speech', { model: 'tts-1', voice: 'alloy', input: 'a'.repeat(4097) }, 'input'],
    ['speed 9', '/audio/speech', { model: 'tts-1', input: 'hi', voice: 'alloy', speed: 9 }, 'speed'],
    ['speed "fast"', '/audio/speech', { model: 'tts-1', input: 'hi', voice: 'alloy', speed: 'fast' }, 'speed'],
    ['response_format "ogg"', '/audio/speech', { model: 'tts-1', input: 'hi', voice: 'alloy', response_format: 'ogg' }, 'response_format'],
  ];

  it.each(CASES)('%s (%s)', async (_name, path, body, param) => {
    await expectInvalid(await send(path, body), param);
  });

  it('the SDK surfaces the parameter of a validation error', async () => {
    const { error, attempts } = await sdkError((c) =>
      c.chat.completions.create({ model: 'gpt-4o-mini', temperature: 3, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.param).toBe('temperature');
    expect(error.type).toBe('invalid_request_error');
    expect(attempts).toBe(1);
  });
});

describe('context window', () => {
  const LONG = 'lighthouse '.repeat(9000); // ~9000 tokens: over gpt-4's 8191 and the embedding models' 8192

  it('a chat prompt longer than the context window → 400 context_length_exceeded', async () => {
    const body = await expectInvalid(
      await send('/chat/completions', { model: 'gpt-4', messages: [{ role: 'user', content: LONG }] }),
      'messages',
      'context_length_exceeded',
    );
    expect((body.error as Json).message).toMatch(/maximum context length is 8191 tokens/);
  });

  it('a chat prompt that fits, but not with max_tokens on top → 400 context_length_exceeded', async () => {
    const fits = 'lighthouse '.repeat(5000);
    await expectInvalid(
      await send('/chat/completions', { model: 'gpt-4', max_tokens: 4000, messages: [{ role: 'user', content: fits }] }),
      'messages',
      'context_length_exceeded',
    );
  });

  it('a legacy completions prompt longer than the context window → 400 context_length_exceeded', async () => {
    await expectInvalid(await send('/completions', { model: 'gpt-4', prompt: LONG, max_tokens: 5 }), 'prompt', 'context_length_exceeded');
  });

  it('an embeddings input longer than the context window → 400 context_length_exceeded', async () => {
    await expectInvalid(await send('/embeddings', { model: 'text-embedding-3-small', input: ['short', LONG] }), 'input', 'context_length_exceeded');
  });
});

describe('oversized bodies', () => {
  let small: MockNode;
  beforeAll(async () => {
    small = await startMockNode({ port: 0, bodyLimit: 1024, scenario: { version: 1 } });
  });
  afterAll(() => small.close());

  const big = (path: JsonEndpoint) => ({ ...VALID[path](), padding: 'x'.repeat(4096) });

  it.each(JSON_ENDPOINTS)('%s → 413 with a JSON envelope', async (path) => {
    const body = await expectError(await send(path, big(path), 'application/json', 'POST', small.url), 413);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large' });
    expect((body.error as Json).message).toContain('1024');
  });

  it('the limit applies to JSON sent as text/plain too', async () => {
    await expectError(await send('/chat/completions', JSON.stringify(big('/chat/completions')), 'text/plain', 'POST', small.url), 413);
  });

  it('a body under the limit still works', async () => {
    const res = await send('/chat/completions', VALID['/chat/completions'](), 'application/json', 'POST', small.url);
    expect(res.status).toBe(200);
  });

  it('the SDK raises a plain APIError (413 has no class of its own), with no retry', async () => {
    const { client, attempts } = countingClient(small.url);
    const error = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x'.repeat(4096) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).not.toBeInstanceOf(BadRequestError);
    expect((error as APIError).status).toBe(413);
    expect(attempts()).toBe(1);
  });
});

describe('content types', () => {
  it.each(JSON_ENDPOINTS)('%s: a form-urlencoded body → 415', async (path) => {
    const body = await expectError(await send(path, 'model=gpt-4o-mini&prompt=hi', 'application/x-www-form-urlencoded'), 415);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_media_type' });
  });

  it.each(JSON_ENDPOINTS)('%s: JSON text sent as text/plain works, as on real nodes', async (path) => {
    const res = await send(path, JSON.stringify(VALID[path]()), 'text/plain');
    expect(res.status, await res.clone().text()).toBe(200);
    await res.arrayBuffer();
  });

  it.each(JSON_ENDPOINTS)('%s: a multipart body → 415', async (path) => {
    const form = multipart(BOUNDARY, [{ name: 'model', value: VALID[path]().model as string }]);
    const body = await expectError(await send(path, form, `multipart/form-data; boundary=${BOUNDARY}`), 415);
    expect(body.error).toMatchObject({ code: 'unsupported_media_type' });
  });

  it.each(['application/json', 'text/plain'])('a UTF-8 byte order mark before the JSON is skipped (%s), as Python’s json.loads does', async (type) => {
    const res = await send('/embeddings', `\uFEFF${JSON.stringify(VALID['/embeddings']())}`, type);
    expect(res.status, await res.clone().text()).toBe(200);
    await res.arrayBuffer();
  });

  it('a JSON content type with a charset parameter works', async () => {
    const res = await send('/embeddings', VALID['/embeddings'](), 'application/json; charset=utf-8');
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('JSON sent to the transcription endpoint → 415', async () => {
    const body = await expectError(await send('/audio/transcriptions', { model: 'whisper-1', file: 'silence.wav' }), 415);
    expect(body.error).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('text sent to the transcription endpoint → 415', async () => {
    await expectError(await send('/audio/transcriptions', 'model=whisper-1', 'text/plain'), 415);
  });

  it('the SDK raises a plain APIError for a 415, with no retry', async () => {
    const { client, attempts } = countingClient();
    const error = await client
      .post('/chat/completions', { body: 'model=gpt-4o-mini', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(415);
    expect(attempts()).toBe(1);
  });
});

describe('broken multipart uploads', () => {
  it('a valid upload works (the baseline)', async () => {
    const res = await sendUpload(multipart(BOUNDARY, [{ name: 'model', value: 'whisper-1' }, wavPart]));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ text: expect.any(String) });
  });

  it('a boundary that does not match the body → 400 invalid_multipart', async () => {
    const res = await sendUpload(multipart(BOUNDARY, [{ name: 'model', value: 'whisper-1' }, wavPart]), 'multipart/form-data; boundary=something-else');
    const body = await expectError(res, 400);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_multipart' });
  });

  it('a multipart content type without a boundary → 4xx', async () => {
    const res = await sendUpload(multipart(BOUNDARY, [{ name: 'model', value: 'whisper-1' }, wavPart]), 'multipart/form-data');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await expectError(res, res.status);
  });

  it('a truncated body → 400 invalid_multipart', async () => {
    const whole = multipart(BOUNDARY, [{ name: 'model', value: 'whisper-1' }, wavPart]);
    const body = await expectError(await sendUpload(whole.subarray(0, whole.length - 4000)), 400);
    expect(body.error).toMatchObject({ code: 'invalid_multipart' });
  });

  it('a body cut inside the part headers → 4xx', async () => {
    const res = await sendUpload(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-da`));
    expect(res.status).toBeGreaterThanOrEqual(400);
    await expectError(res, res.status);
    expect(res.status).toBeLessThan(500);
  });

  it('no `file` part → 400 naming `file`', async () => {
    await expectInvalid(await sendUpload(multipart(BOUNDARY, [{ name: 'model', value: 'whisper-1' }])), 'file');
  });

  it('a file under another field name → 400 naming `file`', async () => {
    await expectInvalid(
      await sendUpload(
        multipart(BOUNDARY, [
          { name: 'model', value: 'whisper-1' },
          { ...wavPart, name: 'audio' },
        ]),
      ),
      'file',
    );
  });

  it('no `model` field → 400 invalid_model', async () => {
    const body = await expectError(await sendUpload(multipart(BOUNDARY, [wavPart])), 400);
    expect((body.error as Json).message).toBe("Model 'unknown' not found");
  });

  it('a file that is not audio → 400 naming `file`', async () => {
    const junk: Part = { name: 'file', file: { filename: 'notes.txt', type: 'text/plain', bytes: Buffer.from('not audio at all') } };
    await expectInvalid(await sendUpload(multipart(BOUNDARY, [{ name: 'model', value: 'whisper-1' }, junk])), 'file');
  });

  it('an empty file → 400 naming `file`', async () => {
    const empty: Part = { name: 'file', file: { filename: 'empty.wav', type: 'audio/wav', bytes: Buffer.alloc(0) } };
    await expectInvalid(await sendUpload(multipart(BOUNDARY, [{ name: 'model', value: 'whisper-1' }, empty])), 'file');
  });

  it('bad fields → 400 naming them', async () => {
    const upload = (extra: Part) => sendUpload(multipart(BOUNDARY, [{ name: 'model', value: 'whisper-1' }, extra, wavPart]));
    await expectInvalid(await upload({ name: 'response_format', value: 'docx' }), 'response_format');
    await expectInvalid(await upload({ name: 'temperature', value: 'hot' }), 'temperature');
    await expectInvalid(await upload({ name: 'language', value: 'English' }), 'language');
  });

  it('a model of the wrong kind → 400 naming `model`', async () => {
    await expectInvalid(await sendUpload(multipart(BOUNDARY, [{ name: 'model', value: 'gpt-4o-mini' }, wavPart])), 'model');
  });
});

describe('unknown paths and methods', () => {
  it.each(['GET', 'POST'])('%s /v1/nope → 404 not_found', async (method) => {
    const res = await send('/nope', method === 'POST' ? {} : undefined, method === 'POST' ? 'application/json' : null, method);
    const body = await expectError(res, 404);
    expect(body).toEqual({ error: { message: "Path '/v1/nope' not found", type: 'not_found', param: null, code: 404 }, request_id: expect.any(String) });
  });

  it('the query string is not part of the path in the message', async () => {
    const body = await expectError(await send('/nope?x=1', undefined, null, 'GET'), 404);
    expect((body.error as Json).message).toBe("Path '/v1/nope' not found");
  });

  it('GET on a POST-only endpoint → 404', async () => {
    await expectError(await send('/chat/completions', undefined, null, 'GET'), 404);
  });

  it.each([
    ['PUT', '/nope'],
    ['DELETE', '/nope'],
    ['PUT', '/chat/completions'],
    ['DELETE', '/chat/completions'],
    ['PATCH', '/embeddings'],
  ])('%s %s → 405 Method Not Allowed', async (method, path) => {
    const body = await expectError(await send(path, method === 'DELETE' ? undefined : '{}', method === 'DELETE' ? null : 'application/json', method), 405);
    expect(body).toEqual({ detail: 'Method Not Allowed', request_id: expect.any(String) });
  });

  it('the SDK raises NotFoundError for an unknown path', async () => {
    const { error, attempts } = await sdkError((c) => c.get('/nope'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe("404 Path '/v1/nope' not found");
    expect(attempts).toBe(1);
  });
});

// ---- Fuzzing: random mutations of valid bodies never produce a 5xx, a hang or a dead server. ----

/** Replaced in the serialised text by literals JSON.stringify cannot write. */
const RAW_TOKENS: Record<string, string> = {
  '"@@HUGE@@"': '1e999',
  '"@@NEGHUGE@@"': '-1e999',
  '"@@BIGINT@@"': '123456789012345678901234567890',
  '"@@NEGZERO@@"': '-0',
};

function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

const WEIRD: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  -0.5,
  2 ** 31,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  -1e308,
  Number.MIN_VALUE,
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  'null',
  'undefined',
  'true',
  '0',
  '1e999',
  '0x10',
  '[]',
  '{}',
  'héllo wörld ✓ 日本語 🚀🔥',
  '\u0000\u0001\u001f',
  '\u202eevil\u202c',
  '\ud83d',
  '<script>alert(1)</script>',
  "'; DROP TABLE keys; --",
  'x'.repeat(3000),
  'gpt-4o-mini',
  'user',
  'function',
  'json_schema',
  [],
  {},
  [null],
  [{}],
  [[]],
  [1, 'a', null],
  { role: 'user' },
  { type: 'function' },
  { '': '' },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { constructor: { prototype: {} } },
  nested(50),
  nested(500),
  '@@HUGE@@',
  '@@NEGHUGE@@',
  '@@BIGINT@@',
  '@@NEGZERO@@',
];

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = [], out: Path[] = [], depth = 0): Path[] {
  if (depth > 5 || value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value)) {
    const key = Array.isArray(value) ? Number(k) : k;
    out.push([...prefix, key]);
    paths(v, [...prefix, key], out, depth + 1);
  }
  return out;
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> | undefined {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    node = node[key] as Record<string | number, unknown>;
    if (node === null || typeof node !== 'object') return undefined;
  }
  return node;
}

function mutate(body: Json, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const count = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < count; i++) {
    const all = paths(body);
    const path = all.length ? pick(all) : ['model'];
    const parent = parentOf(body, path);
    const key = path[path.length - 1]!;
    if (!parent) continue;
    const op = rand();
    if (op < 0.25) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (op < 0.75) {
      parent[key] = structuredClone(pick(WEIRD));
    } else if (op < 0.85) {
      parent[key] = rand() < 0.5 ? [parent[key]] : { value: parent[key] };
    } else if (op < 0.95) {
      parent[pick(['extra', 'n', 'stream', 'seed', 'user', 'logit_bias', 'metadata', 'store', 'modalities', 'prediction', 'audio'])] = structuredClone(
        pick(WEIRD),
      );
    } else {
      parent[key] = typeof parent[key] === 'string' ? `${parent[key] as string}${pick(['\u0000', '🚀', '\ud800', '"', '\\'])}` : String(parent[key]);
    }
  }
  let text = JSON.stringify(body);
  for (const [token, literal] of Object.entries(RAW_TOKENS)) text = text.split(token).join(literal);
  const raw = rand();
  if (raw < 0.04) text = text.slice(0, Math.floor(rand() * text.length));
  else if (raw < 0.06) text = `${text}${pick(['}', ']', ',', 'x', '\u0000'])}`;
  else if (raw < 0.08) text = text.replace(':', pick(['::', ': NaN,"a":', ': undefined,"b":']));
  return text;
}

/** Bodies whose JSON schemas reach the structured-output and tool-argument generators. */
const SCHEMA_BODIES = {
  '/chat/completions#json_schema': () => ({
    model: 'gpt-4o-mini',
    max_tokens: 200,
    messages: [{ role: 'user', content: 'Describe a lighthouse keeper' }],
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'person',
        strict: true,
        schema: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 2, maxLength: 40 },
            age: { type: 'integer', minimum: 0, maximum: 120 },
            email: { type: 'string', format: 'email' },
            code: { type: 'string', pattern: '^[A-Z]{3}-\\d{2}$' },
            tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, minItems: 1, maxItems: 3 },
            home: { $ref: '#/$defs/place' },
            note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
          },
          required: ['name', 'age', 'tags'],
          additionalProperties: false,
          $defs: { place: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        },
      },
    },
  }),
  '/chat/completions#tools': () => ({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    tool_choice: 'required',
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { location: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 }, unit: { enum: ['c', 'f'] } },
            required: ['location'],
          },
        },
      },
    ],
  }),
};

const FUZZ_BODIES: [string, () => Json][] = [...JSON_ENDPOINTS.map((p) => [p, VALID[p]] as [string, () => Json]), ...Object.entries(SCHEMA_BODIES)];

/** Hostile or nonsensical JSON schemas: each is answered (200 or 400) at once, and the node survives. */
const HOSTILE_SCHEMAS: unknown[] = [
  {},
  { type: 'nope' },
  { type: 5 },
  { type: [] },
  { type: ['string', 'null'] },
  { type: 'object', properties: 5 },
  { type: 'object', properties: { a: 5 } },
  { type: 'object', properties: { a: null } },
  { type: 'object', required: 'a' },
  { type: 'object', required: ['zz'] },
  { type: 'object', additionalProperties: 5 },
  { $ref: '#/nope' },
  { $ref: '#' },
  { $ref: 5 },
  { type: 'object', properties: { a: { $ref: '#' } }, required: ['a'] },
  { $defs: { a: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' },
  { type: 'array', items: 5 },
  { type: 'array', prefixItems: 5 },
  { type: 'array', minItems: -1 },
  { type: 'array', items: { type: 'string' }, minItems: 1e9 },
  { type: 'array', items: { enum: ['x'] }, uniqueItems: true, minItems: 5 },
  { type: 'array', contains: { type: 'string' }, minContains: 1e9 },
  { type: 'object', minProperties: 1e9 },
  { type: 'object', maxProperties: -1, minProperties: 3 },
  { type: 'string', pattern: '(' },
  { type: 'string', pattern: 5 },
  { type: 'string', pattern: '^(a+)+$' },
  { type: 'string', pattern: '^[a-z]{100000}$' },
  { type: 'string', format: 'nope' },
  { type: 'string', pattern: '^(ab){2000}$' },
  { type: 'string', format: 'email', maxLength: 3 },
  { type: 'string', format: 'date-time', minLength: 500 },
  { type: 'string', maxLength: -5 },
  { type: 'string', minLength: 10, maxLength: 2 },
  { type: 'string', enum: ['a'], pattern: 'b' },
  { type: 'string', minLength: 1e9 },
  // 50 × 50 × 50 × 50 strings: each array is within the per-array cap, the whole is not.
  {
    type: 'array',
    items: { type: 'array', items: { type: 'array', items: { type: 'array', items: { type: 'string' }, minItems: 50 }, minItems: 50 }, minItems: 50 },
    minItems: 50,
  },
  {
    type: 'object',
    properties: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`p${i}`, { type: 'string' }])),
    required: Array.from({ length: 3000 }, (_, i) => `p${i}`),
  },
  { type: 'number', minimum: 10, maximum: 1 },
  { type: 'integer', minimum: 1e308 },
  { type: 'integer', multipleOf: 0 },
  { type: 'number', multipleOf: 1e-300, minimum: 0.1, maximum: 0.2 },
  { enum: [] },
  { enum: 5 },
  { const: { a: 1 } },
  { anyOf: [] },
  { anyOf: 5 },
  { oneOf: [{}] },
  { allOf: [{ type: 'string' }, { type: 'number' }] },
  { not: {} },
  { if: {}, then: 5 },
  nested(2000),
];

describe('fuzzing, in a child process that a crash or a blocked event loop cannot take the tests down with', () => {
  let child: FuzzNode;
  beforeAll(async () => {
    child = await spawnFuzzNode();
  });
  afterAll(() => child?.kill());

  const SEED = 0x5eed_0b4d;
  const REQUESTS = 300;

  it(`${REQUESTS} mutated requests (seed ${SEED}) all get a JSON answer under 500, and the node keeps serving`, async () => {
    const rand = prng(SEED);
    const cases = Array.from({ length: REQUESTS }, (_, i) => {
      const [name, valid] = FUZZ_BODIES[i % FUZZ_BODIES.length]!;
      return { i, name, path: name.split('#')[0]!, text: mutate(valid(), rand) };
    });
    const failures: string[] = [];
    let dead = false;
    const statuses = new Map<number, number>();
    for (let start = 0; start < cases.length && !dead; start += 12) {
      await Promise.all(
        cases.slice(start, start + 12).map(async ({ i, name, path, text }) => {
          let res: Response;
          let answer: string;
          try {
            res = await send(path, text, 'application/json', 'POST', `${child.origin}/v1`);
            answer = await res.text();
          } catch (err) {
            dead = true; // a hang or a crash: later requests would only time out too
            failures.push(`#${i} ${name}: ${(err as Error).message} for ${text.slice(0, 300)}`);
            return;
          }
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) failures.push(`#${i} ${name}: ${res.status} ${answer.slice(0, 200)} for ${text.slice(0, 300)}`);
          if (res.status >= 400) {
            const problems: string[] = [];
            if (!/^application\/json/.test(res.headers.get('content-type') ?? '')) problems.push('not JSON');
            if (!res.headers.get('x-routstr-request-id')) problems.push('no request id');
            try {
              const body = JSON.parse(answer) as Json;
              const error = body.error as Json | string | undefined;
              if (error === undefined && body.detail === undefined) problems.push('neither error nor detail');
              if (error && typeof error === 'object' && (typeof error.message !== 'string' || !error.message || typeof error.type !== 'string'))
                problems.push('error without message/type');
            } catch {
              problems.push('unparseable');
            }
            if (problems.length) failures.push(`#${i} ${name}: ${res.status} ${problems.join(', ')}: ${answer.slice(0, 200)}`);
          }
        }),
      );
    }
    expect(failures, child.output()).toEqual([]);
    // The mutations reach both the validators and the generators.
    expect(statuses.get(400)).toBeGreaterThan(REQUESTS / 4);
    expect(statuses.get(200)).toBeGreaterThan(REQUESTS / 20);

    for (const [name, valid] of FUZZ_BODIES) {
      const res = await send(name.split('#')[0]!, valid(), 'application/json', 'POST', `${child.origin}/v1`);
      expect(res.status, `${name} after fuzzing: ${await res.clone().text()}`).toBe(200);
      await res.arrayBuffer();
    }
    expect(child.alive()).toBe(true);
  });

  it('hostile JSON schemas in response_format and tool parameters get a prompt answer under 500', { timeout: 60_000 }, async () => {
    const failures: string[] = [];
    for (const schema of HOSTILE_SCHEMAS) {
      for (const where of ['response_format', 'tools'] as const) {
        const body: Json = { model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'Give me the data' }] };
        if (where === 'response_format') body.response_format = { type: 'json_schema', json_schema: { name: 'data', schema } };
        else Object.assign(body, { tools: [{ type: 'function', function: { name: 'f', parameters: schema } }], tool_choice: 'required' });
        const label = `${where} ${JSON.stringify(schema).slice(0, 100)}`;
        try {
          const res = await fetch(`${`${child.origin}/v1`}/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(2500),
          });
          const text = await res.text();
          if (res.status >= 500) failures.push(`${label}: ${res.status} ${text.slice(0, 200)}`);
        } catch (err) {
          // Blocked or dead: note it, replace the node, and go on to the next schema.
          failures.push(
            `${label}: ${(err as Error).message}${child.alive() ? ' (event loop blocked)' : ` (${child.output().split('\n').slice(-3).join(' ')})`}`,
          );
          child.kill();
          child = await spawnFuzzNode();
          break;
        }
      }
    }
    expect(failures).toEqual([]);
    expect(child.alive()).toBe(true);
  });
});
