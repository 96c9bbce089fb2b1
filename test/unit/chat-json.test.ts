import { describe, expect, it } from 'vitest';
import { type ChatPlan, planChat } from '../../src/generate/chat.ts';
import { tokenizerFor } from '../../src/generate/tokens.ts';
import { type CostData, costFromUsage } from '../../src/payment/billing.ts';
import type { Settlement } from '../../src/payment/payments.ts';
import { parseChatRequest } from '../../src/requests/chat.ts';
import { type LogprobOptions, type ResponseMeta, chatCompletionBody, paidChatCompletionJson } from '../../src/responses/chat.ts';
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
