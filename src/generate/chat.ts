import type { ChatMessage, ChatRequest, ToolDefinition } from '../requests/chat.ts';
import type { ReplySpec } from '../scenario/types.ts';
import { type Steps, runToEnd } from './cooperative.ts';
import { jsonObjectForPrompt, valueFromSchema } from './json-schema-value.ts';
import { Rng, SEED_START, hashPart, hashPartSteps, hashSeed } from './random.ts';
import { planReply, sentence, topicOf, writeReply } from './text.ts';
import { type Tokenizer, contentText, countChatPromptTokensSteps } from './tokens.ts';

/**
 * What a chat completion says, decided once and rendered either as one JSON object or as a
 * stream of chunks, so the two always agree.
 */
export interface ChatPlan {
  choices: ChoicePlan[];
  promptTokens: number;
  completionTokens: number;
  /** chatRequestSeed of the request, when the plan was made from one. */
  seed?: number;
}

export interface ChoicePlan {
  index: number;
  content: string | null;
  /** The content cut on token boundaries (for streaming and logprobs). */
  readonly pieces: string[];
  toolCalls: ToolCallPlan[];
  finishReason: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  completionTokens: number;
}

export interface ToolCallPlan {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatGenerationInput {
  request: ChatRequest;
  modelId: string;
  scenarioSeed: number;
  tokenizer: Tokenizer;
  /** A scenario rule's reply: what it states wins, the rest is generated. */
  reply?: ReplySpec;
}

/** The seed for one request: scenario seed + everything in the request that shapes the answer. */
export function chatRequestSeed(input: ChatGenerationInput): number {
  return runToEnd(chatRequestSeedSteps(input));
}

/** chatRequestSeed as steps: a message can be megabytes (an image as a data URL). */
function* chatRequestSeedSteps(input: ChatGenerationInput): Steps<number> {
  const { request } = input;
  let h = hashPart(hashPart(SEED_START, input.scenarioSeed), input.modelId);
  for (const m of request.messages) {
    h = hashPart(h, m.role);
    const content = typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? null);
    h = yield* hashPartSteps(h, content);
    if (m.name !== undefined) h = hashPart(h, m.name);
    if (m.tool_call_id !== undefined) h = hashPart(h, m.tool_call_id);
    if (m.tool_calls !== undefined) h = yield* hashPartSteps(h, JSON.stringify(m.tool_calls));
  }
  for (const tool of request.tools) h = hashPart(h, tool.name);
  h = hashPart(h, request.toolChoice.mode === 'named' ? `named:${request.toolChoice.name}` : request.toolChoice.mode);
  if (request.responseFormat.type === 'json_schema') h = yield* hashPartSteps(h, JSON.stringify(request.responseFormat.schema));
  else h = hashPart(h, request.responseFormat.type);
  h = hashPart(h, request.temperature);
  return hashPart(h, request.seed) >>> 0;
}

export function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') return contentText(messages[i]!.content);
  }
  return '';
}

export function planChat(input: ChatGenerationInput): ChatPlan {
  return runToEnd(planChatSteps(input));
}

/**
 * planChat as steps for runInSlices (or startInSlices): a choice at a time, and long texts to
 * tokenize a few kB at a time. 128 choices of a big JSON Schema took over a second in one go.
 */
export function* planChatSteps(input: ChatGenerationInput): Steps<ChatPlan> {
  const { request, tokenizer } = input;
  const seed = yield* chatRequestSeedSteps(input);
  const choices: ChoicePlan[] = [];
  for (let index = 0; index < request.n; index++) {
    const choice = yield* planChoice(input, new Rng(hashSeed(seed, index)), index);
    if (input.reply?.finish_reason) choice.finishReason = input.reply.finish_reason;
    choices.push(choice);
    yield;
  }
  const usage = input.reply?.usage;
  const promptTokens =
    usage?.prompt_tokens ?? (yield* countChatPromptTokensSteps(tokenizer, request.messages, request.tools.length ? request.tools : undefined));
  const completionTokens = usage?.completion_tokens ?? choices.reduce((sum, c) => sum + c.completionTokens, 0);
  return { choices, promptTokens, completionTokens, seed };
}

function* planChoice(input: ChatGenerationInput, rng: Rng, index: number): Steps<ChoicePlan> {
  const { request, tokenizer, reply } = input;
  if (reply?.tool_calls) return scriptedToolCalls(input, rng, index, reply.tool_calls);
  if (reply?.content !== undefined) return yield* textChoice(reply.content, request, tokenizer, index);
  const calledTools = chooseTools(request, rng);
  if (calledTools.length > 0) return yield* toolCallChoice(input, rng, index, calledTools);
  const full = contentFor(input, rng);
  return yield* textChoice(full, request, tokenizer, index);
}

/** Which tools the assistant calls: none once a tool result is the last message, so agent loops end. */
export function chooseTools(request: ChatRequest, rng: Rng): ToolDefinition[] {
  const { tools, toolChoice } = request;
  if (tools.length === 0 || toolChoice.mode === 'none') return [];
  if (toolChoice.mode === 'named') return tools.filter((t) => t.name === toolChoice.name);
  const last = request.messages[request.messages.length - 1];
  if (toolChoice.mode === 'auto' && last && (last.role === 'tool' || last.role === 'function')) return [];
  const prompt = lastUserText(request.messages).toLowerCase();
  const scored = tools
    .map((tool, order) => ({ tool, order, score: relevance(tool, prompt) }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order);
  const fitting = scored.map((s) => s.tool);
  if (fitting.length === 0) return [tools[rng.int(0, tools.length - 1)]!];
  return request.parallelToolCalls ? fitting : fitting.slice(0, 1);
}

/** How many words of a tool's name and description appear in the prompt. */
function relevance(tool: ToolDefinition, prompt: string): number {
  const words = `${tool.name.replace(/[_-]/g, ' ')} ${tool.description}`
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 3 && !['get', 'the', 'for', 'with', 'from', 'current', 'function', 'tool'].includes(w));
  return new Set(words.filter((w) => prompt.includes(w))).size;
}

function* toolCallChoice(input: ChatGenerationInput, rng: Rng, index: number, tools: ToolDefinition[]): Steps<ChoicePlan> {
  const text = lastUserText(input.request.messages);
  let budget = completionLimit(input.request) ?? Number.POSITIVE_INFINITY;
  let completionTokens = 0;
  let truncated = false;
  const toolCalls: ToolCallPlan[] = [];
  for (const tool of tools) {
    if (budget <= 0) break;
    const callRng = rng.fork(tool.name);
    let args = JSON.stringify(valueFromSchema(tool.parameters, callRng, { text }));
    yield;
    const pieces = yield* input.tokenizer.piecesSteps(args);
    const cost = pieces.length + input.tokenizer.count(tool.name) + 3;
    if (pieces.length > budget) {
      args = pieces.slice(0, budget).join('');
      truncated = true;
    }
    completionTokens += Math.min(cost, budget + 3);
    budget -= cost;
    toolCalls.push({ id: `call_${randomId(callRng, 24)}`, name: tool.name, arguments: args });
  }
  if (budget < 0) truncated = true;
  return { index, content: null, pieces: [], toolCalls, finishReason: truncated ? 'length' : 'tool_calls', completionTokens };
}

/** Tool calls a scenario rule names; arguments it leaves out are generated from the declared tool's schema. */
function scriptedToolCalls(input: ChatGenerationInput, rng: Rng, index: number, calls: NonNullable<ReplySpec['tool_calls']>): ChoicePlan {
  const text = lastUserText(input.request.messages);
  const toolCalls = calls.map((call, i) => {
    const callRng = rng.fork(`${call.name}-${i}`);
    const declared = input.request.tools.find((t) => t.name === call.name);
    const args =
      typeof call.arguments === 'string'
        ? call.arguments
        : JSON.stringify(call.arguments ?? (declared ? valueFromSchema(declared.parameters, callRng, { text }) : {}));
    return { id: `call_${randomId(callRng, 24)}`, name: call.name, arguments: args };
  });
  const completionTokens = toolCalls.reduce((sum, c) => sum + input.tokenizer.count(c.arguments) + input.tokenizer.count(c.name) + 3, 0);
  return { index, content: null, pieces: [], toolCalls, finishReason: 'tool_calls', completionTokens };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function randomId(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ID_ALPHABET[rng.int(0, ID_ALPHABET.length - 1)];
  return out;
}

function contentFor(input: ChatGenerationInput, rng: Rng): string {
  const { request, tokenizer } = input;
  const prompt = lastUserText(request.messages);
  if (request.responseFormat.type === 'json_schema') return JSON.stringify(valueFromSchema(request.responseFormat.schema, rng, { text: prompt }));
  if (request.responseFormat.type === 'json_object') return JSON.stringify(jsonObjectForPrompt(rng, prompt));
  const last = request.messages[request.messages.length - 1];
  if (last && (last.role === 'tool' || last.role === 'function')) return summariseToolResults(request.messages, rng, prompt);
  return writeReply(rng, planReply(rng, prompt));
}

/** A reply that uses the tool results after the last assistant turn, so agent loops end with an answer. */
function summariseToolResults(messages: readonly ChatMessage[], rng: Rng, prompt: string): string {
  const results: string[] = [];
  for (let i = messages.length - 1; i >= 0 && (messages[i]!.role === 'tool' || messages[i]!.role === 'function'); i--) {
    results.unshift(describeToolResult(contentText(messages[i]!.content)));
  }
  const facts = results.filter(Boolean).join('; ');
  const opener = facts ? `Based on the tool results (${facts}), here is the answer.` : 'The tool returned no data, but here is what I can say.';
  return `${opener} ${sentence(rng, topicOf(prompt))} ${sentence(rng, topicOf(prompt))}`;
}

function describeToolResult(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.entries(value)
        .slice(0, 4)
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(', ');
    }
    return String(value).slice(0, 120);
  } catch {
    return text.slice(0, 120);
  }
}

/** The most tokens a choice may have: the client's max_tokens, else the model's own maximum output. */
function completionLimit(request: ChatRequest): number | undefined {
  return request.maxTokens ?? request.maxOutputTokens;
}

/** Applies `stop` and the token limit to generated text, the way a model's sampler would. */
function* textChoice(full: string, request: ChatRequest, tokenizer: Tokenizer, index: number): Steps<ChoicePlan> {
  let text = full;
  for (const stop of request.stop) {
    const at = text.indexOf(stop);
    if (at >= 0) text = text.slice(0, at);
  }
  const limit = completionLimit(request);
  // A stream or logprobs read every piece: cut them once and count them, rather than count and cut.
  const all = request.stream || request.logprobs ? yield* tokenizer.piecesSteps(text) : undefined;
  const tokens = all ? all.length : yield* tokenizer.countUncachedSteps(text);
  if (limit === undefined || tokens <= limit) return new TextChoice(index, text, tokens, tokenizer, all);
  const pieces = (all ?? (yield* tokenizer.piecesSteps(text))).slice(0, limit);
  text = pieces.join('');
  return { index, content: text, pieces: text === '' ? [] : pieces, toolCalls: [], finishReason: 'length', completionTokens: pieces.length };
}

/** A text choice whose pieces are cut only when read: a non-streaming answer without logprobs needs just the count. */
class TextChoice implements ChoicePlan {
  readonly toolCalls: ToolCallPlan[] = [];
  finishReason: ChoicePlan['finishReason'] = 'stop';
  readonly #tokenizer: Tokenizer;
  #pieces: string[] | undefined;

  constructor(
    readonly index: number,
    readonly content: string,
    readonly completionTokens: number,
    tokenizer: Tokenizer,
    pieces?: string[],
  ) {
    this.#tokenizer = tokenizer;
    this.#pieces = pieces;
  }

  get pieces(): string[] {
    this.#pieces ??= this.#tokenizer.pieces(this.content);
    return this.#pieces;
  }
}
