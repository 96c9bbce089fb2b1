import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/generate/audio/wav.ts';
import { FUZZ_KEY, apiRequest, controlRequest, craftedWav } from '../helpers/fuzz-arbitraries.ts';
import {
  type FuzzNode,
  type MemoryReport,
  clearJournal,
  formatStats,
  fundFuzzKey,
  ledgerProblems,
  ledgerState,
  newStats,
  restoreNode,
  runCases,
  sanityProblems,
  spawnFuzzNode,
} from '../helpers/fuzz-runner.ts';
import { type TestNode, startTestNode } from '../helpers/node.ts';

/**
 * Generated hostile requests (test/helpers/fuzz-arbitraries.ts: wrong types, absurd numbers, huge
 * strings and arrays, deep nesting, broken JSON and UTF-8, wrong content types, broken multipart,
 * random methods and paths) against a node in a child process. Every answer is a success or a 4xx
 * in the node's envelope, within 10 s; rejected requests cost nothing; the node survives with its
 * memory bounded. bench/fuzz.ts runs the same generators 10 000 times.
 *
 * Seeded: a failure prints the seed and the case, and `FUZZ_SEED=… FUZZ_CASE=… npm run bench:fuzz`
 * replays it. FUZZ_SEED here runs the test with another seed.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x0f022ed);
const API_CASES = 340;
const CONTROL_CASES = 60;
const CONTROL_BASE = 1_000_000;
const TIMEOUT_MS = 10_000;
const MiB = 1024 * 1024;

describe(`fuzzing every endpoint (seed ${SEED}), in a child process`, () => {
  let node: FuzzNode;
  let baseline: MemoryReport | undefined;
  const stats = newStats();

  beforeAll(async () => {
    node = await spawnFuzzNode();
    await fundFuzzKey(node);
    baseline = await node.memory();
  });
  afterAll(() => node?.kill());

  it(`${API_CASES} hostile API requests: a success or a 4xx envelope each, and rejected ones cost nothing`, { timeout: 60_000 }, async () => {
    await clearJournal(node);
    const before = await ledgerState(node);
    const indexes = Array.from({ length: API_CASES }, (_, i) => i);
    await runCases({ node, arbitrary: apiRequest(), seed: SEED, indexes, concurrency: 6, timeoutMs: TIMEOUT_MS, stats });
    expect(node.alive(), node.output()).toBe(true);
    expect(stats.failures, `${formatStats(stats)}\n\n${stats.failures.join('\n\n')}`).toEqual([]);
    expect(await ledgerProblems(node, before)).toEqual([]);
    // The generators reach the validators and, past them, the generation code.
    expect(stats.byStatus.get('400')).toBeGreaterThan(API_CASES / 4);
    expect(stats.byStatus.get('200')).toBeGreaterThan(API_CASES / 20);
  });

  it(`${CONTROL_CASES} hostile control-plane requests, then the node is restored and serves normally`, { timeout: 60_000 }, async () => {
    const failuresBefore = stats.failures.length;
    const indexes = Array.from({ length: CONTROL_CASES }, (_, i) => CONTROL_BASE + i);
    await runCases({ node, arbitrary: controlRequest(), seed: SEED, indexes, concurrency: 4, timeoutMs: TIMEOUT_MS, stats });
    expect(node.alive(), node.output()).toBe(true);
    expect(stats.failures.slice(failuresBefore)).toEqual([]);
    await restoreNode(node);
    expect(await sanityProblems(node)).toEqual([]);
  });

  it('the node is alive, answers its memory probe, and has not kept what it was sent', async () => {
    expect(node.alive(), node.output()).toBe(true);
    const end = await node.memory();
    expect(baseline).toBeDefined();
    expect(end, 'no answer to the memory probe: event loop blocked?').toBeDefined();
    // After a full GC only the caches remain (tokenizer pieces, topics, PNGs, the journal).
    expect(end!.heapUsed - baseline!.heapUsed).toBeLessThan(96 * MiB);
    expect(end!.rss).toBeLessThan(baseline!.rss + 512 * MiB);
    expect(end!.peakRss).toBeLessThan(1536 * MiB);
  });
});

// ---- The caps (README "Limits"), one request each, in process. ----

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('limits: what could make one request explode is refused with a clear 400', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode();
  });
  afterAll(() => t.close());

  async function post(path: string, body: unknown): Promise<{ status: number; body: Json; bytes: number }> {
    const res = await fetch(`${t.node.url}${path}`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Json) : {}, bytes: text.length };
  }

  async function expectRefused(path: string, body: unknown, param: string, message: RegExp): Promise<void> {
    const res = await post(path, body);
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param, message: expect.stringMatching(message) });
  }

  const chat = (extra: Json, content: unknown = 'Say hello') => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

  it('chat: n × max_tokens (the model maximum when unset) is at most 131 072 tokens', async () => {
    await expectRefused(
      '/chat/completions',
      chat({ n: 9 }),
      'n',
      /n × max_tokens \(9 × 16384, the model's maximum\) is 147456 completion tokens; the mock generates at most 131072/,
    );
    await expectRefused('/chat/completions', chat({ n: 128, max_tokens: 1025 }), 'n', /at most 131072/);
    expect((await post('/chat/completions', chat({ n: 128, max_tokens: 1024 }))).status).toBe(200);
  });

  it('chat: with logprobs, tokens × (1 + top_logprobs) is at most 1 048 576', async () => {
    await expectRefused('/chat/completions', chat({ n: 4, logprobs: true, top_logprobs: 20 }), 'n', /at most 1048576 logprob entries/);
    expect((await post('/chat/completions', chat({ logprobs: true, top_logprobs: 20 }))).status).toBe(200);
  });

  it('chat: a choice stops at the model maximum even without max_tokens (a schema cannot make it megabytes)', async () => {
    const big = { type: 'array', minItems: 1000, items: { type: 'string', minLength: 16_384 } };
    const res = await post(
      '/chat/completions',
      chat({ response_format: { type: 'json_schema', json_schema: { name: 'big', schema: big } } }, 'Give me the data'),
    );
    expect(res.status).toBe(200);
    expect(res.body.choices[0].finish_reason).toBe('length');
    expect(res.body.usage.completion_tokens).toBe(16_384);
    expect(res.bytes).toBeLessThan(1 * MiB);
  });

  it('JSON Schemas (tool parameters, response formats) nest at most 64 levels', async () => {
    let schema: Json = { type: 'string' };
    for (let i = 0; i < 65; i++) schema = { type: 'object', properties: { a: schema } };
    const tools = [{ type: 'function', function: { name: 'f', parameters: schema } }];
    await expectRefused('/chat/completions', chat({ tools }), 'tools[0].function.parameters', /nested more than 64 levels/);
    const deep = `{"type":"object","properties":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const body = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${deep}}}}`;
    await expectRefused('/chat/completions', body, 'response_format.json_schema.schema', /nested more than 64 levels/);
  });

  it('tokenized text: no run over 1000 characters, at most 65 536 in runs over 64, at most 1 000 000 in all', async () => {
    await expectRefused('/chat/completions', chat({}, `hello ${'x'.repeat(1001)}`), 'messages[0].content', /a run of 1001 characters without a word break/);
    await expectRefused('/embeddings', { model: 'text-embedding-3-small', input: ['ok', '日本語'.repeat(400)] }, 'input[1]', /run of 1200 characters/);
    await expectRefused('/completions', { model: 'gpt-4o-mini', prompt: ' '.repeat(2000) }, 'prompt', /run of 2000 characters/);
    const longRuns = Array.from({ length: 70 }, (_, i) => `${String.fromCharCode(97 + (i % 26))}`.repeat(1000)).join(' ');
    await expectRefused('/chat/completions', chat({}, longRuns), 'messages[0].content', /more than 65536 characters in runs of over 64/);
    await expectRefused('/chat/completions', chat({}, 'word '.repeat(200_001)), 'messages[0].content', /more than 1000000 characters of text to tokenize/);
    await expectRefused('/images/generations', { model: 'dall-e-3', prompt: 'z'.repeat(5000) }, 'prompt', /run of 5000 characters/);
  });

  it('completions: at most 2048 prompts, and prompts × n × max_tokens (plus echoed prompts) within the token cap', async () => {
    await expectRefused('/completions', { model: 'gpt-4o-mini', prompt: new Array(2049).fill('a') }, 'prompt', /at most 2048 prompts/);
    await expectRefused(
      '/completions',
      { model: 'gpt-4o-mini', prompt: ['a', 'b'], n: 128, max_tokens: 1024 },
      'n',
      /prompts × n × max_tokens \(2 × 128 × 1024\)/,
    );
    const prompt = 'lighthouse '.repeat(2000);
    await expectRefused('/completions', { model: 'gpt-4o-mini', prompt, n: 128, echo: true }, 'n', /plus the echoed prompts/);
  });

  it('embeddings: at most 300 000 tokens summed over the inputs', async () => {
    const input = Array.from({ length: 40 }, () => new Array<number>(7900).fill(15339)); // 40 × 7900 tokens, each under the context
    const res = await post('/embeddings', { model: 'text-embedding-3-small', input });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ param: 'input', code: 'max_tokens_per_request' });
  });

  it('token ids the tokenizer does not have are a 400, not a crash', async () => {
    await expectRefused('/embeddings', { model: 'text-embedding-3-small', input: [[200_018]] }, 'input', /200018 is not a token id of cl100k_base/);
    await expectRefused('/completions', { model: 'gpt-4o-mini', prompt: [[1], [1_000_000_000]] }, 'prompt[1]', /1000000000 is not a token id of o200k_base/);
  });

  it('speech: at most 120 seconds of audio (~1800 characters at normal speed)', async () => {
    const input = 'The quick brown fox. '.repeat(90); // 1890 characters: 126 s at speed 1
    await expectRefused(
      '/audio/speech',
      { model: 'tts-1', voice: 'alloy', input, response_format: 'pcm' },
      'input',
      /126 seconds of speech; the mock generates at most 120/,
    );
    expect((await post('/audio/speech', { model: 'tts-1', voice: 'alloy', input, speed: 1.1, response_format: 'pcm' })).status).toBe(200);
  });

  it('transcriptions: audio claiming more than 4 hours is refused, whatever its header says', async () => {
    const lying = craftedWav({ formatTag: 2, channels: 1, sampleRate: 1, byteRate: 1, blockAlign: 1, fact: 0xffffffff, declared: null, dataBytes: 16 });
    const upload = async (bytes: Buffer) => {
      const form = new FormData();
      form.set('model', 'whisper-1');
      form.set('file', new Blob([new Uint8Array(bytes)], { type: 'audio/wav' }), 'a.wav');
      const res = await fetch(`${t.node.url}/audio/transcriptions`, { method: 'POST', headers: { authorization: 'Bearer sk-test' }, body: form });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const res = await upload(lying);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ param: 'file', code: 'audio_too_long' });
    expect((await upload(encodeWav(new Int16Array(16_000), 16_000))).status).toBe(200);
  });

  it('images: n × width × height is at most 16 777 216 pixels (on models that take any size)', async () => {
    const images = await startTestNode({
      models: [{ id: 'any-size', kind: 'image', sats_per_million_tokens: { prompt: 1, completion: 1 }, context_length: 4000, max_completion_tokens: 4096 }],
    });
    try {
      const res = await fetch(`${images.node.url}/images/generations`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'any-size', prompt: 'a cat', n: 5, size: '2048x2048' }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).error).toMatchObject({ param: 'n', message: expect.stringMatching(/at most 16777216 pixels/) });
    } finally {
      await images.close();
    }
  });

  it('error messages quote at most a few hundred characters of what they refuse', async () => {
    const res = await post('/chat/completions', { model: 'm'.repeat(1_000_000), messages: [] });
    expect(res.status).toBe(400);
    expect(res.bytes).toBeLessThan(1000);
    expect(res.body.error.message).toMatch(/^Model 'm+…\(1000000 characters\)' not found$/);
  });

  it('requests Node cannot parse, and paths that do not decode, get the node envelope and a request id', async () => {
    const bad = await fetch(`${t.node.origin}/v1/%zz`);
    expect(bad.status).toBe(404);
    expect(bad.headers.get('x-routstr-request-id')).toBeTruthy();
    expect(((await bad.json()) as Json).error).toMatchObject({ type: 'not_found' });
    const { request } = await import('node:http');
    const answer = await new Promise<{ status?: number; id?: string; body: string }>((resolve) => {
      const req = request({ host: t.node.host, port: t.node.port, method: 'FOO', path: '/v1/models' }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode, id: res.headers['x-routstr-request-id'] as string, body }));
      });
      req.on('error', () => resolve({ body: '' }));
      req.end();
    });
    expect(answer.status).toBe(400);
    expect(answer.id).toBeTruthy();
    expect(JSON.parse(answer.body)).toEqual({ detail: 'Invalid HTTP request received.', request_id: answer.id });
  });

  it('the control plane: a YAML alias to nowhere is a 400, a repeated journal parameter counts once', async () => {
    const yaml = await fetch(`${t.node.origin}/__mock/scenario`, {
      method: 'POST',
      headers: { 'content-type': 'text/yaml' },
      body: 'version: 1\nseed: *nope\n',
    });
    expect(yaml.status).toBe(400);
    expect(((await yaml.json()) as Json).error.problems[0].message).toMatch(/Unresolved alias/);
    const journal = await fetch(`${t.node.origin}/__mock/journal?method=GET&method=POST`);
    expect(journal.status).toBe(200);
  });

  it('the fuzz key is unknown here: the fuzz generators never spend the default keys', () => {
    expect(FUZZ_KEY).toMatch(/^sk-fuzz-/);
  });
});
