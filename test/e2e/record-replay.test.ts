import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type MockNode, type Recorder, lintScenario, startMockNode, startRecorder } from '../../src/index.ts';
import { mintToken } from '../../src/payment/cashu.ts';
import type { Coverage } from '../../src/record/coverage.ts';
import type { RuleSpec } from '../../src/scenario/types.ts';
import { callNode } from '../helpers/node.ts';
import { weatherTool } from '../helpers/tools.ts';

/**
 * Record a real node once, replay it forever (issue 7). A mock node with faults plays the real
 * node; the recording proxy runs in front of it while the official SDK drives it; then the
 * upstream is stopped, the recorded file is served, the same requests are replayed, and what the
 * SDK sees is compared: content and tool calls byte for byte (in fact whole responses, cost fields
 * and balances included), status and body for errors, and for streams the chunk count and timing.
 */

const MINT = 'http://mint.mock.local';

/** The upstream: paced streams (ttft 100 ms, 50 tokens/s) and the faults a real node shows. */
const UPSTREAM_SCENARIO = {
  version: 1,
  stream: { ttft_ms: 100, tokens_per_second: 50, chunk_tokens: 1 },
  rules: [
    { name: 'throttled', when: { message: 'throttle' }, fault: { type: 'rate_limit', retry_after_ms: 0 } },
    { name: 'broke', when: { message: 'insufficient' }, fault: { type: 'insufficient_balance' } },
    { name: 'provider down', when: { message: 'provider failure' }, fault: { type: 'upstream_error', status: 424 } },
    { name: 'flaky once', when: { message: 'flaky' }, fault: { type: 'upstream_error', status: 502 }, times: 1 },
    { name: 'cut', when: { stream: true, message: 'cut short' }, fault: { type: 'disconnect', after_chunks: 4 } },
    {
      name: 'weather',
      when: { tools: ['get_weather'], tool_result: false },
      reply: { tool_calls: [{ name: 'get_weather', arguments: { location: 'Tokyo', unit: 'celsius' } }] },
    },
  ],
} satisfies Record<string, unknown>;

const user = (content: string): OpenAI.ChatCompletionMessageParam => ({ role: 'user', content });

/** What the SDK saw of one call: the parsed result, or the error's status, body, message and headers that matter. */
interface Streamed {
  stream: true;
  chunks: unknown[];
  at: number[];
  content: string;
  error?: string;
}

type Seen =
  { ok: true; value: unknown } | { ok: false; status: number | undefined; error: unknown; message: string; headers: Record<string, string | null> } | Streamed;

async function seen(call: () => Promise<unknown>): Promise<Seen> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    if (!(err instanceof APIError)) throw err;
    const h = err.headers;
    return {
      ok: false,
      status: err.status,
      error: err.error,
      message: err.message,
      headers: {
        'retry-after': h?.get('retry-after') ?? null,
        'retry-after-ms': h?.get('retry-after-ms') ?? null,
        'x-routstr-error-scope': h?.get('x-routstr-error-scope') ?? null,
      },
    };
  }
}

/** A stream read to its end: every chunk and when it arrived, in ms from the request. */
async function streamed(client: OpenAI, body: OpenAI.ChatCompletionCreateParamsStreaming): Promise<Streamed> {
  const start = performance.now();
  const stream = await client.chat.completions.create(body);
  const chunks: unknown[] = [];
  const at: number[] = [];
  let content = '';
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      at.push(performance.now() - start);
      content += chunk.choices[0]?.delta?.content ?? '';
    }
  } catch (err) {
    return { stream: true, chunks, at, content, error: (err as Error).constructor.name };
  }
  return { stream: true, chunks, at, content };
}

const STORY: OpenAI.ChatCompletionCreateParamsStreaming = {
  model: 'gpt-4o-mini',
  messages: [user('Tell me a story about a harbour')],
  max_tokens: 30,
  stream: true,
};

/** The requests both runs make, in order (the balance after each is part of what is compared). */
function session(client: OpenAI): { name: string; run: () => Promise<Seen> }[] {
  let toolCall: OpenAI.ChatCompletionMessageToolCall | undefined;
  return [
    {
      name: 'plain chat',
      run: () =>
        seen(() =>
          client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be concise.' }, user('Describe a lighthouse')] }),
        ),
    },
    { name: 'streamed chat', run: () => streamed(client, STORY) },
    { name: 'stream cut short', run: () => streamed(client, { model: 'gpt-4o-mini', messages: [user('a story cut short')], stream: true }) },
    {
      name: 'tool call',
      run: async () => {
        const result = await seen(() =>
          client.chat.completions.create({ model: 'gpt-4o-mini', messages: [user("What's the weather in Tokyo?")], tools: [weatherTool] }),
        );
        if ('ok' in result && result.ok) toolCall = (result.value as OpenAI.ChatCompletion).choices[0]!.message.tool_calls?.[0];
        return result;
      },
    },
    {
      name: 'tool result',
      run: () =>
        seen(() =>
          client.chat.completions.create({
            model: 'gpt-4o-mini',
            tools: [weatherTool],
            messages: [
              user("What's the weather in Tokyo?"),
              { role: 'assistant', content: null, tool_calls: toolCall ? [toolCall] : [] },
              { role: 'tool', tool_call_id: toolCall?.id ?? 'none', content: '{"temperature": 21, "unit": "celsius"}' },
            ],
          }),
        ),
    },
    { name: 'embeddings', run: () => seen(() => client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], dimensions: 16 })) },
    { name: '429', run: () => seen(() => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [user('please throttle me')] })) },
    { name: '402', run: () => seen(() => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [user('insufficient funds?')] })) },
    { name: '424', run: () => seen(() => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [user('a provider failure')] })) },
    // The same request twice: a 502 the first time, an answer the second (recorded as a sequence).
    { name: 'flaky, 1st', run: () => seen(() => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [user('flaky request')] })) },
    { name: 'flaky, 2nd', run: () => seen(() => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [user('flaky request')] })) },
  ];
}

let dir: string;
let out: string;
let upstream: MockNode | undefined;
let recorder: Recorder | undefined;
const recordedRun: Record<string, Seen> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'routstr-record-'));
  out = join(dir, 'recorded.yaml');
  upstream = await startMockNode({ port: 0, scenario: UPSTREAM_SCENARIO });
  recorder = await startRecorder({ upstream: upstream.url, out, port: 0 });
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: recorder.url, maxRetries: 0 });
  for (const step of session(client)) recordedRun[step.name] = await step.run();
  // Recorded but never replayed: coverage reports it.
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [user('Only recorded, never replayed')] });
  // X-Cashu: the change token (X-Cashu header) and a refund token in an error body must not be written.
  const paid = await fetch(`${recorder.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-cashu': mintToken({ amount: 100, mint: MINT }) },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [user('Paid with ecash')] }),
  });
  expect(paid.status).toBe(200);
  expect(paid.headers.get('x-cashu')).toMatch(/^cashu/);
  const refunded = await fetch(`${recorder.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-cashu': mintToken({ amount: 100, mint: MINT }) },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [user('Too long')], max_tokens: 999_999 }),
  });
  expect(refunded.status, await refunded.clone().text()).toBe(400);
  expect(JSON.stringify(await refunded.json())).toMatch(/"refund_token":"cashu/);
  await recorder.close();
  recorder = undefined;
  await upstream.close();
  upstream = undefined;
});

afterAll(async () => {
  await recorder?.close();
  await upstream?.close();
});

/** A node serving the recorded file (the upstream is gone by now). */
async function replayNode(options: Parameters<typeof startMockNode>[0] = {}): Promise<{ node: MockNode; client: OpenAI }> {
  const node = await startMockNode({ port: 0, scenario: out, ...options });
  return { node, client: new OpenAI({ apiKey: 'sk-test', baseURL: node.url, maxRetries: 0 }) };
}

describe('record, then replay offline', () => {
  it('the recording proxy returned the upstream answers unchanged, faults included', () => {
    const chat = recordedRun['plain chat'] as { ok: true; value: OpenAI.ChatCompletion };
    expect(chat.ok).toBe(true);
    expect(chat.value.choices[0]!.message.content).toMatch(/\w/);
    expect((recordedRun['tool call'] as { value: OpenAI.ChatCompletion }).value.choices[0]!.message.tool_calls![0]).toMatchObject({
      type: 'function',
      function: {
        name: 'get_weather',
        arguments: '{"location":"Tokyo","unit":"celsius"}',
      },
    });
    expect(recordedRun['429']).toMatchObject({ ok: false, status: 429, headers: { 'retry-after-ms': '0' } });
    expect(recordedRun['402']).toMatchObject({ ok: false, status: 402 });
    expect(recordedRun['424']).toMatchObject({ ok: false, status: 424, headers: { 'x-routstr-error-scope': 'upstream' } });
    expect(recordedRun['flaky, 1st']).toMatchObject({ ok: false, status: 502 });
    expect(recordedRun['flaky, 2nd']).toMatchObject({ ok: true });
    // A connection the upstream dropped mid-stream is dropped for the client too.
    expect(recordedRun['stream cut short']).toMatchObject({ stream: true, error: expect.any(String) });
    expect((recordedRun['stream cut short'] as { chunks: unknown[] }).chunks.length).toBeGreaterThan(0);
    const story = recordedRun['streamed chat'] as { at: number[]; chunks: unknown[] };
    // Paced as the upstream paces: ~100 ms to the first token, then 50 tokens/s.
    expect(story.at[0]!).toBeGreaterThan(80);
    expect(story.at.at(-1)!).toBeGreaterThan(500);
  });

  it('replays every request as recorded: whole responses, error status and body, stream chunks and timing', async () => {
    const { node, client } = await replayNode({ replay: { mode: 'strict' } });
    try {
      for (const step of session(client)) {
        const was = recordedRun[step.name]!;
        const now = await step.run();
        if ('stream' in was) {
          const replayed = now as typeof was;
          expect(replayed.content, step.name).toBe(was.content);
          expect(replayed.error, step.name).toBe(was.error);
          expect(replayed.chunks, step.name).toEqual(was.chunks);
          expect(replayed.chunks.length).toBe(was.chunks.length);
          // Timing within 10 % of the stream's duration, chunk by chunk (the duration is the last
          // chunk's), but for one chunk at most, which a busy machine may deliver late.
          const duration = was.at.at(-1)!;
          const offBy = replayed.at.map((t, i) => Math.abs(t - was.at[i]!));
          expect(offBy.filter((off) => off >= duration * 0.1).length, `chunks off by ${offBy.map(Math.round).join(', ')} ms`).toBeLessThanOrEqual(1);
        } else {
          expect(now, step.name).toEqual(was);
        }
      }
      // Content and tool calls byte for byte, said explicitly.
      const story = recordedRun['streamed chat'] as { content: string };
      expect(story.content.length).toBeGreaterThan(20);
      // Recorded successes were paid for: the balance ran down by the recorded costs.
      expect(node.ledgerTotals().charged).toBeGreaterThan(0);
      // Recorded errors and the recorded sequence (502 once, then the answer) came back as recorded.
      const journal = node.journal();
      expect(journal.filter((e) => e.path === '/v1/chat/completions' && e.status === 502)).toHaveLength(1);
      expect(journal.every((e) => e.rule !== '(no recording)')).toBe(true);
    } finally {
      await node.close();
    }
  });

  it('is an ordinary scenario: it lints, reads as YAML, and holds no key, token or X-Cashu value', () => {
    expect(lintScenario(out)).toEqual([]);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toMatch(/sk-test/);
    expect(text).not.toMatch(/cashu[AB][A-Za-z0-9]/);
    expect(text).not.toMatch(/authorization|x-cashu/i);
    expect(text).toContain('refund_token: cashuREDACTED');
    const doc = parse(text) as { models: unknown[]; rules: RuleSpec[] };
    expect(doc.models.length).toBeGreaterThan(3);
    const story = doc.rules.find((r) => r.when?.stream === true)!;
    expect(story.when).toMatchObject({ path: '/chat/completions', model: 'gpt-4o-mini', stream: true });
    expect(story.when!.fingerprint).toMatch(/^messages=[0-9a-f]{8} tools=- format=- params=[0-9a-f]{8}$/);
    expect(story.reply!.recorded!.events!.at(-1)).toMatchObject({ data: '[DONE]' });
    const cut = doc.rules.find((r) => r.name?.endsWith('a story cut short'))!;
    expect(cut.reply!.recorded).toMatchObject({ status: 200, disconnect: true });
    expect(typeof story.reply!.recorded!.events![1]!.data).toBe('object');
    const flaky = doc.rules.filter((r) => r.name === 'chat/completions gpt-4o-mini: flaky request');
    expect(flaky.map((r) => [r.reply!.recorded!.status, r.times])).toEqual([
      [502, 1],
      [200, undefined],
    ]);
    // A comment line per rule names the request.
    expect(text).toMatch(
      /# POST \/v1\/chat\/completions · gpt-4o-mini · stream · "Tell me a story about a harbour" → 200, \d+ events over \d+ ms, cost \d+ msats/,
    );
  });

  it('--replay-speed 2 halves stream durations', async () => {
    const { node, client } = await replayNode({ replay: { speed: 2 } });
    try {
      const was = recordedRun['streamed chat'] as { at: number[]; content: string };
      const fast = await streamed(client, STORY);
      expect(fast.content).toBe(was.content);
      const ratio = fast.at.at(-1)! / was.at.at(-1)!;
      expect(ratio).toBeGreaterThan(0.35);
      expect(ratio).toBeLessThan(0.65);
    } finally {
      await node.close();
    }
  });

  it('normalised matching: whitespace and tool call ids do not matter', async () => {
    const { node, client } = await replayNode({ replay: { mode: 'strict' } });
    try {
      const was = recordedRun['plain chat'] as { value: OpenAI.ChatCompletion };
      const spaced = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: ' Be   concise. ' },
          { role: 'user', content: [{ type: 'text', text: 'Describe\na lighthouse' }] },
        ],
      });
      expect(spaced.choices[0]!.message.content).toBe(was.value.choices[0]!.message.content);
      const toolResult = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        tools: [weatherTool],
        messages: [
          user("What's the weather in Tokyo?"),
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: 'call_other', type: 'function', function: { name: 'get_weather', arguments: '{ "unit": "celsius", "location": "Tokyo" }' } }],
          },
          { role: 'tool', tool_call_id: 'call_other', content: '{"temperature": 21, "unit": "celsius"}' },
        ],
      });
      expect(toolResult.choices[0]!.message.content).toBe((recordedRun['tool result'] as { value: OpenAI.ChatCompletion }).value.choices[0]!.message.content);
    } finally {
      await node.close();
    }
  });

  it('--strict: an unmatched request gets a 404 in the node envelope naming the nearest recorded request and the part that differed', async () => {
    const { node, client } = await replayNode({ replay: { mode: 'strict' } });
    try {
      const err = (await seen(() =>
        client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be concise.' }, user('Describe a windmill')] }),
      )) as { ok: false; status: number; error: Record<string, unknown>; message: string };
      expect(err.status).toBe(404);
      expect(err.error).toMatchObject({ type: 'not_found', code: 'no_recording', nearest: { name: 'chat/completions gpt-4o-mini: Describe a lighthouse' } });
      expect(err.message).toContain('"chat/completions gpt-4o-mini: Describe a lighthouse"');
      expect(err.message).toContain('it differs in messages');
      const model = (await seen(() =>
        client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'system', content: 'Be concise.' }, user('Describe a lighthouse')] }),
      )) as { ok: false; message: string };
      expect(model.message).toContain('it differs in model (request "gpt-4o", rule "gpt-4o-mini")');
      const raw = await callNode(node, '/v1/embeddings', {
        headers: { authorization: 'Bearer sk-test' },
        body: { model: 'text-embedding-3-small', input: 'gamma' },
      });
      expect(raw.status).toBe(404);
      expect(raw.body.request_id).toEqual(expect.any(String));
      expect(raw.body.error.message).toMatch(
        /nearest recorded request is rule \d+ "embeddings text-embedding-3-small: alpha \| beta"; it differs in input, params/,
      );
      // Non-model endpoints are still the mock's own.
      expect((await client.models.list()).data.length).toBeGreaterThan(0);
    } finally {
      await node.close();
    }
  });

  it('GET /__mock/coverage lists rules never hit and requests that matched nothing, with the nearest rule', async () => {
    const { node, client } = await replayNode();
    try {
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be concise.' }, user('Describe a lighthouse')] });
      // Fallback mode: an unknown request gets a generated answer, and is counted.
      const generated = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [user('Something never recorded')] });
      expect(generated.choices[0]!.message.content).toMatch(/\w/);
      const coverage = (await callNode(node, '/__mock/coverage')).body as Coverage;
      expect(coverage.never_hit.map((r) => r.name)).toContain('chat/completions gpt-4o-mini: Only recorded, never replayed');
      expect(coverage.rules.find((r) => r.name === 'chat/completions gpt-4o-mini: Describe a lighthouse')?.hits).toBe(1);
      expect(coverage.unmatched).toHaveLength(1);
      expect(coverage.unmatched[0]).toMatchObject({
        method: 'POST',
        path: '/chat/completions',
        model: 'gpt-4o-mini',
        stream: false,
        count: 1,
        fingerprint: expect.stringMatching(/^messages=[0-9a-f]{8} tools=- format=- params=-$/),
        nearest: { differs: [{ field: 'messages' }] },
      });
    } finally {
      await node.close();
    }
  });

  it('replayed successes are paid: an unknown key gets the 401, a poor one the 402; recorded errors cost nothing', async () => {
    const { node } = await replayNode({ scenario: out, replay: { mode: 'strict' } });
    try {
      const ask = { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be concise.' }, user('Describe a lighthouse')] };
      expect((await callNode(node, '/v1/chat/completions', { headers: { authorization: 'Bearer sk-unknown' }, body: ask })).status).toBe(401);
      await callNode(node, '/__mock/keys', { body: { key: 'sk-poor', balance_msats: 1 } });
      const poor = await callNode(node, '/v1/chat/completions', { headers: { authorization: 'Bearer sk-poor' }, body: ask });
      expect(poor.status).toBe(402);
      expect(poor.body.error.code).toBe('insufficient_balance');
      const before = node.ledgerTotals().charged;
      const throttled = await callNode(node, '/v1/chat/completions', {
        headers: { authorization: 'Bearer sk-test' },
        body: { model: 'gpt-4o-mini', messages: [user('please throttle me')] },
      });
      expect(throttled.status).toBe(429);
      expect(node.ledgerTotals().charged).toBe(before);
      const paid = await callNode(node, '/v1/chat/completions', { headers: { authorization: 'Bearer sk-test' }, body: ask });
      const cost = paid.body.cost.total_msats as number;
      expect(node.ledgerTotals().charged).toBe(before + cost);
      expect(paid.body.usage.remaining_balance_msats).toBe(100_000_000 - cost);
    } finally {
      await node.close();
    }
  });
});

describe('recording limits and modes', () => {
  let node: MockNode | undefined;
  afterAll(async () => node?.close());

  it('--max-sats: once the reported cost reaches it, model requests are refused with a clear 402 and not forwarded', async () => {
    node = await startMockNode({ port: 0, scenario: { version: 1, stream: { ttft_ms: 0, tokens_per_second: 0 } } });
    const file = join(dir, 'budget.yaml');
    const rec = await startRecorder({ upstream: node.url, out: file, port: 0, maxSats: 1, key: 'sk-test', captureNodeInfo: false });
    try {
      // The client's own key is not needed: --key is the upstream credential.
      const client = new OpenAI({ apiKey: 'sk-client-placeholder', baseURL: rec.url, maxRetries: 0 });
      const first = await client.chat.completions.create({ model: 'gpt-4', messages: [user('Write about the sea')] });
      expect(first.usage).toMatchObject({ cost: { total_msats: expect.any(Number) } });
      expect((first.usage as unknown as { cost: { total_msats: number } }).cost.total_msats).toBeGreaterThanOrEqual(1000);
      const refused = (await seen(() => client.chat.completions.create({ model: 'gpt-4', messages: [user('And about the mountains')] }))) as {
        ok: false;
        status: number;
        message: string;
        error: Record<string, unknown>;
      };
      expect(refused.status).toBe(402);
      expect(refused.error).toMatchObject({ code: 'max_sats_reached', type: 'insufficient_quota' });
      expect(refused.message).toMatch(/--max-sats 1 reached \(the upstream reported \d+ msats so far\); POST \/v1\/chat\/completions was not forwarded/);
      expect(node.journal().filter((e) => e.path === '/v1/chat/completions')).toHaveLength(1);
      // Free requests still go through.
      expect((await client.models.list()).data.length).toBeGreaterThan(0);
      expect(rec.session.recorded).toBe(1);
      expect(readFileSync(file, 'utf8')).not.toContain('sk-test');
    } finally {
      await rec.close();
    }
  });

  it('serve --record-missing forwards and records what no rule answers, then replays it; --re-record starts over', async () => {
    node ??= await startMockNode({ port: 0, scenario: { version: 1, stream: { ttft_ms: 0, tokens_per_second: 0 } } });
    const file = join(dir, 'missing.yaml');
    copyFileSync(out, file);
    const rulesBefore = (parse(readFileSync(file, 'utf8')) as { rules: unknown[] }).rules.length;
    const upstreamNode = node;
    const forwarded = () => upstreamNode.journal().filter((e) => e.path === '/v1/chat/completions').length;
    const before = forwarded();
    const serving = await startMockNode({ port: 0, scenario: file, replay: { mode: 'record-missing', upstream: node.url } });
    try {
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: serving.url, maxRetries: 0 });
      const ask = { model: 'gpt-4o-mini', messages: [user('A question for the real node')] };
      const first = await client.chat.completions.create(ask);
      expect(forwarded()).toBe(before + 1);
      const second = await client.chat.completions.create(ask);
      expect(second.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
      expect(second.id).toBe(first.id);
      // Recorded requests, the new one included, are not forwarded.
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be concise.' }, user('Describe a lighthouse')] });
      expect(forwarded()).toBe(before + 1);
      const rules = (parse(readFileSync(file, 'utf8')) as { rules: RuleSpec[] }).rules;
      expect(rules).toHaveLength(rulesBefore + 1);
      expect(rules.at(-1)!.name).toBe('chat/completions gpt-4o-mini: A question for the real node');
      expect(lintScenario(file)).toEqual([]);
    } finally {
      await serving.close();
    }
    const again = await startRecorder({ upstream: node.url, out: file, port: 0, reRecord: true });
    await again.close();
    const kept = parse(readFileSync(file, 'utf8')) as { rules: RuleSpec[]; models: unknown[] };
    expect(kept.rules).toEqual([]);
    expect(kept.models.length).toBeGreaterThan(0);
  });
});

describe('CLI', () => {
  const ROOT = resolve(import.meta.dirname, '../..');
  const BIN = join(ROOT, 'bin/routstr-mock.js');
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  /** Starts a command and resolves with the first match of `ready` in its output. */
  function start(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
    children.push(child);
    let out = '';
    return new Promise((resolvePromise, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        const match = ready.exec(out);
        if (match) resolvePromise({ child, match, output: () => out });
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
  }

  function stopped(child: ChildProcess): Promise<void> {
    return new Promise((resolvePromise) => {
      // 'close', not 'exit': the last lines of output are read by then.
      child.once('close', () => resolvePromise());
      child.kill('SIGINT');
    });
  }

  it('record proxies and records; serve --strict replays and prints coverage at shutdown', async () => {
    const up = await startMockNode({ port: 0, scenario: { version: 1, stream: { ttft_ms: 0, tokens_per_second: 0 } } });
    const file = join(dir, 'cli.yaml');
    try {
      const rec = await start(['record', '--upstream', up.url, '--out', file, '--port', '0', '--max-sats', '50'], /record: (http:\S+\/v1) →/);
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: rec.match[1], maxRetries: 0 });
      const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [user('Hello from the CLI')] });
      await stopped(rec.child);
      expect(rec.output()).toMatch(/recorded rule 1 \(chat\/completions gpt-4o-mini: Hello from the CLI\) → 200, \d+ msats \(\d+ of 50000 msats spent\)/);
      expect(rec.output()).toMatch(/recorded 1 request to .*cli\.yaml; the upstream reported \d+ msats/);

      const serve = await start(['serve', '--port', '0', '--scenario', file, '--strict'], /on (http:\S+\/v1)/);
      const replayClient = new OpenAI({ apiKey: 'sk-test', baseURL: serve.match[1], maxRetries: 0 });
      const replayed = await replayClient.chat.completions.create({ model: 'gpt-4o-mini', messages: [user('Hello from the CLI')] });
      expect(replayed.choices[0]!.message.content).toBe(answer.choices[0]!.message.content);
      await expect(replayClient.chat.completions.create({ model: 'gpt-4o-mini', messages: [user('Hello from elsewhere')] })).rejects.toThrow(
        /404 No recorded answer/,
      );
      await stopped(serve.child);
      expect(serve.output()).toMatch(
        /coverage: 1 of 1 rule hit; 1 request matched no rule: POST \/chat\/completions gpt-4o-mini \(nearest rule 1 "chat\/completions gpt-4o-mini: Hello from the CLI", differs in messages\)/,
      );
    } finally {
      await up.close();
    }
  });
});
