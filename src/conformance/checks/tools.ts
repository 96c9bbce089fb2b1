/**
 * Area "tools": function calling (conformance-anchors.md §5, X1–X4): a forced call, a streamed call
 * assembled by the llama.cpp rules, tool_choice "none", and a round trip with a role "tool" message.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import { type ChatReply, estimateChatMsats, expect200, firstChoice, noChatModel, postChat } from './chat.ts';
import { type Capture, captureStream, failureText, jsonChunks, judgeStream } from './stream.ts';
import { excerpt, fail, isObject, pass, warn } from './util.ts';

export const TOOL_NAME = 'get_weather';
const TOOL_PARAMETERS = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name, e.g. Paris' } },
  required: ['city'],
  additionalProperties: false,
} as const;
const TOOLS = [{ type: 'function', function: { name: TOOL_NAME, description: 'Current weather in a city', parameters: TOOL_PARAMETERS } }];
const FORCED = { type: 'function', function: { name: TOOL_NAME } };
const ASK = [{ role: 'user', content: 'What is the weather in Paris right now?' }];
/** Tool definitions cost prompt tokens too. */
const TOOL_PROMPT_TOKENS = 150;
const TOOL_MAX_TOKENS = 32;

let validateArgs: (((v: unknown) => boolean) & { errors?: unknown }) | undefined;

/** Parses tool-call arguments and validates them against the tool's parameter schema. */
function argumentProblem(args: unknown): string | undefined {
  if (typeof args !== 'string') return `arguments is ${JSON.stringify(args) === undefined ? 'missing' : typeof args}, not a JSON string`;
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch (err) {
    return `arguments do not parse as JSON (${(err as Error).message}): ${excerpt(args, 80)}`;
  }
  validateArgs ??= new Ajv2020({ allErrors: true, strict: false }).compile(TOOL_PARAMETERS);
  if (!validateArgs(value)) {
    const errors = (validateArgs.errors as { instancePath: string; message?: string }[] | undefined) ?? [];
    return `arguments ${excerpt(args, 80)} do not match the tool schema: ${errors.map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ')}`;
  }
  return undefined;
}

function toolCheck(id: string, title: string, run: (ctx: CheckContext) => Promise<CheckOutcome>, calls = 1): Check {
  return {
    id,
    area: 'tools',
    severity: 'fail',
    title,
    paid: true,
    estimateMsats: (ctx) => estimateChatMsats(ctx, TOOL_MAX_TOKENS, TOOL_PROMPT_TOKENS, calls),
    skipWhen: noChatModel,
    run,
  };
}

async function post(ctx: CheckContext, request: Record<string, unknown>, expected: string): Promise<ChatReply | { outcome: CheckOutcome }> {
  return postChat(ctx, { tools: TOOLS, max_tokens: TOOL_MAX_TOKENS, ...request }, estimateChatMsats(ctx, TOOL_MAX_TOKENS, TOOL_PROMPT_TOKENS), expected);
}

function message(body: unknown): Record<string, unknown> | undefined {
  const choice = firstChoice(body);
  return choice && isObject(choice.message) ? choice.message : undefined;
}

export const toolsChecks: Check[] = [
  toolCheck('tools.call', 'A forced tool_choice gives finish_reason "tool_calls" and schema-valid JSON arguments', async (ctx) => {
    const expected = `finish_reason "tool_calls", one tool call with id, type "function", name "${TOOL_NAME}" and arguments a JSON string valid against the tool's schema`;
    const reply = await post(ctx, { messages: ASK, tool_choice: FORCED }, expected);
    if ('outcome' in reply) return reply.outcome;
    const bad = expect200(reply, expected);
    if (bad) return bad;
    const extra = { curl: reply.sent.curl, spentMsats: reply.spentMsats };
    const calls = message(reply.body)?.tool_calls;
    if (!Array.isArray(calls) || calls.length === 0)
      return fail(expected, `no tool_calls (message ${excerpt(JSON.stringify(message(reply.body)) ?? 'missing', 120)})`, extra);
    const call = calls[0];
    if (!isObject(call) || typeof call.id !== 'string' || call.id === '')
      return fail(expected, `tool_calls[0] without an id: ${excerpt(JSON.stringify(call), 120)}`, extra);
    if (call.type !== 'function') return fail(expected, `tool_calls[0].type ${JSON.stringify(call.type)}`, extra);
    const fn = isObject(call.function) ? call.function : {};
    if (fn.name !== TOOL_NAME) return fail(expected, `function.name ${JSON.stringify(fn.name)}`, extra);
    const problem = argumentProblem(fn.arguments);
    if (problem) return fail(expected, problem, extra);
    const finish = firstChoice(reply.body)?.finish_reason;
    if (finish === 'stop') {
      // OpenAI itself answers a forced (named) tool_choice with finish_reason "stop".
      return warn(expected, `finish_reason "stop" with a valid tool call (OpenAI does the same for a named tool_choice)`, {
        ...extra,
        variant: 'forced tool call: finish_reason stop',
      });
    }
    if (finish !== 'tool_calls') return fail(expected, `finish_reason ${JSON.stringify(finish)}`, extra);
    return pass(expected, `tool call ${call.id} with arguments ${excerpt(String(fn.arguments), 80)}`, extra);
  }),
  toolCheck('tools.stream', 'A streamed tool call follows the assembly rules (index, identity first, arguments appended)', async (ctx) => {
    const expected =
      'tool_calls deltas with index; the first per index has id, type "function" and function.name; later ones only append arguments; the assembled arguments parse and validate';
    const c = await captureStream(
      ctx,
      { messages: ASK, tools: TOOLS, tool_choice: FORCED, max_tokens: TOOL_MAX_TOKENS },
      estimateChatMsats(ctx, TOOL_MAX_TOKENS, TOOL_PROMPT_TOKENS),
    );
    if ('outcome' in c) return c.outcome;
    return judgeStream(c, expected, (capture, extra) => toolStreamVerdict(capture, expected, extra));
  }),
  toolCheck('tools.none', 'tool_choice "none" gives no tool call', async (ctx) => {
    const expected = 'no tool_calls and a finish_reason other than "tool_calls" for tool_choice "none"';
    const reply = await post(ctx, { messages: ASK, tool_choice: 'none' }, expected);
    if ('outcome' in reply) return reply.outcome;
    const bad = expect200(reply, expected);
    if (bad) return bad;
    const extra = { curl: reply.sent.curl, spentMsats: reply.spentMsats };
    const calls = message(reply.body)?.tool_calls;
    if (Array.isArray(calls) && calls.length > 0) return fail(expected, `${calls.length} tool call(s): ${excerpt(JSON.stringify(calls), 100)}`, extra);
    const finish = firstChoice(reply.body)?.finish_reason;
    if (finish === 'tool_calls') return fail(expected, 'finish_reason "tool_calls"', extra);
    return pass(expected, `finish_reason ${JSON.stringify(finish)}, no tool calls`, extra);
  }),
  toolCheck('tools.round-trip', 'An assistant tool call plus a role "tool" result gives a text answer', async (ctx) => {
    const expected = 'HTTP 200 with a text answer after an assistant tool_calls message and a role "tool" message with its tool_call_id';
    const callId = 'call_conformance_1';
    const messages = [
      ...ASK,
      { role: 'assistant', content: null, tool_calls: [{ id: callId, type: 'function', function: { name: TOOL_NAME, arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: callId, content: '{"temperature_c":18,"sky":"clear"}' },
    ];
    const reply = await post(ctx, { messages }, expected);
    if ('outcome' in reply) return reply.outcome;
    const bad = expect200(reply, expected);
    if (bad) return bad;
    const extra = { curl: reply.sent.curl, spentMsats: reply.spentMsats };
    const msg = message(reply.body);
    const content = msg?.content;
    if (typeof content !== 'string' || content.trim() === '') {
      const calls = Array.isArray(msg?.tool_calls) ? ` and ${msg.tool_calls.length} tool call(s)` : '';
      return fail(expected, `content ${JSON.stringify(content) ?? 'missing'}${calls}`, extra);
    }
    return pass(expected, `text answer: ${excerpt(content, 80)}`, extra);
  }),
];

/** tools.stream's rules for the tool-call deltas of one captured stream (OpenAI's assembly rules, as the SDK applies them). */
function toolStreamVerdict(c: Capture, expected: string, extra: Partial<CheckOutcome>): CheckOutcome {
  const calls = new Map<number, { id: string; name: string; args: string }>();
  const problems: string[] = [];
  for (const chunk of jsonChunks(c)) {
    const choices = Array.isArray(chunk.choices) ? chunk.choices.filter(isObject) : [];
    for (const choice of choices) {
      const delta = isObject(choice.delta) ? choice.delta : {};
      if (!Array.isArray(delta.tool_calls)) continue;
      for (const tc of delta.tool_calls) {
        if (!isObject(tc) || !Number.isSafeInteger(tc.index) || (tc.index as number) < 0) {
          problems.push(`a tool_calls delta without a valid index: ${excerpt(JSON.stringify(tc), 80)}`);
          continue;
        }
        const index = tc.index as number;
        const fn = isObject(tc.function) ? tc.function : {};
        const known = calls.get(index);
        if (!known) {
          if (typeof tc.id !== 'string' || tc.id === '') problems.push(`index ${index}: first delta without id`);
          if (tc.type !== 'function') problems.push(`index ${index}: first delta has type ${JSON.stringify(tc.type) ?? 'missing'}`);
          if (typeof fn.name !== 'string' || fn.name === '') problems.push(`index ${index}: first delta without function.name`);
          calls.set(index, { id: String(tc.id), name: String(fn.name), args: typeof fn.arguments === 'string' ? fn.arguments : '' });
        } else {
          if (tc.id !== undefined && tc.id !== null && tc.id !== known.id)
            problems.push(`index ${index}: id changes from ${known.id} to ${JSON.stringify(tc.id)}`);
          if (fn.name !== undefined && fn.name !== null && fn.name !== '' && fn.name !== known.name)
            problems.push(`index ${index}: name changes from ${known.name} to ${JSON.stringify(fn.name)}`);
          if (fn.arguments !== undefined && typeof fn.arguments !== 'string') problems.push(`index ${index}: arguments delta is not a string`);
          else if (typeof fn.arguments === 'string') known.args += fn.arguments;
        }
      }
    }
  }
  if (problems.length > 0) return fail(expected, problems.slice(0, 3).join('; '), extra);
  const first = calls.get(0) ?? [...calls.values()][0];
  if (!first) return fail(expected, `no tool_calls deltas in ${c.events.length} events${failureText(c)}`, extra);
  if (first.name !== TOOL_NAME) return fail(expected, `function.name ${JSON.stringify(first.name)}`, extra);
  const problem = argumentProblem(first.args);
  if (problem) return fail(expected, `assembled ${problem}`, extra);
  return pass(expected, `${calls.size} tool call(s), arguments ${excerpt(first.args, 80)}`, extra);
}
