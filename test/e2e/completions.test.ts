import { encode as o200kEncode } from 'gpt-tokenizer/encoding/o200k_base';
import { APIError } from 'openai';
import type { Completion } from 'openai/resources/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecValidator } from '../helpers/openai-spec.ts';
import { createHash } from 'node:crypto';
import { type TestNode, postJson, sseData, startTestNode } from '../helpers/node.ts';
import { madeUpTexts } from '../helpers/words.ts';

let t: TestNode;
const spec = loadSpecValidator();

beforeAll(async () => {
  t = await startTestNode();
});
afterAll(() => t.close());

const MODEL = 'gpt-4o-mini';

function expectSpecValid(value: unknown, waive: string[] = []) {
  expect(spec.validate('CreateCompletionResponse', value, { waive })).toEqual([]);
}

async function rawStream(body: Record<string, unknown>, path = '/v1/completions') {
  const res = await postJson(`${t.node.origin}${path}`, { model: MODEL, stream: true, ...body });
  const raw = await res.text();
  return { res, raw, data: sseData(raw) };
}

describe('POST /v1/completions (non-streaming)', () => {
  it('defaults to 16 tokens, cut with finish_reason "length", with real usage', async () => {
    const prompt = 'Once upon a time in a small village by the sea,';
    const r = await t.client.completions.create({ model: MODEL, prompt });
    expectSpecValid(r);
    expect(r.object).toBe('text_completion');
    expect(r.id).toMatch(/^cmpl-/);
    expect(r.model).toBe(MODEL);
    expect(r.choices).toHaveLength(1);
    const choice = r.choices[0]!;
    expect(choice.index).toBe(0);
    expect(choice.logprobs).toBeNull();
    expect(choice.finish_reason).toBe('length');
    expect(o200kEncode(choice.text).length).toBeLessThanOrEqual(16);
    expect(r.usage).toEqual({ prompt_tokens: o200kEncode(prompt).length, completion_tokens: 16, total_tokens: o200kEncode(prompt).length + 16 });
  });

  it('a larger max_tokens lets the text end naturally with "stop"', async () => {
    const r = await t.client.completions.create({ model: MODEL, prompt: 'Write a sentence about rain.', max_tokens: 2000 });
    expectSpecValid(r);
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage!.completion_tokens).toBeGreaterThan(16);
    expect(r.usage!.completion_tokens).toBeLessThan(2000);
    expect(r.usage!.completion_tokens).toBe(o200kEncode(r.choices[0]!.text).length);
  });

  it('n gives that many distinct, indexed choices and counts all their tokens', async () => {
    const r = await t.client.completions.create({ model: MODEL, prompt: 'The best thing about mornings is', n: 3, max_tokens: 10 });
    expectSpecValid(r);
    expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(r.choices.map((c) => c.text)).size).toBe(3);
    expect(r.usage!.completion_tokens).toBe(30);
  });

  it('echo puts the prompt before the completion', async () => {
    const prompt = 'Roses are red,';
    const plain = await t.client.completions.create({ model: MODEL, prompt, max_tokens: 8 });
    const echoed = await t.client.completions.create({ model: MODEL, prompt, max_tokens: 8, echo: true });
    expect(echoed.choices[0]!.text).toBe(prompt + plain.choices[0]!.text);
    expect(echoed.usage).toEqual(plain.usage);
  });

  it('stop cuts before the stop sequence with finish_reason "stop"', async () => {
    const prompt = 'List some fruit and explain why each is good.';
    const full = await t.client.completions.create({ model: MODEL, prompt, max_tokens: 500 });
    const text = full.choices[0]!.text;
    // Stop on the second word of the full text: the cut text must be its first word.
    const words = text.trim().split(/\s+/);
    const stop = ` ${words[1]!}`;
    const cut = await t.client.completions.create({ model: MODEL, prompt, max_tokens: 500, stop: [stop, '@@never@@'] });
    expect(cut.choices[0]!.text).toBe(text.slice(0, text.indexOf(stop)));
    expect(cut.choices[0]!.text).not.toContain(stop);
    expect(cut.choices[0]!.finish_reason).toBe('stop');
    expect(cut.usage!.completion_tokens).toBe(o200kEncode(cut.choices[0]!.text).length);
  });

  it('prompt as an array of strings gives n choices per prompt, in prompt order', async () => {
    const prompts = ['The capital of France is', 'My favourite colour is'];
    const r = await t.client.completions.create({ model: MODEL, prompt: prompts, n: 2, max_tokens: 5, echo: true });
    expectSpecValid(r);
    expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(r.choices.map((c) => c.text.startsWith(prompts[0]!))).toEqual([true, true, false, false]);
    expect(r.choices.map((c) => c.text.startsWith(prompts[1]!))).toEqual([false, false, true, true]);
    expect(r.usage!.prompt_tokens).toBe(prompts.reduce((s, p) => s + o200kEncode(p).length, 0));
  });

  it('a token-array prompt is the same as its text', async () => {
    const text = 'Tokens in, tokens out';
    const byTokens = await t.client.completions.create({ model: MODEL, prompt: o200kEncode(text), max_tokens: 6 });
    const byText = await t.client.completions.create({ model: MODEL, prompt: text, max_tokens: 6 });
    expect(byTokens.choices[0]!.text).toBe(byText.choices[0]!.text);
    expect(byTokens.usage!.prompt_tokens).toBe(o200kEncode(text).length);
  });

  it('is deterministic for the same request', async () => {
    const ask = () => t.client.completions.create({ model: MODEL, prompt: 'Deterministic?', max_tokens: 12 });
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
  });

  it('logprobs gives tokens, their logprobs, alternatives and text offsets that match the text', async () => {
    const r = await t.client.completions.create({ model: MODEL, prompt: 'Count to five:', max_tokens: 6, logprobs: 2 });
    expectSpecValid(r);
    const lp = r.choices[0]!.logprobs!;
    expect(lp.tokens).toHaveLength(6);
    expect(lp.tokens!.join('')).toBe(r.choices[0]!.text);
    expect(lp.token_logprobs).toHaveLength(6);
    expect(lp.token_logprobs!.every((x) => x < 0)).toBe(true);
    expect(lp.top_logprobs).toHaveLength(6);
    lp.top_logprobs!.forEach((top, i) => {
      expect(Object.keys(top).length).toBeLessThanOrEqual(2);
      expect(top[lp.tokens![i]!]).toBe(lp.token_logprobs![i]);
      // The sampled token is the likeliest, and the probabilities shown sum to at most 1.
      expect(Math.max(...Object.values(top))).toBe(lp.token_logprobs![i]);
      expect(Object.values(top).reduce((sum, x) => sum + Math.exp(x), 0)).toBeLessThanOrEqual(1);
    });
    // Offsets count characters from the start of the returned text's position in prompt + completion.
    const base = 'Count to five:'.length;
    let offset = base;
    lp.text_offset!.forEach((o, i) => {
      expect(o).toBe(offset);
      offset += lp.tokens![i]!.length;
    });
  });

  it('echo with logprobs scores the prompt too, the first prompt token with null as OpenAI does', async () => {
    const prompt = 'Hello there, friend';
    const r = await t.client.completions.create({ model: MODEL, prompt, max_tokens: 3, echo: true, logprobs: 1 });
    // The spec types token_logprobs items as numbers and top_logprobs items as objects; OpenAI sends null for the first echoed token.
    expectSpecValid(r, ['/choices/0/logprobs/token_logprobs', '/choices/0/logprobs/top_logprobs']);
    const lp = r.choices[0]!.logprobs!;
    const promptTokens = o200kEncode(prompt).length;
    expect(lp.tokens).toHaveLength(promptTokens + 3);
    expect(lp.tokens!.join('')).toBe(r.choices[0]!.text);
    expect(lp.token_logprobs![0]).toBeNull();
    expect(lp.top_logprobs![0]).toBeNull();
    expect(lp.token_logprobs!.slice(1).every((x) => typeof x === 'number')).toBe(true);
    expect(lp.text_offset![0]).toBe(0);
    expect(lp.text_offset![promptTokens]).toBe(prompt.length);
    expect(lp.top_logprobs!.slice(1).every((top) => Object.keys(top).length === 1)).toBe(true);
  });

  it('a prompt plus max_tokens beyond the context window is a 400', async () => {
    const err = await t.client.completions.create({ model: 'gpt-4', prompt: 'word '.repeat(5000), max_tokens: 4000 }).catch((e: unknown) => e);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).code).toBe('context_length_exceeded');
    expect((err as APIError).param).toBe('prompt');
  });

  it('bad parameters are 400s with the OpenAI error shape', async () => {
    const cases: [Record<string, unknown>, string | null][] = [
      [{ prompt: 'x', max_tokens: -1 }, 'max_tokens'],
      [{ prompt: 'x', n: 0 }, 'n'],
      [{ prompt: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ prompt: 'x', stream_options: { include_usage: true } }, 'stream_options'],
      [{ prompt: 'x', logprobs: 6 }, 'logprobs'],
      [{ prompt: 'x', n: 3, best_of: 2 }, 'best_of'],
      [{ prompt: [] }, 'prompt'],
      [{ prompt: { text: 'x' } }, 'prompt'],
    ];
    for (const [body, param] of cases) {
      const res = await postJson(`${t.node.url}/completions`, { model: MODEL, ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const json = (await res.json()) as { error: { type: string; param: string | null } };
      expect(json.error.type, JSON.stringify(body)).toBe('invalid_request_error');
      expect(json.error.param, JSON.stringify(body)).toBe(param);
    }
    const err = await t.client.completions.create({ model: 'no-such-model', prompt: 'x' }).catch((e: unknown) => e);
    expect((err as APIError).status).toBe(400);
  });
});

describe('POST /v1/completions (streaming)', () => {
  it('raw SSE: data frames of text_completion chunks, one finish, exact final [DONE]', async () => {
    const { res, raw, data } = await rawStream({ prompt: 'Tell me about owls', max_tokens: 12 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // Every event is a single `data: ` line followed by a blank line.
    for (const block of raw.split('\n\n').filter((b) => b !== '')) expect(block).toMatch(/^data: [^\n]+$/);
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Completion);
    for (const c of chunks) {
      expect(c.object).toBe('text_completion');
      expect(c.choices).toHaveLength(1);
      // Mid-stream chunks carry finish_reason null, which the shared (non-nullable) spec enum does not model.
      expectSpecValid(c, c.choices[0]!.finish_reason === null ? ['/choices/0/finish_reason'] : []);
    }
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const finishes = chunks.filter((c) => c.choices[0]!.finish_reason !== null);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]).toBe(chunks.at(-1));
    expect(finishes[0]!.choices[0]!.finish_reason).toBe('length');
    // The streamed text is the non-streamed text.
    const whole = await t.client.completions.create({ model: MODEL, prompt: 'Tell me about owls', max_tokens: 12 });
    expect(chunks.map((c) => c.choices[0]!.text).join('')).toBe(whole.choices[0]!.text);
    expect(chunks.filter((c) => c.choices[0]!.text !== '')).toHaveLength(12);
    // No usage chunk unless asked for: this is a plain passthrough on real nodes.
    expect(chunks.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
  });

  it('echo and logprobs stream too: the prompt first, then one scored token per chunk', async () => {
    const body = { prompt: 'Sing a song', max_tokens: 5, echo: true, logprobs: 2 };
    const { data } = await rawStream(body);
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Completion);
    const whole = await t.client.completions.create({ model: MODEL, ...body });
    expect(chunks.map((c) => c.choices[0]!.text).join('')).toBe(whole.choices[0]!.text);
    expect(chunks[0]!.choices[0]!.text).toBe('Sing a song');
    const tokenChunks = chunks.slice(1, -1);
    expect(tokenChunks).toHaveLength(5);
    const lp = whole.choices[0]!.logprobs!;
    const promptTokens = o200kEncode('Sing a song').length;
    tokenChunks.forEach((c, i) => {
      expect(c.choices[0]!.logprobs!.tokens).toEqual([c.choices[0]!.text]);
      expect(c.choices[0]!.logprobs!.token_logprobs).toEqual([lp.token_logprobs![promptTokens + i]]);
      expect(c.choices[0]!.logprobs!.text_offset).toEqual([lp.text_offset![promptTokens + i]]);
    });
  });

  it('stream_options.include_usage adds a final choices: [] chunk with usage before [DONE]', async () => {
    const { data } = await rawStream({ prompt: 'Tell me about owls', max_tokens: 12, stream_options: { include_usage: true } });
    expect(data.at(-1)).toBe('[DONE]');
    const last = JSON.parse(data.at(-2)!) as Completion;
    expect(last.choices).toEqual([]);
    expectSpecValid(last);
    expect(last.usage).toEqual({
      prompt_tokens: o200kEncode('Tell me about owls').length,
      completion_tokens: 12,
      total_tokens: o200kEncode('Tell me about owls').length + 12,
    });
    const before = data.slice(0, -2).map((d) => JSON.parse(d) as Completion);
    expect(before.every((c) => c.choices.length === 1)).toBe(true);
  });

  it('the SDK stream yields the same text, per choice with n = 2, and the usage chunk', async () => {
    const stream = await t.client.completions.create({
      model: MODEL,
      prompt: 'Name a river',
      max_tokens: 8,
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const texts = ['', ''];
    const finish: (string | null)[] = [null, null];
    let usage: Completion['usage'];
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        texts[c.index] += c.text;
        if (c.finish_reason) finish[c.index] = c.finish_reason;
      }
    }
    const whole = await t.client.completions.create({ model: MODEL, prompt: 'Name a river', max_tokens: 8, n: 2 });
    expect(texts).toEqual(whole.choices.map((c) => c.text));
    expect(finish).toEqual(whole.choices.map((c) => c.finish_reason));
    expect(usage).toEqual(whole.usage);
  });
});

describe('routing', () => {
  it('answers without the /v1 prefix, with a request id header', async () => {
    const res = await postJson(`${t.node.origin}/completions`, { model: MODEL, prompt: 'no prefix', max_tokens: 3 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as Completion;
    expect(body.usage!.completion_tokens).toBe(3);
  });
});

describe('answer bytes', () => {
  /**
   * SHA-256 of the body as the node wrote it before completions were planned and written in slices,
   * with the per-request id and time taken out: 256 prompts with echo and logprobs, and a stream
   * of 64 prompts with logprobs and usage.
   */
  it.each([
    [
      'json',
      { prompt: madeUpTexts(256, 200, 3), max_tokens: 32, logprobs: 3, echo: true },
      'application/json; charset=utf-8',
      1713871,
      '6f6d90d3e0a61dff2a1d91d84fadefdaefd486d4346e3cc86d8096cd332a83a9',
    ],
    [
      'stream',
      { prompt: madeUpTexts(64, 200, 4), max_tokens: 32, logprobs: 2, stream: true, stream_options: { include_usage: true } },
      'text/event-stream; charset=utf-8',
      719366,
      '0656f2bb48f0b3805693b36c53e02146ab283d53568dcb0599bfd1cb98218993',
    ],
  ])('%s is byte for byte what it always was', async (_, body, type, length, expected) => {
    const res = await postJson(`${t.node.url}/completions`, { model: MODEL, ...body });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    const text = await res.text();
    expect(text.length).toBe(length);
    const scrubbed = text.replace(/"cmpl-[0-9a-f-]+"/g, '"ID"').replace(/"created":\d+/g, '"created":0');
    expect(createHash('sha256').update(scrubbed).digest('hex')).toBe(expected);
  });
});
