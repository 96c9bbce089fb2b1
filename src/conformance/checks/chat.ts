/**
 * Area "chat": paid, non-streamed chat completions (conformance-anchors.md §5, C1–C7). Each check sends
 * one small request (a few output tokens) so a real node costs next to nothing; the estimate comes from
 * the model's `sats_pricing`, the spend from `usage.cost.total_msats` when the node reports it.
 */
import { validateResponse } from '../schemas/validate.ts';
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import {
  type Sent,
  strictOutcome,
  authHeaders,
  describeResult,
  excerpt,
  fail,
  isObject,
  jsonBody,
  pass,
  reportedCostMsats,
  send,
  tokenEstimateMsats,
  warn,
} from './util.ts';

/** The prompt of chat.max-tokens: asks for a long answer, so only max_tokens can stop it after one token. */
export const MAX_TOKENS_PROMPT = 'Write a long story about the sea, at least five paragraphs.';
/** Prompt tokens assumed per simple request (a short user message plus chat template overhead). */
const PROMPT_TOKENS = 40;
/** Output tokens asked for by the checks that need some text. */
export const SMALL_MAX_TOKENS = 16;
/** chat.json-object: room for a small object, so max_tokens does not cut it. */
const JSON_MAX_TOKENS = 256;

/** The chat model the paid checks use: --model, else the cheapest chat model found. */
export function chatModel(ctx: CheckContext): string | undefined {
  return ctx.model ?? ctx.capabilities.chat[0];
}

export function noChatModel(ctx: CheckContext): string | undefined {
  return chatModel(ctx) ? undefined : 'no chat model found in /v1/models (and no --model given)';
}

/** The most `calls` chat requests can cost on the check's chat model (see tokenEstimateMsats). */
export function estimateChatMsats(ctx: CheckContext, outputTokens: number, promptTokens = PROMPT_TOKENS, calls = 1): number {
  return tokenEstimateMsats(ctx, chatModel(ctx), promptTokens, outputTokens) * calls;
}

export interface ChatReply {
  sent: Sent;
  status: number;
  body: unknown;
  spentMsats: number;
}

/** POSTs a chat completion; a transport failure or non-JSON body becomes a failed outcome. */
export async function postChat(
  ctx: CheckContext,
  request: Record<string, unknown>,
  estimate: number,
  expected: string,
): Promise<ChatReply | { outcome: CheckOutcome }> {
  const sent = await send(ctx, '/v1/chat/completions', { body: JSON.stringify({ model: chatModel(ctx), ...request }), headers: authHeaders(ctx) });
  const parsed = jsonBody(sent, expected);
  if ('outcome' in parsed) return { outcome: { ...parsed.outcome, spentMsats: sent.res.ok && sent.res.status === 200 ? estimate : 0 } };
  const status = sent.res.ok ? sent.res.status : 0;
  const spentMsats = status === 200 ? (reportedCostMsats(parsed.body) ?? estimate) : 0;
  return { sent, status, body: parsed.body, spentMsats };
}

/** Requires HTTP 200 and a body with a choices array. */
export function expect200(reply: ChatReply, expected: string): CheckOutcome | undefined {
  const extra = { curl: reply.sent.curl, spentMsats: reply.spentMsats };
  if (reply.status !== 200) return fail(expected, describeResult(reply.sent.res), extra);
  if (!isObject(reply.body) || !Array.isArray(reply.body.choices))
    return fail(expected, `a body without a choices array: ${excerpt(JSON.stringify(reply.body), 160)}`, extra);
  return undefined;
}

function choices(body: unknown): Record<string, unknown>[] {
  return isObject(body) && Array.isArray(body.choices) ? body.choices.filter(isObject) : [];
}

export function firstChoice(body: unknown): Record<string, unknown> | undefined {
  return choices(body)[0];
}

const HELLO = { messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: SMALL_MAX_TOKENS };

function basic(id: string, title: string, run: (ctx: CheckContext) => Promise<CheckOutcome>, outputTokens = SMALL_MAX_TOKENS): Check {
  return { id, area: 'chat', severity: 'fail', title, paid: true, estimateMsats: (ctx) => estimateChatMsats(ctx, outputTokens), skipWhen: noChatModel, run };
}

/** A 400 means the node does not offer the feature: an info note, not a failure. */
function refused(reply: ChatReply, what: string): CheckOutcome | undefined {
  if (reply.status !== 400) return undefined;
  const expected = `${what} served (capability)`;
  const actual = `HTTP 400, capability not offered: ${excerpt(reply.sent.res.ok ? reply.sent.res.text : '', 160)}`;
  return { status: 'info', reason: `expected ${expected}, got ${actual}`, expected, actual, curl: reply.sent.curl, spentMsats: 0 };
}

export const chatChecks: Check[] = [
  basic('chat.schema', 'A chat completion validates against the ChatCompletion schema (strict, SDK-lenient)', async (ctx) => {
    const expected = 'HTTP 200 with a body valid against the strict ChatCompletion schema, choices[i].index == i';
    const reply = await postChat(ctx, HELLO, estimateChatMsats(ctx, SMALL_MAX_TOKENS), expected);
    if ('outcome' in reply) return reply.outcome;
    const bad = expect200(reply, expected);
    if (bad) return bad;
    const extra = { curl: reply.sent.curl, spentMsats: reply.spentMsats };
    const lenient = validateResponse('chat.completion', 'lenient', reply.body);
    if (!lenient.valid) return fail(expected, `invalid even for the SDK-lenient schema: ${lenient.errors.slice(0, 4).join('; ')}`, extra);
    const strict = validateResponse('chat.completion', 'strict', reply.body);
    const badIndex = choices(reply.body).findIndex((c, i) => c.index !== i);
    if (badIndex >= 0) return fail(expected, `choices[${badIndex}].index is ${JSON.stringify(choices(reply.body)[badIndex]!.index)}`, extra);
    const type = reply.sent.res.ok ? (reply.sent.res.headers.get('content-type') ?? '') : '';
    if (!/^application\/json\b/i.test(type)) return fail(expected, `content-type ${JSON.stringify(type)}, not application/json`, extra);
    const strictBad = strictOutcome(strict, expected, extra);
    if (strictBad) return strictBad;
    if (strict.deviations.length > 0) {
      return warn(expected, `valid but for known Routstr deviations: ${strict.deviations.join(', ')}`, {
        ...extra,
        variant: `deviations: ${strict.deviations.join(', ')}`,
      });
    }
    return pass(expected, 'valid in both tiers', extra);
  }),
  basic('chat.usage', 'usage has integer token counts and total = prompt + completion', async (ctx) => {
    const expected = 'usage with integer prompt_tokens, completion_tokens, total_tokens and total = prompt + completion';
    const reply = await postChat(ctx, HELLO, estimateChatMsats(ctx, SMALL_MAX_TOKENS), expected);
    if ('outcome' in reply) return reply.outcome;
    const bad = expect200(reply, expected);
    if (bad) return bad;
    const extra = { curl: reply.sent.curl, spentMsats: reply.spentMsats };
    const usage = isObject(reply.body) ? reply.body.usage : undefined;
    if (!isObject(usage)) return fail(expected, `usage is ${JSON.stringify(usage) ?? 'missing'}`, extra);
    const { prompt_tokens: p, completion_tokens: c, total_tokens: t } = usage;
    const nonInt = (['prompt_tokens', 'completion_tokens', 'total_tokens'] as const).filter((k) => !Number.isInteger(usage[k]) || (usage[k] as number) < 0);
    if (nonInt.length > 0) return fail(expected, nonInt.map((k) => `${k} ${JSON.stringify(usage[k]) ?? 'missing'}`).join(', '), extra);
    if ((t as number) !== (p as number) + (c as number))
      return fail(expected, `prompt ${p} + completion ${c} = ${(p as number) + (c as number)}, total ${t}`, extra);
    return pass(expected, `prompt ${p} + completion ${c} = total ${t}`, extra);
  }),
  basic(
    'chat.max-tokens',
    'max_tokens 1 ends the answer with finish_reason "length"',
    async (ctx) => {
      const expected = 'finish_reason "length" and at most 1 completion token for max_tokens 1 and a prompt asking for a long text';
      const reply = await postChat(ctx, { messages: [{ role: 'user', content: MAX_TOKENS_PROMPT }], max_tokens: 1 }, estimateChatMsats(ctx, 1), expected);
      if ('outcome' in reply) return reply.outcome;
      const bad = expect200(reply, expected);
      if (bad) return bad;
      const extra = { curl: reply.sent.curl, spentMsats: reply.spentMsats };
      const finish = firstChoice(reply.body)?.finish_reason;
      if (finish !== 'length') return fail(expected, `finish_reason ${JSON.stringify(finish)}`, extra);
      const usage = isObject(reply.body) && isObject(reply.body.usage) ? reply.body.usage : undefined;
      if (usage && typeof usage.completion_tokens === 'number' && usage.completion_tokens > 1) {
        return fail(expected, `finish_reason "length" but completion_tokens ${usage.completion_tokens}`, extra);
      }
      return pass(expected, `finish_reason "length"${usage ? `, completion_tokens ${usage.completion_tokens}` : ''}`, extra);
    },
    1,
  ),
  {
    id: 'chat.n',
    area: 'chat',
    severity: 'fail',
    title: 'n 2 returns two choices with index 0 and 1 (capability)',
    paid: true,
    estimateMsats: (ctx) => estimateChatMsats(ctx, 2 * SMALL_MAX_TOKENS),
    skipWhen: noChatModel,
    async run(ctx) {
      const expected = 'two choices with index 0 and 1 for n 2 (or HTTP 400 when the node does not offer n > 1)';
      const reply = await postChat(ctx, { ...HELLO, n: 2 }, estimateChatMsats(ctx, 2 * SMALL_MAX_TOKENS), expected);
      if ('outcome' in reply) return reply.outcome;
      const no = refused(reply, 'n > 1');
      if (no) return no;
      const bad = expect200(reply, expected);
      if (bad) return bad;
      const extra = { curl: reply.sent.curl, spentMsats: reply.spentMsats };
      const indices = choices(reply.body).map((c) => c.index);
      if (indices.length !== 2 || indices[0] !== 0 || indices[1] !== 1)
        return fail(expected, `${indices.length} choice(s) with index ${JSON.stringify(indices)}`, extra);
      return pass(expected, 'choices with index [0,1]', extra);
    },
  },
  {
    id: 'chat.json-object',
    area: 'chat',
    severity: 'fail',
    title: 'response_format json_object gives content that parses as a JSON object (capability)',
    paid: true,
    estimateMsats: (ctx) => estimateChatMsats(ctx, JSON_MAX_TOKENS),
    skipWhen: noChatModel,
    async run(ctx) {
      const expected = 'message.content that parses as a JSON object (or HTTP 400 when json_object is not offered)';
      const request = {
        messages: [{ role: 'user', content: 'Answer in JSON: {"ok": true}' }],
        response_format: { type: 'json_object' },
        max_tokens: JSON_MAX_TOKENS,
      };
      const reply = await postChat(ctx, request, estimateChatMsats(ctx, JSON_MAX_TOKENS), expected);
      if ('outcome' in reply) return reply.outcome;
      const no = refused(reply, 'response_format json_object');
      if (no) return no;
      const bad = expect200(reply, expected);
      if (bad) return bad;
      const extra = { curl: reply.sent.curl, spentMsats: reply.spentMsats };
      const choice = firstChoice(reply.body);
      const message = choice && isObject(choice.message) ? choice.message : undefined;
      const content = message?.content;
      if (typeof content !== 'string') return fail(expected, `content is ${JSON.stringify(content) ?? 'missing'}`, extra);
      let value: unknown;
      try {
        value = JSON.parse(content);
      } catch (err) {
        const cut = choice?.finish_reason === 'length' ? ' (cut by max_tokens)' : '';
        return fail(expected, `content that is not JSON${cut} (${(err as Error).message}): ${excerpt(content, 120)}`, extra);
      }
      if (!isObject(value)) return fail(expected, `JSON ${Array.isArray(value) ? 'array' : typeof value}, not an object`, extra);
      return pass(expected, `a JSON object with keys ${Object.keys(value).join(', ') || '(none)'}`, extra);
    },
  },
];
