import { Ajv2020 } from 'ajv/dist/2020.js';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecValidator } from '../helpers/openai-spec.ts';
import { type TestNode, postJson, sseData, startTestNode } from '../helpers/node.ts';
import { weatherTool } from '../helpers/tools.ts';

let t: TestNode;
const spec = loadSpecValidator();

beforeAll(async () => {
  t = await startTestNode();
});
afterAll(() => t.close());

const timeTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_time',
    description: 'Get the local time in a timezone',
    parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
  },
};
const stockTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_stock_price',
    description: 'Look up a stock ticker price',
    parameters: { type: 'object', properties: { ticker: { type: 'string', pattern: '^[A-Z]{1,5}$' } }, required: ['ticker'] },
  },
};

/**
 * Routstr's `metadata.routstr` cost object collides with the spec's new string-only `metadata`
 * map (conformance-anchors.md §1.5); real nodes send it, so the mock does too and it is waived.
 */
function expectSpecValid(name: string, value: unknown) {
  expect(spec.validate(name, value, { waive: ['/metadata/routstr'] })).toEqual([]);
}

async function rawStream(body: Record<string, unknown>) {
  const res = await postJson(`${t.node.url}/chat/completions`, { model: 'gpt-4o-mini', stream: true, ...body });
  const raw = await res.text();
  return { res, raw, data: sseData(raw) };
}

describe('non-streaming chat', () => {
  it('returns a spec-valid chat.completion with real token usage', async () => {
    const r = await t.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Explain how a lighthouse works' }] });
    expectSpecValid('CreateChatCompletionResponse', r);
    expect(r.model).toBe('gpt-4o-mini');
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    // "Explain how a lighthouse works" is 5 tokens in o200k; plus 3 per message, 1 for the role, 3 to prime.
    expect(r.usage!.prompt_tokens).toBe(12);
  });

  it('honours n with distinct, indexed choices', async () => {
    const r = await t.client.chat.completions.create({ model: 'gpt-4o-mini', n: 3, messages: [{ role: 'user', content: 'Give me a slogan' }] });
    expectSpecValid('CreateChatCompletionResponse', r);
    expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(r.choices.map((c) => c.message.content)).size).toBe(3);
  });

  it.each(['max_tokens', 'max_completion_tokens'] as const)('%s cuts the reply with finish_reason "length"', async (param) => {
    const r = await t.client.chat.completions.create({
      model: 'gpt-4o-mini',
      [param]: 7,
      messages: [{ role: 'user', content: 'Write a long essay about rivers' }],
    });
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage!.completion_tokens).toBe(7);
  });

  it('stops before a stop sequence', async () => {
    const full = await t.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Describe the ocean' }] });
    const cut = await t.client.chat.completions.create({ model: 'gpt-4o-mini', stop: ['.'], messages: [{ role: 'user', content: 'Describe the ocean' }] });
    const content = cut.choices[0]!.message.content!;
    expect(content).not.toContain('.');
    expect(full.choices[0]!.message.content!.startsWith(content)).toBe(true);
    expect(cut.choices[0]!.finish_reason).toBe('stop');
  });

  it('same request and seed give the same content; temperature changes it', async () => {
    const ask = (temperature: number) =>
      t.client.chat.completions.create({ model: 'gpt-4o-mini', temperature, messages: [{ role: 'user', content: 'Name a color' }] });
    const [a, b, c] = await Promise.all([ask(0.5), ask(0.5), ask(1.5)]);
    expect(a.choices[0]!.message.content).toBe(b.choices[0]!.message.content);
    expect(a.choices[0]!.message.content).not.toBe(c.choices[0]!.message.content);
  });

  it('response_format json_object gives a JSON object', async () => {
    const r = await t.client.chat.completions.create({
      model: 'gpt-4o-mini',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'List facts about Mars as JSON' }],
    });
    const parsed: unknown = JSON.parse(r.choices[0]!.message.content!);
    expect(parsed).toBeTypeOf('object');
    expect(Array.isArray(parsed)).toBe(false);
  });

  it('response_format json_schema gives JSON that matches the schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        age: { type: 'integer', minimum: 0, maximum: 130 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
        address: {
          type: 'object',
          properties: { city: { type: 'string' }, zip: { type: 'string', pattern: '^\\d{5}$' } },
          required: ['city', 'zip'],
          additionalProperties: false,
        },
      },
      required: ['name', 'age', 'tags', 'address'],
      additionalProperties: false,
    };
    const validate = new Ajv2020({ strict: false }).compile(schema);
    for (const content of ['Describe a person', 'Another person please', 'A third one']) {
      const r = await t.client.chat.completions.create({
        model: 'gpt-4o-mini',
        response_format: { type: 'json_schema', json_schema: { name: 'person', strict: true, schema } },
        messages: [{ role: 'user', content }],
      });
      const value: unknown = JSON.parse(r.choices[0]!.message.content!);
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('returns logprobs when asked', async () => {
    const r = await t.client.chat.completions.create({
      model: 'gpt-4o-mini',
      logprobs: true,
      top_logprobs: 2,
      max_tokens: 5,
      messages: [{ role: 'user', content: 'Hi there friend' }],
    });
    expectSpecValid('CreateChatCompletionResponse', r);
    const lp = r.choices[0]!.logprobs!.content!;
    expect(lp).toHaveLength(5);
    expect(lp.map((e) => e.token).join('')).toBe(r.choices[0]!.message.content);
    expect(lp[0]!.top_logprobs).toHaveLength(2);
  });
});

describe('tool calls', () => {
  const ask = (body: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>) =>
    t.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: "What's the weather in Paris?" }], ...body });

  it('auto picks the fitting tool; arguments are a JSON string that satisfies the schema', async () => {
    const r = await ask({ tools: [timeTool, weatherTool], tool_choice: 'auto' });
    expectSpecValid('CreateChatCompletionResponse', r);
    const calls = r.choices[0]!.message.tool_calls!;
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(call.id).toMatch(/^call_/);
    const args: unknown = JSON.parse(call.function.arguments);
    expect(new Ajv2020({ strict: false }).validate(weatherTool.function.parameters!, args)).toBe(true);
    expect((args as { location: string }).location).toBe('Paris');
    expect(r.choices[0]!.message.content).toBeNull();
  });

  it('several fitting tools are called in parallel, and only one when parallel_tool_calls is false', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Get the weather and the local time in Tokyo' }];
    const r = await ask({ messages, tools: [weatherTool, timeTool, stockTool] });
    const names = r.choices[0]!.message.tool_calls!.map((c) => (c.type === 'function' ? c.function.name : ''));
    expect(names.sort()).toEqual(['get_time', 'get_weather']);
    expect(new Set(r.choices[0]!.message.tool_calls!.map((c) => c.id)).size).toBe(2);
    const single = await ask({ messages, tools: [weatherTool, timeTool, stockTool], parallel_tool_calls: false });
    expect(single.choices[0]!.message.tool_calls).toHaveLength(1);
  });

  it('required forces a call even when nothing fits; a named choice calls that tool', async () => {
    const required = await ask({ messages: [{ role: 'user', content: 'Hello' }], tools: [stockTool], tool_choice: 'required' });
    expect(required.choices[0]!.message.tool_calls![0]!.type).toBe('function');
    const named = await ask({ tools: [weatherTool, stockTool], tool_choice: { type: 'function', function: { name: 'get_stock_price' } } });
    const call = named.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && call.function.name).toBe('get_stock_price');
    expect(JSON.parse(call.type === 'function' ? call.function.arguments : '{}').ticker).toMatch(/^[A-Z]{1,5}$/);
  });

  it('none gives text', async () => {
    const r = await ask({ tools: [weatherTool], tool_choice: 'none' });
    expect(r.choices[0]!.message.tool_calls).toBeUndefined();
    expect(r.choices[0]!.message.content).toBeTruthy();
    expect(r.choices[0]!.finish_reason).toBe('stop');
  });

  it('after a tool result the reply is text, so an agent loop ends', async () => {
    const first = await ask({ tools: [weatherTool] });
    const call = first.choices[0]!.message.tool_calls![0]!;
    const second = await ask({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: "What's the weather in Paris?" },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature: 18, condition: 'cloudy' }) },
      ],
    });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toContain('temperature: 18');
  });

  it('runTools drives a whole agent loop to a final answer', async () => {
    const runner = t.client.chat.completions.runTools({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: "What's the weather in Oslo?" }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Get the weather',
            parameters: weatherTool.function.parameters!,
            function: (args: { location: string }) => ({ location: args.location, temperature: 3 }),
            parse: JSON.parse,
          },
        },
      ],
    });
    const final = await runner.finalContent();
    expect(final).toContain('temperature: 3');
  });
});

describe('streaming chat', () => {
  it('frames: role first, content deltas, one finish per choice, usage chunk, exact [DONE]', async () => {
    const { res, raw, data } = await rawStream({ messages: [{ role: 'user', content: 'Tell me a story about a fox' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as OpenAI.ChatCompletionChunk);
    for (const c of chunks) expectSpecValid('CreateChatCompletionStreamResponse', c);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.slice(1).every((c) => c.choices[0]?.delta.role === undefined)).toBe(true);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason)).toHaveLength(1);
    const usage = chunks[chunks.length - 1]!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage!.completion_tokens).toBe(chunks.filter((c) => c.choices[0]?.delta.content).length);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('streamed text equals the non-streamed text for the same request', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Describe a mountain' }];
    const whole = await t.client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const { data } = await rawStream({ messages });
    const text = data
      .slice(0, -1)
      .map((d) => JSON.parse(d) as OpenAI.ChatCompletionChunk)
      .map((c) => c.choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe(whole.choices[0]!.message.content);
  });

  it("passes the SDK's own stream helper", async () => {
    const stream = t.client.chat.completions.stream({
      model: 'gpt-4o-mini',
      n: 2,
      messages: [{ role: 'user', content: 'Write a haiku' }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices).toHaveLength(2);
    expect(final.choices.every((c) => c.finish_reason === 'stop' && c.message.content)).toBe(true);
    expect(final.usage!.total_tokens).toBeGreaterThan(0);
  });

  it('streams tool calls: index, id/type/name first, argument fragments after', async () => {
    const { data } = await rawStream({ messages: [{ role: 'user', content: 'Weather and time in Rome?' }], tools: [weatherTool, timeTool] });
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as OpenAI.ChatCompletionChunk);
    for (const c of chunks) expectSpecValid('CreateChatCompletionStreamResponse', c);
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const byIndex = new Map<number, typeof deltas>();
    for (const d of deltas) byIndex.set(d.index, [...(byIndex.get(d.index) ?? []), d]);
    expect([...byIndex.keys()]).toEqual([0, 1]);
    for (const list of byIndex.values()) {
      expect(list[0]!.id).toMatch(/^call_/);
      expect(list[0]!.type).toBe('function');
      expect(list[0]!.function!.name).toBeTruthy();
      expect(list.slice(1).every((d) => d.id === undefined && d.function?.name === undefined)).toBe(true);
      expect(() => JSON.parse(list.map((d) => d.function?.arguments ?? '').join(''))).not.toThrow();
    }
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('tool_calls');
    const final = await t.client.chat.completions
      .stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather and time in Rome?' }], tools: [weatherTool, timeTool] })
      .finalChatCompletion();
    expect(final.choices[0]!.message.tool_calls).toHaveLength(2);
  });

  it('with usage_chunk "requested", the usage chunk comes only when include_usage is set', async () => {
    const plain = await startTestNode({ stream: { ttft_ms: 0, tokens_per_second: 0, chunk_tokens: 1, usage_chunk: 'requested' } });
    try {
      const url = `${plain.node.url}/chat/completions`;
      const body = { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] };
      const without = sseData(await (await postJson(url, body)).text())
        .slice(0, -1)
        .map((d) => JSON.parse(d) as Record<string, unknown>);
      expect(without.every((c) => !('usage' in c))).toBe(true);
      const withUsage = sseData(await (await postJson(url, { ...body, stream_options: { include_usage: true } })).text())
        .slice(0, -1)
        .map((d) => JSON.parse(d) as OpenAI.ChatCompletionChunk);
      expect(withUsage[withUsage.length - 1]!.choices).toEqual([]);
      expect(withUsage[withUsage.length - 1]!.usage!.total_tokens).toBeGreaterThan(0);
    } finally {
      await plain.close();
    }
  });

  it('streams even when the client sends Accept: application/json, as the SDK does', async () => {
    const { res } = await rawStream({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });
});
