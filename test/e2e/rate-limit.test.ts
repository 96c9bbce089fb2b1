import OpenAI, { RateLimitError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TestNode, postJson, sseData, startTestNode } from '../helpers/node.ts';

/**
 * The scenario's `limits` end to end: a per-key rolling 60 s window on requests (rpm) and tokens
 * (tpm), refused with the real 429 shape before any payment, with `x-ratelimit-*` headers that
 * count down truthfully on the successes and a Retry-After that matches the window.
 */

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello' }], max_tokens: 20 };

describe('rpm', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({ limits: { rpm: 3 } });
  });
  afterAll(() => t?.close());
  afterEach(() => t.node.reset());

  it('counts 2, 1, 0 on the successes and refuses the 4th with a Retry-After that matches the window', async () => {
    const remaining: string[] = [];
    // The node admits each request somewhere between its sending and its answer: bracket both ends.
    const firstSent = Date.now();
    let firstAnswered = 0;
    for (let i = 0; i < 3; i++) {
      const { response } = await t.client.chat.completions.create(chat).withResponse();
      if (i === 0) firstAnswered = Date.now();
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3');
      remaining.push(response.headers.get('x-ratelimit-remaining-requests')!);
      // Back to the initial state when this (the newest) request leaves the window: just under a minute.
      expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^(1m0s|59(\.\d+)?s|58(\.\d+)?s)$/);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const before = t.node.ledgerTotals();
    const refusedSent = Date.now();
    const res = await postJson(`${t.node.url}/chat/completions`, chat);
    const refusedAnswered = Date.now();
    expect(res.status).toBe(429);
    const ms = Number(res.headers.get('retry-after-ms'));
    // The first request leaves the window 60 s after it was admitted (±2 ms: whole-millisecond clocks).
    expect(ms).toBeLessThanOrEqual(60_000 - (refusedSent - firstAnswered) + 2);
    expect(ms).toBeGreaterThanOrEqual(60_000 - (refusedAnswered - firstSent) - 2);
    expect(res.headers.get('retry-after')).toBe(String(Math.ceil(ms / 1000)));
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60); // the SDK honours 0–60 s only
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('3');
    const body = (await res.json()) as { error: Record<string, unknown> & { details: Record<string, unknown> } };
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'UPSTREAM_RATE_LIMIT', param: null });
    expect(body.error.message).toMatch(
      /^Rate limit reached for gpt-4o-mini on requests per min \(RPM\): Limit 3, Used 3, Requested 1\. Please try again in \d/,
    );
    expect(body.error.details).toMatchObject({
      metric: 'RPM',
      limit: 3,
      used: 3,
      requested: 1,
      model: 'gpt-4o-mini',
      retry_after_seconds: Number(res.headers.get('retry-after')),
    });
    // Refused before any payment: no money moved.
    expect(t.node.ledgerTotals()).toEqual(before);
    const entry = t.node.journal().at(-1)!;
    expect(entry).toMatchObject({ status: 429, rule: 'limits.rpm', fault: 'rate_limit', outcome: 'faulted' });
  });

  it('limits each key on its own', async () => {
    for (let i = 0; i < 3; i++) await t.client.chat.completions.create(chat);
    await expect(t.client.chat.completions.create(chat)).rejects.toBeInstanceOf(RateLimitError);
    const other = new OpenAI({ apiKey: 'sk-...', baseURL: t.node.url, maxRetries: 0 });
    const { response } = await other.chat.completions.create(chat).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('2');
  });

  it('the SDK (maxRetries 0) raises RateLimitError carrying the headers', async () => {
    for (let i = 0; i < 3; i++) await t.client.chat.completions.create(chat);
    const err = await t.client.chat.completions.create(chat).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RateLimitError);
    const e = err as RateLimitError;
    expect(e.status).toBe(429);
    expect(e.type).toBe('rate_limit_error');
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(e.message).toContain('Rate limit reached');
  });

  it('also applies to streams and other model endpoints, and puts the headers on a stream', async () => {
    const res = await postJson(`${t.node.url}/chat/completions`, { ...chat, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(sseData(await res.text()).at(-1)).toBe('[DONE]');
    const emb = await t.client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' }).withResponse();
    expect(emb.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    await t.client.chat.completions.create(chat);
    const refused = await postJson(`${t.node.url}/embeddings`, { model: 'text-embedding-3-small', input: 'hello' });
    expect(refused.status).toBe(429);
  });

  it('does not limit the model list, account endpoints or unauthenticated calls', async () => {
    for (let i = 0; i < 3; i++) await t.client.chat.completions.create(chat);
    const models = await fetch(`${t.node.url}/models`, { headers: { authorization: 'Bearer sk-test' } });
    expect(models.status).toBe(200);
    expect(models.headers.get('x-ratelimit-limit-requests')).toBeNull();
    const info = await fetch(`${t.node.url}/balance/info`, { headers: { authorization: 'Bearer sk-test' } });
    expect(info.status).toBe(200);
    // No credential: the node's own 401, not a 429.
    const anonymous = await fetch(`${t.node.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat),
    });
    expect(anonymous.status).toBe(401);
  });

  it('starts over on reset and on scenario load', async () => {
    for (let i = 0; i < 3; i++) await t.client.chat.completions.create(chat);
    await expect(t.client.chat.completions.create(chat)).rejects.toBeInstanceOf(RateLimitError);
    t.node.reset();
    const { response } = await t.client.chat.completions.create(chat).withResponse();
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    t.node.loadScenario({ version: 1, limits: { rpm: 3 }, stream: { ttft_ms: 0, tokens_per_second: 0 } });
    const again = await t.client.chat.completions.create(chat).withResponse();
    expect(again.response.headers.get('x-ratelimit-remaining-requests')).toBe('2');
  });

  it('admits exactly rpm of many concurrent requests', async () => {
    const statuses = await Promise.all(Array.from({ length: 8 }, () => postJson(`${t.node.url}/chat/completions`, chat).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });
});

describe('no limits', () => {
  it('sends no x-ratelimit headers when the scenario sets no limits (like a real node)', async () => {
    const t = await startTestNode();
    try {
      const { response } = await t.client.chat.completions.create(chat).withResponse();
      expect(response.headers.get('x-ratelimit-limit-requests')).toBeNull();
      expect(response.headers.get('x-ratelimit-limit-tokens')).toBeNull();
    } finally {
      await t.close();
    }
  });
});

describe('tpm', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({ limits: { tpm: 100 } });
  });
  afterAll(() => t?.close());
  afterEach(() => t.node.reset());

  it('counts the prompt and completion tokens of settled responses and refuses once the window is full', async () => {
    const first = await t.client.chat.completions.create({ ...chat, max_tokens: 30 }).withResponse();
    expect(first.response.headers.get('x-ratelimit-limit-tokens')).toBe('100');
    // Tokens count after the fact: the first response's own headers still show the full allowance.
    expect(first.response.headers.get('x-ratelimit-remaining-tokens')).toBe('100');
    const used = first.data.usage!.prompt_tokens + first.data.usage!.completion_tokens;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 20)); // the tokens are recorded when the response is over

    // A stream counts too, once its usage chunk is settled.
    const stream = await t.client.chat.completions.create({ ...chat, max_tokens: 60, stream: true }).withResponse();
    expect(stream.response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(100 - used));
    let streamed = 0;
    for await (const chunk of stream.data) if (chunk.usage) streamed = chunk.usage.prompt_tokens + chunk.usage.completion_tokens;
    await new Promise((r) => setTimeout(r, 20));

    // 30 + 60 completion tokens plus two prompts: the window is now full.
    expect(used + streamed).toBeGreaterThanOrEqual(100);
    const err = await t.client.chat.completions.create(chat).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RateLimitError);
    const e = err as RateLimitError;
    expect(e.message).toMatch(/tokens per min \(TPM\): Limit 100, Used \d+\./);
    expect(e.headers?.get('x-ratelimit-remaining-tokens')).toBe('0');
    const ms = Number(e.headers?.get('retry-after-ms'));
    expect(ms).toBeGreaterThan(55_000);
    expect(ms).toBeLessThanOrEqual(60_000);
    expect(t.node.journal().at(-1)).toMatchObject({ rule: 'limits.tpm', status: 429 });
  });

  it('counts embeddings input tokens', async () => {
    const input = 'the quick brown fox jumps over the lazy dog '.repeat(12);
    const res = await t.client.embeddings.create({ model: 'text-embedding-3-small', input });
    expect(res.usage.prompt_tokens).toBeGreaterThanOrEqual(100);
    await new Promise((r) => setTimeout(r, 20));
    await expect(t.client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).rejects.toBeInstanceOf(RateLimitError);
  });

  it('does not count failed requests', async () => {
    const unknownKey = { authorization: 'Bearer sk-unknown' };
    for (let i = 0; i < 5; i++) expect((await postJson(`${t.node.url}/chat/completions`, chat, unknownKey)).status).toBe(401);
    const res = await postJson(`${t.node.url}/chat/completions`, chat, unknownKey);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-ratelimit-remaining-tokens')).toBe('100');
  });
});
