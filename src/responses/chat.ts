import type { ChatPlan, ChoicePlan } from '../generate/chat.ts';
import { type Steps, runToEnd } from '../generate/cooperative.ts';
import type { Tokenizer } from '../generate/tokens.ts';
import type { CostData } from '../payment/billing.ts';
import type { Settlement } from '../payment/payments.ts';
import { paidCostJson } from './cost.ts';
import { jsonNumber as num } from './json-text.ts';

/** Fields every object of one response shares. */
export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
  systemFingerprint: string;
}

export interface LogprobOptions {
  enabled: boolean;
  top: number;
  tokenizer: Tokenizer;
}

export function usageOf(plan: ChatPlan) {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function toolCallsOf(choice: ChoicePlan) {
  return choice.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
}

/**
 * Log probabilities for each content token. The chosen token is always the most likely one, and
 * the alternatives are other real tokens with lower, decreasing values.
 */
function logprobsOf(choice: ChoicePlan, options: LogprobOptions) {
  if (!options.enabled) return null;
  const content = choice.pieces.map((token, i) => {
    const logprob = -((i * 7919) % 97) / 100;
    const entry = (t: string, lp: number) => ({ token: t, logprob: lp, bytes: [...Buffer.from(t, 'utf8')] });
    const alternatives = [
      ' the',
      ' a',
      ',',
      '.',
      ' and',
      ' to',
      ' of',
      ' in',
      ' is',
      ' it',
      ' that',
      ' for',
      ' on',
      ' with',
      ' as',
      ' was',
      ' at',
      ' by',
      ' this',
      ' be',
    ];
    const top = [
      entry(token, logprob),
      ...alternatives
        .filter((a) => a !== token)
        .slice(0, Math.max(0, options.top - 1))
        .map((a, k) => entry(a, logprob - 1.5 - k)),
    ];
    return { ...entry(token, logprob), top_logprobs: options.top > 0 ? top.slice(0, options.top) : [] };
  });
  return { content, refusal: null };
}

/** The non-streaming `chat.completion` object. */
export function chatCompletionBody(plan: ChatPlan, meta: ResponseMeta, logprobs: LogprobOptions) {
  return {
    id: meta.id,
    object: 'chat.completion' as const,
    created: meta.created,
    model: meta.model,
    choices: plan.choices.map((choice) => {
      const toolCalls = toolCallsOf(choice);
      return {
        index: choice.index,
        message: {
          role: 'assistant' as const,
          content: choice.content,
          refusal: null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          annotations: [],
        },
        logprobs: logprobsOf(choice, logprobs),
        finish_reason: choice.finishReason,
      };
    }),
    usage: usageOf(plan),
    service_tier: 'default',
    system_fingerprint: meta.systemFingerprint,
  };
}

function choiceJson(choice: ChoicePlan, logprobs: LogprobOptions): string {
  const toolCalls = choice.toolCalls.length ? `,"tool_calls":${JSON.stringify(toolCallsOf(choice))}` : '';
  const lp = logprobsOf(choice, logprobs);
  return `{"index":${num(choice.index)},"message":{"role":"assistant","content":${JSON.stringify(choice.content)},"refusal":null${toolCalls},"annotations":[]},"logprobs":${lp ? JSON.stringify(lp) : 'null'},"finish_reason":${JSON.stringify(choice.finishReason)}}`;
}

/**
 * A paid non-streaming response as JSON text, exactly `JSON.stringify(addCostToBody(chatCompletionBody(...)))`
 * (test/unit/chat-json.test.ts compares them), written field by field: serialising the generic
 * object was the largest single cost of a chat request in the throughput profile.
 */
export function paidChatCompletionJson(
  plan: ChatPlan,
  meta: ResponseMeta,
  logprobs: LogprobOptions,
  cost: CostData,
  settlement: Settlement,
  choices = runToEnd(choicesJsonSteps(plan, logprobs)),
): string {
  const { promptTokens: prompt, completionTokens: completion } = plan;
  const usage = `"prompt_tokens":${num(prompt)},"completion_tokens":${num(completion)},"total_tokens":${num(prompt + completion)},"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}`;
  const paid = paidCostJson(cost, settlement);
  return `{"id":${JSON.stringify(meta.id)},"object":"chat.completion","created":${num(meta.created)},"model":${JSON.stringify(meta.model)},"choices":[${choices}],"usage":{${usage}${paid.usage}},"service_tier":"default","system_fingerprint":${JSON.stringify(meta.systemFingerprint)}${paid.body}}`;
}

/**
 * The `choices` of paidChatCompletionJson (between the brackets), a choice per step: 128 choices
 * with logprobs are ~10 MB of JSON. Written before the request settles, since they do not depend
 * on what it costs.
 */
export function* choicesJsonSteps(plan: ChatPlan, logprobs: LogprobOptions): Steps<string> {
  let choices = '';
  for (const choice of plan.choices) {
    choices += choices ? `,${choiceJson(choice, logprobs)}` : choiceJson(choice, logprobs);
    yield;
  }
  return choices;
}

/**
 * One frame of a chat stream: how many completion tokens it carries (for pacing) and its JSON text,
 * rendered when the frame is sent, so an open stream holds its plan rather than its text.
 */
export interface ChunkFrame {
  kind: 'role' | 'content' | 'tool' | 'finish';
  tokens: number;
  json: () => string;
}

export interface StreamOptions {
  /** Chunks carry `usage: null` (a final usage chunk follows, from `usageChunk`). */
  withUsage: boolean;
  chunkTokens: number;
}

/**
 * The chunks of a streamed chat completion in wire order: per choice a role delta, content (or
 * tool-call header and argument fragments), a finish delta; choices interleave round-robin as
 * OpenAI's do. Each is exactly `JSON.stringify` of the chunk object (test/unit/chat-json.test.ts
 * compares them), written as text: building and serialising an object per token was most of the
 * cost of opening a stream.
 */
export function chatCompletionChunks(plan: ChatPlan, meta: ResponseMeta, options: StreamOptions, logprobs: LogprobOptions): ChunkFrame[] {
  return runToEnd(chatCompletionChunksSteps(plan, meta, options, logprobs));
}

/** chatCompletionChunks as steps, a choice's frames per step: 128 long choices are ~40 000 frames. */
export function* chatCompletionChunksSteps(plan: ChatPlan, meta: ResponseMeta, options: StreamOptions, logprobs: LogprobOptions): Steps<ChunkFrame[]> {
  const head = `{"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${num(meta.created)},"model":${JSON.stringify(meta.model)},"system_fingerprint":${JSON.stringify(meta.systemFingerprint)},"choices":[`;
  const tail = options.withUsage ? '],"usage":null}' : ']}';
  const frame = (kind: ChunkFrame['kind'], tokens: number, choiceJson: () => string): ChunkFrame => ({ kind, tokens, json: () => head + choiceJson() + tail });
  const perChoice: ChunkFrame[][] = [];
  for (const choice of plan.choices) {
    perChoice.push(choiceFrames(choice, options.chunkTokens, logprobs, frame));
    yield;
  }
  const frames: ChunkFrame[] = [];
  for (let step = 0; perChoice.some((f) => step < f.length); step++) {
    for (const list of perChoice) if (step < list.length) frames.push(list[step]!);
  }
  return frames;
}

/** The final `choices: []` chunk with the usage, as an object: the cost fields are added to it when the request settles. */
export function usageChunk(plan: ChatPlan, meta: ResponseMeta): Record<string, unknown> & { usage: Record<string, unknown> } {
  return {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: [],
    usage: usageOf(plan),
  };
}

type FrameMaker = (kind: ChunkFrame['kind'], tokens: number, choiceJson: () => string) => ChunkFrame;

function choiceFrames(choice: ChoicePlan, chunkTokens: number, logprobs: LogprobOptions, frame: FrameMaker): ChunkFrame[] {
  const index = num(choice.index);
  const frames: ChunkFrame[] = [];
  const lp = logprobsOf(choice, logprobs);
  const role = `{"index":${index},"delta":{"role":"assistant","content":${choice.toolCalls.length ? 'null' : '""'},"refusal":null},"logprobs":null,"finish_reason":null}`;
  frames.push(frame('role', 0, () => role));
  const { pieces } = choice;
  for (let i = 0; i < pieces.length; i += chunkTokens) {
    const end = Math.min(i + chunkTokens, pieces.length);
    frames.push(
      frame('content', end - i, () => {
        const text = chunkTokens === 1 ? pieces[i]! : pieces.slice(i, end).join('');
        const chunkLogprobs = lp ? JSON.stringify({ content: lp.content.slice(i, end), refusal: null }) : 'null';
        return `{"index":${index},"delta":{"content":${JSON.stringify(text)}},"logprobs":${chunkLogprobs},"finish_reason":null}`;
      }),
    );
  }
  choice.toolCalls.forEach((call, callIndex) => {
    frames.push(
      frame(
        'tool',
        1,
        () =>
          `{"index":${index},"delta":{"tool_calls":[{"index":${callIndex},"id":${JSON.stringify(call.id)},"type":"function","function":{"name":${JSON.stringify(call.name)},"arguments":""}}]},"logprobs":null,"finish_reason":null}`,
      ),
    );
    for (const fragment of argumentFragments(call.arguments, chunkTokens)) {
      frames.push(
        frame(
          'tool',
          fragment.tokens,
          () =>
            `{"index":${index},"delta":{"tool_calls":[{"index":${callIndex},"function":{"arguments":${JSON.stringify(fragment.text)}}}]},"logprobs":null,"finish_reason":null}`,
        ),
      );
    }
  });
  const finish = `{"index":${index},"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(choice.finishReason)}}`;
  frames.push(frame('finish', 0, () => finish));
  return frames;
}

/** Argument JSON cut into pieces of a few characters, as models emit them (not aligned to JSON tokens). */
function argumentFragments(args: string, chunkTokens: number): { text: string; tokens: number }[] {
  const size = 4 * chunkTokens;
  const out: { text: string; tokens: number }[] = [];
  for (let i = 0; i < args.length; i += size) out.push({ text: args.slice(i, i + size), tokens: chunkTokens });
  return out;
}
