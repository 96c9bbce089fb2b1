import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { planChat, planChatSteps } from '../../src/generate/chat.ts';
import { runInSlices, runToEnd } from '../../src/generate/cooperative.ts';
import { countChatPromptTokens, countChatPromptTokensSteps, tokenizerFor } from '../../src/generate/tokens.ts';
import { costFromUsage } from '../../src/payment/billing.ts';
import { parseChatRequest } from '../../src/requests/chat.ts';
import {
  type ResponseMeta,
  chatCompletionBody,
  chatCompletionChunks,
  chatCompletionChunksSteps,
  choicesJsonSteps,
  paidChatCompletionJson,
} from '../../src/responses/chat.ts';
import { loadScenario } from '../../src/scenario/loader.ts';
import { BIG_SCHEMA } from '../helpers/maximal-inputs.ts';

/**
 * Chat planning runs in steps (a choice, or a few kB of text to tokenize, at a time) so that 128
 * choices of a big schema do not hold the event loop for a second. The answers must not change:
 * SHA-256 of what the code wrote before it was cut into steps, for requests big enough to need
 * many slices, planned in one go and in slices.
 */

const model = loadScenario('default').models.find((m) => m.id === 'gpt-4o-mini')!;
const tokenizer = tokenizerFor(model.id);
const meta: ResponseMeta = { id: 'chatcmpl-pinned', created: 1700000000, model: model.id, systemFingerprint: 'fp_pinned' };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const PINNED: [name: string, body: Record<string, unknown>, sha256: string][] = [
  [
    'n 16 × 1024 tokens with logprobs',
    { n: 16, max_tokens: 1024, logprobs: true, top_logprobs: 3, messages: [{ role: 'user', content: 'Write a long story about a lighthouse keeper.' }] },
    'f98978db016ec2b916ddae41384b5ea922bc2f17982cec48ca60f7c6a736019e',
  ],
  [
    'a json_schema of 256 K characters, n 4',
    { n: 4, response_format: { type: 'json_schema', json_schema: { name: 'big', schema: BIG_SCHEMA } }, messages: [{ role: 'user', content: 'List things.' }] },
    'b136cd35e9ebc5e98ebb0caeabaf58884ab29ef011ad5e454dbdabe316136da2',
  ],
  [
    'a tool with that schema, n 4, cut at 4096 tokens',
    {
      n: 4,
      max_tokens: 4096,
      tools: [{ type: 'function', function: { name: 'save', description: 'Saves things', parameters: BIG_SCHEMA } }],
      tool_choice: 'required',
      messages: [{ role: 'user', content: 'Save things.' }],
    },
    'e0b241ece12f0d0ccd54050840e5c7dbc5479e8d576de3348f1cefece4ae61f8',
  ],
  [
    'a stream of 4 choices with logprobs after a 33 kB message',
    {
      n: 4,
      stream: true,
      logprobs: true,
      top_logprobs: 2,
      messages: [
        { role: 'user', content: `Explain tides. ${'background '.repeat(3000)}` },
        { role: 'user', content: 'And the moon?' },
      ],
    },
    'ce858e34bb8bf31eea64805bd261d96f5f97f6450f7aac52ea9c4a97ce2231ab',
  ],
];

describe('chat planning in steps', () => {
  it.each(PINNED)('%s: the answer is what it always was, planned in one go or in slices', async (_, body, expected) => {
    const chat = parseChatRequest({ model: model.id, ...body }, model);
    const input = { request: chat, modelId: model.id, scenarioSeed: 42, tokenizer };
    const logprobs = { enabled: chat.logprobs, top: chat.topLogprobs, tokenizer };
    const render = (plan: ReturnType<typeof planChat>) =>
      chat.stream
        ? chatCompletionChunks(plan, meta, { withUsage: true, chunkTokens: 1 }, logprobs)
            .map((f) => f.json())
            .join('\n')
        : JSON.stringify(chatCompletionBody(plan, meta, logprobs));
    const inOneGo = planChat(input);
    const inSlices = await runInSlices(planChatSteps(input));
    expect(sha256(render(inOneGo))).toBe(expected);
    expect(sha256(render(inSlices))).toBe(expected);
    // The parts written in steps are the parts written in one go.
    if (chat.stream) {
      const frames = await runInSlices(chatCompletionChunksSteps(inSlices, meta, { withUsage: true, chunkTokens: 1 }, logprobs));
      expect(sha256(frames.map((f) => f.json()).join('\n'))).toBe(expected);
    } else {
      const cost = costFromUsage(model, inSlices.promptTokens, inSlices.completionTokens, 100_000);
      const settlement = { charged: cost.total_msats, remainingBalance: 5 };
      const choices = await runInSlices(choicesJsonSteps(inSlices, logprobs));
      expect(paidChatCompletionJson(inSlices, meta, logprobs, cost, settlement, choices)).toBe(
        paidChatCompletionJson(inOneGo, meta, logprobs, cost, settlement),
      );
    }
  });

  it('counts a 300 kB conversation with a big tool as it always did, in one go or in steps', async () => {
    let state = 7;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const word = () => Array.from({ length: 2 + Math.floor(next() * 8) }, () => 'etaoinshrdlucmfwypvbgkqjxz'[Math.floor(next() ** 2 * 26)]).join('');
    const texts: string[] = [];
    for (let i = 0; i < 20; i++) {
      let s = '';
      while (s.length < 15000) s += `${word()} `;
      texts.push(s);
    }
    const messages = texts.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content }));
    const tools = [{ type: 'function', function: { name: 'f', parameters: BIG_SCHEMA } }];
    expect(countChatPromptTokens(tokenizer, messages, tools)).toBe(127648);
    expect(runToEnd(countChatPromptTokensSteps(tokenizer, messages, tools))).toBe(127648);
    expect(await runInSlices(countChatPromptTokensSteps(tokenizer, messages, tools))).toBe(127648);
  });
});
