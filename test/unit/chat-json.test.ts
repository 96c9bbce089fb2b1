import { describe, expect, it } from 'vitest';
import { type ChatPlan, planChat } from '../../src/generate/chat.ts';
import { tokenizerFor } from '../../src/generate/tokens.ts';
import { type CostData, costFromUsage } from '../../src/payment/billing.ts';
import type { Settlement } from '../../src/payment/payments.ts';
import { parseChatRequest } from '../../src/requests/chat.ts';
import { type LogprobOptions, type ResponseMeta, chatCompletionBody, chatCompletionChunks, paidChatCompletionJson } from '../../src/responses/chat.ts';
import { addCostToBody } from '../../src/responses/cost.ts';
import { loadScenario } from '../../src/scenario/loader.ts';

const model = loadScenario('default').models.find((m) => m.id === 'gpt-4o-mini')!;
const tokenizer = tokenizerFor(model.id);
const meta: ResponseMeta = { id: 'chatcmpl-3f19c8bd-65a0-4b02-8d05-c0b978a3ca8e', created: 1795718822, model: model.id, systemFingerprint: 'fp_0c17e944' };

const weather = {
  type: 'function',
  function: { name: 'get_weather', description: 'Get the weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

const requests: Record<string, Record<string, unknown>> = {
  plain: { messages: [{ role: 'user', content: 'Hello! What is a good name for a cat?' }] },
  story: { messages: [{ role: 'user', content: 'Tell me a long story about a lighthouse keeper' }], n: 3 },
  cut: { messages: [{ role: 'user', content: 'Explain how tides work' }], max_tokens: 7 },
  logprobs: { messages: [{ role: 'user', content: 'Say something "quoted"\n\tand \\ escaped' }], logprobs: true, top_logprobs: 3 },
  tools: { messages: [{ role: 'user', content: 'What is the weather in Paris?' }], tools: [weather], tool_choice: 'required' },
  json: { messages: [{ role: 'user', content: 'Give me a JSON object about émoji 🎉' }], response_format: { type: 'json_object' } },
};

function reference(plan: ChatPlan, logprobs: LogprobOptions, cost: CostData, settlement: Settlement): string {
  return JSON.stringify(addCostToBody(chatCompletionBody(plan, meta, logprobs), cost, settlement));
}

describe('paidChatCompletionJson', () => {
  const settlements: Record<string, Settlement> = {
    bearer: { charged: 39, remainingBalance: 99_999_961 },
    xcashu: { charged: 1000, changeToken: 'cashuBchange' },
  };
  for (const [name, body] of Object.entries(requests)) {
    for (const [payment, settlement] of Object.entries(settlements)) {
      it(`writes exactly JSON.stringify of the response object: ${name}, ${payment}`, () => {
        for (let seed = 0; seed < 20; seed++) {
          const chat = parseChatRequest(body, model);
          const plan = planChat({ request: chat, modelId: model.id, scenarioSeed: seed, tokenizer });
          const logprobs = { enabled: chat.logprobs, top: chat.topLogprobs, tokenizer };
          for (const btcUsd of [100_000, 0, 123_456.789]) {
            const cost = costFromUsage(model, plan.promptTokens, plan.completionTokens, btcUsd);
            expect(paidChatCompletionJson(plan, meta, logprobs, cost, settlement)).toBe(reference(plan, logprobs, cost, settlement));
          }
        }
      });
    }
  }

  it('handles scripted plans: null content, a scripted finish reason, odd numbers', () => {
    const plan: ChatPlan = {
      choices: [{ index: 0, content: null, pieces: [], toolCalls: [], finishReason: 'content_filter', completionTokens: 0 }],
      promptTokens: 0,
      completionTokens: 0,
    };
    const logprobs = { enabled: false, top: 0, tokenizer };
    const cost: CostData = { ...costFromUsage(model, 0, 0, 100_000), total_usd: Number.NaN };
    for (const settlement of Object.values(settlements)) {
      expect(paidChatCompletionJson(plan, meta, logprobs, cost, settlement)).toBe(reference(plan, logprobs, cost, settlement));
    }
  });
});

/**
 * The chunks as objects, the way the OpenAI spec shapes them (and the way the mock built them
 * before writing them as text): the oracle for chatCompletionChunks.
 */
function referenceChunks(plan: ChatPlan, withUsage: boolean, chunkTokens: number, logprobs: LogprobOptions): { kind: string; tokens: number; chunk: object }[] {
  const base = { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, system_fingerprint: meta.systemFingerprint };
  const frame = (kind: string, tokens: number, choice: object) => ({
    kind,
    tokens,
    chunk: { ...base, choices: [choice], ...(withUsage ? { usage: null } : {}) },
  });
  const full = chatCompletionBody(plan, meta, logprobs);
  const perChoice = plan.choices.map((choice, c) => {
    const lp = full.choices[c]!.logprobs;
    const index = choice.index;
    const frames = [
      frame('role', 0, {
        index,
        delta: { role: 'assistant', content: choice.toolCalls.length ? null : '', refusal: null },
        logprobs: null,
        finish_reason: null,
      }),
    ];
    for (let i = 0; i < choice.pieces.length; i += chunkTokens) {
      const slice = choice.pieces.slice(i, i + chunkTokens);
      const chunkLogprobs = lp ? { content: lp.content.slice(i, i + chunkTokens), refusal: null } : null;
      frames.push(frame('content', slice.length, { index, delta: { content: slice.join('') }, logprobs: chunkLogprobs, finish_reason: null }));
    }
    choice.toolCalls.forEach((call, callIndex) => {
      const header = { index: callIndex, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
      frames.push(frame('tool', 1, { index, delta: { tool_calls: [header] }, logprobs: null, finish_reason: null }));
      for (let i = 0; i < call.arguments.length; i += 4 * chunkTokens) {
        const fragment = { index: callIndex, function: { arguments: call.arguments.slice(i, i + 4 * chunkTokens) } };
        frames.push(frame('tool', chunkTokens, { index, delta: { tool_calls: [fragment] }, logprobs: null, finish_reason: null }));
      }
    });
    frames.push(frame('finish', 0, { index, delta: {}, logprobs: null, finish_reason: choice.finishReason }));
    return frames;
  });
  const out: ReturnType<typeof frame>[] = [];
  for (let step = 0; perChoice.some((f) => step < f.length); step++) for (const list of perChoice) if (step < list.length) out.push(list[step]!);
  return out;
}

describe('chatCompletionChunks', () => {
  const asWritten = (plan: ChatPlan, withUsage: boolean, chunkTokens: number, logprobs: LogprobOptions) =>
    chatCompletionChunks(plan, meta, { withUsage, chunkTokens }, logprobs).map((f) => ({ kind: f.kind, tokens: f.tokens, json: f.json() }));
  const expected = (plan: ChatPlan, withUsage: boolean, chunkTokens: number, logprobs: LogprobOptions) =>
    referenceChunks(plan, withUsage, chunkTokens, logprobs).map((f) => ({ kind: f.kind, tokens: f.tokens, json: JSON.stringify(f.chunk) }));

  for (const [name, body] of Object.entries(requests)) {
    it(`writes each chunk as exactly JSON.stringify of the chunk object: ${name}`, () => {
      for (let seed = 0; seed < 10; seed++) {
        const chat = parseChatRequest(body, model);
        const plan = planChat({ request: chat, modelId: model.id, scenarioSeed: seed, tokenizer });
        const logprobs = { enabled: chat.logprobs, top: chat.topLogprobs, tokenizer };
        for (const withUsage of [false, true]) {
          for (const chunkTokens of [1, 3]) expect(asWritten(plan, withUsage, chunkTokens, logprobs)).toEqual(expected(plan, withUsage, chunkTokens, logprobs));
        }
      }
    });
  }

  it('handles scripted plans: null content with tool calls, a scripted finish reason, control characters', () => {
    const plan: ChatPlan = {
      choices: [
        {
          index: 0,
          content: null,
          pieces: [],
          toolCalls: [{ id: 'call_\u2028"x"', name: 'do\nit', arguments: '{"a":"\u0000 ü 🎉","b":[1,2,3]}' }],
          finishReason: 'tool_calls',
          completionTokens: 9,
        },
        {
          index: 1,
          content: 'line\nbreak \u2028 "q"',
          pieces: ['line', '\nbreak', ' \u2028', ' "q"'],
          toolCalls: [],
          finishReason: 'content_filter',
          completionTokens: 4,
        },
      ],
      promptTokens: 0,
      completionTokens: 13,
    };
    const logprobs = { enabled: false, top: 0, tokenizer };
    for (const withUsage of [false, true]) {
      for (const chunkTokens of [1, 2, 5]) expect(asWritten(plan, withUsage, chunkTokens, logprobs)).toEqual(expected(plan, withUsage, chunkTokens, logprobs));
    }
  });
});
