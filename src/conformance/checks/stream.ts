/**
 * Area "stream": streamed chat completions read raw (S1–S9, conformance-anchors.md §5) and assembled
 * through the official SDK's stream helper (S11, §2.8). Each check sends its own small request.
 */
import OpenAI from 'openai';
import { capturedFetch } from '../captured-fetch.ts';
import { curlLine } from '../curl.ts';
import { type FailureKind, type HttpFailure, openSse } from '../http.ts';
import { validateResponse } from '../schemas/validate.ts';
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import { SMALL_MAX_TOKENS, chatModel, estimateChatMsats, noChatModel } from './chat.ts';
import { authHeaders, checkHeaders, describeResult, noteUpstreamFailure, secretsOf, excerpt, reportedCostMsats, fail, isObject, pass, warn } from './util.ts';

export interface StreamEvent {
  event?: string;
  data: string;
  /** The parsed data, when it is JSON. */
  json?: unknown;
}

export interface Capture {
  status: number;
  contentType: string;
  events: StreamEvent[];
  raw: string;
  /** Why reading stopped early (timeout, reset), if it did. */
  failure?: HttpFailure;
  curl: string;
  spentMsats: number;
}

/** The JSON chunks of a capture (events whose data parsed as an object), in order. */
export function jsonChunks(c: Capture): Record<string, unknown>[] {
  return c.events.map((e) => e.json).filter(isObject);
}

/** Streams a chat completion and reads every event until the body ends (or a timeout does). */
export async function captureStream(ctx: CheckContext, request: Record<string, unknown>, estimate: number): Promise<Capture | { outcome: CheckOutcome }> {
  const url = `${ctx.origin}/v1/chat/completions`;
  const headers = { 'content-type': 'application/json', ...checkHeaders(ctx), ...authHeaders(ctx) };
  const body = JSON.stringify({ model: chatModel(ctx), stream: true, ...request });
  const curl = curlLine({ method: 'POST', url, headers, body }, secretsOf(ctx));
  const opened = await openSse({ url, method: 'POST', headers, body, timeouts: ctx.timeouts, signal: ctx.signal });
  if (!opened.ok) return { outcome: fail('HTTP 200 with an event stream', `${opened.kind}: ${opened.message}`, { curl }) };
  const events: StreamEvent[] = [];
  try {
    for await (const e of opened.events) {
      const item: StreamEvent = { data: e.data, ...(e.event !== undefined ? { event: e.event } : {}) };
      if (e.data !== '[DONE]') {
        try {
          item.json = JSON.parse(e.data) as unknown;
        } catch {
          // left without json: framing reports it
        }
      }
      events.push(item);
    }
  } finally {
    opened.close();
  }
  const failure = opened.failure();
  if (opened.status !== 200) noteUpstreamFailure(ctx, opened.status, opened.headers, opened.raw());
  const usage = events.map((e) => reportedCostMsats(e.json)).find((v) => v !== undefined);
  return {
    status: opened.status,
    contentType: opened.headers.get('content-type') ?? '',
    events,
    raw: opened.raw(),
    ...(failure ? { failure } : {}),
    curl,
    spentMsats: opened.status === 200 ? (usage ?? estimate) : 0,
  };
}

/** A failed outcome when the stream did not answer 200, else undefined. */
export function notOk(c: Capture, expected: string): CheckOutcome | undefined {
  if (c.status === 200) return undefined;
  return fail(expected, `HTTP ${c.status} (${c.contentType || 'no content-type'}) ${excerpt(c.raw, 160)}`, { curl: c.curl, spentMsats: c.spentMsats });
}

const UNFINISHED = new Set<FailureKind>(['first-byte-timeout', 'idle-timeout', 'total-timeout', 'too-large']);

export function failureText(c: Capture): string {
  return c.failure ? `; the stream ended with ${c.failure.kind}: ${c.failure.message}` : '';
}

/**
 * The verdict on a captured stream: not answered 200 fails; otherwise `judge` decides, except that
 * a stream cut short by a timeout or the size cap never passes, however fine the chunks that came.
 */
export function judgeStream(c: Capture, expected: string, judge: (c: Capture, extra: Partial<CheckOutcome>) => CheckOutcome): CheckOutcome {
  const bad = notOk(c, expected);
  if (bad) return bad;
  const extra = { curl: c.curl, spentMsats: c.spentMsats };
  const verdict = judge(c, extra);
  if (verdict.status === 'pass' && c.failure && UNFINISHED.has(c.failure.kind)) return fail(expected, `a stream that never finished${failureText(c)}`, extra);
  return verdict;
}

const HELLO = { messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: SMALL_MAX_TOKENS };

/** A stream check: one streamed request, then `judge` on what came back. */
function streamCheck(
  id: string,
  title: string,
  expected: string,
  judge: (c: Capture, extra: Partial<CheckOutcome>) => CheckOutcome,
  request: Record<string, unknown> = HELLO,
): Check {
  return {
    id,
    area: 'stream',
    severity: 'fail',
    title,
    paid: true,
    estimateMsats: (ctx) => estimateChatMsats(ctx, SMALL_MAX_TOKENS),
    skipWhen: noChatModel,
    async run(ctx) {
      const c = await captureStream(ctx, request, estimateChatMsats(ctx, SMALL_MAX_TOKENS));
      if ('outcome' in c) return c.outcome;
      return judgeStream(c, expected, judge);
    },
  };
}

function choiceIndex(choice: Record<string, unknown>): number {
  return typeof choice.index === 'number' ? choice.index : -1;
}

function chunkChoices(chunk: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(chunk.choices) ? chunk.choices.filter(isObject) : [];
}

const SSE_LINE = /^(data|event|id|retry)(:|$)|^:/;

/** Framing problems (S2, S4): every event is data JSON or a final exact [DONE]; known SSE fields only. */
export function framingProblems(c: Capture): string[] {
  const out: string[] = [];
  const doneAt = c.events.findIndex((e) => e.data === '[DONE]');
  c.events.forEach((e, i) => {
    if (doneAt >= 0 && i > doneAt) out.push(`event ${i} comes after [DONE]: ${excerpt(e.data, 60)}`);
    else if (e.data !== '[DONE]' && !isObject(e.json)) {
      const trimmed = e.data.trim() === '[DONE]' ? ' (not the exact sentinel)' : '';
      out.push(`event ${i} data is not a JSON object${trimmed}: ${excerpt(e.data, 80)}`);
    }
  });
  const lines = c.raw.split(/\r\n|\r|\n/);
  const stray = lines.find((l) => l !== '' && !SSE_LINE.test(l));
  if (stray !== undefined) out.push(`a line that is no SSE field: ${excerpt(stray, 80)}`);
  // SSE parsers drop an event without data, but the openai SDK's own decoder does not (it JSON-parses
  // the empty data and throws), so such blocks are looked for in the raw text.
  const named = c.raw
    .split(/(?:\r\n|\r|\n){2}/)
    .map((block) => block.split(/\r\n|\r|\n/))
    .filter((block) => block.some((l) => /^event:/.test(l)) && !block.some((l) => /^data(:|$)/.test(l)));
  if (named.length > 0)
    out.push(
      `a named event "${excerpt(
        named[0]!
          .find((l) => l.startsWith('event:'))!
          .slice(6)
          .trim(),
        40,
      )}" without data (breaks the SDK; keep-alives must be comments)`,
    );
  return out;
}

export const streamChecks: Check[] = [
  streamCheck(
    'stream.content-type',
    'A streamed chat answers 200 with content-type text/event-stream',
    'HTTP 200 with content-type text/event-stream',
    (c, extra) => {
      const expected = 'HTTP 200 with content-type text/event-stream';
      if (!/^text\/event-stream\b/i.test(c.contentType)) return fail(expected, `content-type ${JSON.stringify(c.contentType)}`, extra);
      return pass(expected, `content-type ${c.contentType}`, extra);
    },
  ),
  streamCheck(
    'stream.framing',
    'Every SSE event is data: JSON or the final exact [DONE]; no data-less named events',
    'data: JSON events, then exactly data: [DONE], nothing after',
    (c, extra) => {
      const expected = 'every event data: JSON (an object), then exactly data: [DONE] and nothing after it; keep-alives only as comments';
      const problems = framingProblems(c);
      if (problems.length > 0) return fail(expected, problems.slice(0, 3).join('; ') + failureText(c), extra);
      return pass(expected, `${c.events.length} well-formed events`, extra);
    },
  ),
  streamCheck('stream.done', 'The stream ends with the exact data: [DONE] sentinel', 'data: [DONE] as the last event', (c, extra) => {
    const expected = 'the exact data: [DONE] as the last event, then the body ends';
    const doneAt = c.events.findIndex((e) => e.data === '[DONE]');
    if (doneAt < 0) {
      const last = c.events.at(-1);
      return fail(expected, `no [DONE] after ${c.events.length} events${last ? ` (last: ${excerpt(last.data, 60)})` : ''}${failureText(c)}`, extra);
    }
    if (doneAt !== c.events.length - 1) return fail(expected, `[DONE] at event ${doneAt} of ${c.events.length}`, extra);
    return pass(expected, `[DONE] after ${doneAt} chunks`, extra);
  }),
  streamCheck(
    'stream.role-first',
    'The first delta of each choice carries role "assistant", later ones do not',
    'role "assistant" in the first delta only',
    (c, extra) => {
      const expected = 'delta.role "assistant" in the first chunk of each choice and in no later one';
      const seen = new Set<number>();
      const problems: string[] = [];
      for (const chunk of jsonChunks(c)) {
        for (const choice of chunkChoices(chunk)) {
          const i = choiceIndex(choice);
          const role = isObject(choice.delta) ? choice.delta.role : undefined;
          if (!seen.has(i)) {
            seen.add(i);
            if (role !== 'assistant') problems.push(`choice ${i}: first delta has role ${JSON.stringify(role) ?? 'missing'} (the SDK stream helper throws)`);
          } else if (role !== undefined && role !== null) problems.push(`choice ${i}: a later delta repeats role ${JSON.stringify(role)}`);
        }
      }
      if (seen.size === 0) return fail(expected, `no chunk with choices${failureText(c)}`, extra);
      if (problems.length > 0) return fail(expected, problems.slice(0, 3).join('; '), extra);
      return pass(expected, `role first in ${seen.size} choice(s)`, extra);
    },
  ),
  streamCheck('stream.ids-stable', 'id, model and created are the same in every chunk', 'the same id, model and created in every chunk', (c, extra) => {
    const expected = 'the same id and model in every chunk, and the same created wherever present';
    const chunks = jsonChunks(c).filter((k) => !('error' in k));
    if (chunks.length === 0) return fail(expected, `no JSON chunks${failureText(c)}`, extra);
    const problems: string[] = [];
    for (const field of ['id', 'model', 'created'] as const) {
      const values = chunks.filter((k) => field !== 'created' || field in k).map((k) => JSON.stringify(k[field]));
      if (field !== 'created' && values.some((v) => v === undefined)) problems.push(`${field} missing in some chunks`);
      const distinct = [...new Set(values)];
      if (distinct.length > 1) problems.push(`${field} takes ${distinct.length} values: ${distinct.slice(0, 3).join(', ')}`);
    }
    if (problems.length > 0) return fail(expected, problems.join('; '), extra);
    return pass(expected, `stable over ${chunks.length} chunks`, extra);
  }),
  streamCheck(
    'stream.finish-once',
    'Each choice has exactly one finish_reason, in its last chunk',
    'exactly one non-null finish_reason per choice, last',
    (c, extra) => {
      const expected = 'exactly one non-null finish_reason per choice, in the last chunk for that choice';
      const finishes = new Map<number, number>();
      const afterFinish = new Set<number>();
      for (const chunk of jsonChunks(c)) {
        for (const choice of chunkChoices(chunk)) {
          const i = choiceIndex(choice);
          if ((finishes.get(i) ?? 0) > 0) afterFinish.add(i);
          if (choice.finish_reason !== null && choice.finish_reason !== undefined) finishes.set(i, (finishes.get(i) ?? 0) + 1);
          else if (!finishes.has(i)) finishes.set(i, 0);
        }
      }
      if (finishes.size === 0) return fail(expected, `no chunk with choices${failureText(c)}`, extra);
      const problems = [...finishes].filter(([, n]) => n !== 1).map(([i, n]) => `choice ${i}: ${n} finish_reason(s)`);
      problems.push(...[...afterFinish].map((i) => `choice ${i}: chunks after its finish_reason`));
      if (problems.length > 0) return fail(expected, problems.join('; ') + failureText(c), extra);
      return pass(expected, `one finish_reason for each of ${finishes.size} choice(s)`, extra);
    },
  ),
  {
    id: 'stream.usage',
    area: 'stream',
    severity: 'fail',
    title: 'include_usage gives one final choices: [] chunk with usage; without it, none',
    paid: true,
    estimateMsats: (ctx) => estimateChatMsats(ctx, SMALL_MAX_TOKENS, undefined, 2),
    skipWhen: noChatModel,
    async run(ctx) {
      const expected =
        'with stream_options.include_usage: exactly one usage chunk, last, with choices: [] (earlier chunks usage null or absent); without it: no usage chunk';
      const est = estimateChatMsats(ctx, SMALL_MAX_TOKENS);
      const asked = await captureStream(ctx, { ...HELLO, stream_options: { include_usage: true } }, est);
      if ('outcome' in asked) return asked.outcome;
      const bad = notOk(asked, expected);
      if (bad) return bad;
      let spent = asked.spentMsats;
      const chunks = jsonChunks(asked);
      const withUsage = chunks.map((k, i) => ({ k, i })).filter(({ k }) => isObject(k.usage));
      const extra = () => ({ curl: asked.curl, spentMsats: spent });
      if (withUsage.length !== 1) return fail(expected, `${withUsage.length} chunks with usage when include_usage was set${failureText(asked)}`, extra());
      const { k: usageChunk, i: at } = withUsage[0]!;
      if (!Array.isArray(usageChunk.choices) || usageChunk.choices.length !== 0)
        return fail(expected, `the usage chunk has choices ${excerpt(JSON.stringify(usageChunk.choices) ?? 'missing', 80)}`, extra());
      if (at !== chunks.length - 1) return fail(expected, `the usage chunk is chunk ${at} of ${chunks.length}, not the last`, extra());
      const plain = await captureStream(ctx, HELLO, est);
      if ('outcome' in plain) return { ...plain.outcome, spentMsats: spent };
      spent += plain.spentMsats;
      const plainBad = notOk(plain, expected);
      if (plainBad) return { ...plainBad, spentMsats: spent };
      const unrequested = jsonChunks(plain).filter((k) => isObject(k.usage));
      if (unrequested.length > 0) {
        return warn(expected, 'unrequested usage chunk (Routstr forces usage): a usage chunk without stream_options.include_usage', {
          curl: plain.curl,
          spentMsats: spent,
          variant: 'usage chunk: always sent (Routstr forces usage)',
        });
      }
      return pass(expected, 'one final usage chunk when asked, none otherwise', { ...extra(), variant: 'usage chunk: only when requested (OpenAI behaviour)' });
    },
  },
  streamCheck(
    'stream.schema',
    'Every chunk validates against the ChatCompletionChunk schema',
    'every chunk valid against the chunk schema',
    (c, extra) => {
      const expected = 'every chunk valid against the SDK-lenient chunk schema, and the strict one but for named deviations';
      const chunks = jsonChunks(c);
      if (chunks.length === 0) return fail(expected, `no JSON chunks${failureText(c)}`, extra);
      const lenientErrors: string[] = [];
      const strictErrors: string[] = [];
      const breaking: string[] = [];
      const deviations = new Set<string>();
      chunks.forEach((chunk, i) => {
        const lenient = validateResponse('chat.completion.chunk', 'lenient', chunk);
        if (!lenient.valid) lenientErrors.push(...lenient.errors.map((e) => `chunk ${i}: ${e}`));
        const strict = validateResponse('chat.completion.chunk', 'strict', chunk);
        if (!strict.valid) strictErrors.push(...strict.errors.map((e) => `chunk ${i}: ${e}`));
        breaking.push(...strict.breaking.map((e) => `chunk ${i}: ${e}`));
        for (const d of strict.deviations) deviations.add(d);
      });
      if (lenientErrors.length > 0) return fail(expected, lenientErrors.slice(0, 4).join('; '), extra);
      if (breaking.length > 0) return fail(expected, `values typed clients cannot decode: ${breaking.slice(0, 4).join('; ')}`, extra);
      if (strictErrors.length > 0) return warn(expected, `spec-only deviations: ${strictErrors.slice(0, 4).join('; ')}`, extra);
      if (deviations.size > 0) {
        const names = [...deviations].join(', ');
        return warn(expected, `valid but for known Routstr deviations: ${names}`, { ...extra, variant: `deviations: ${names}` });
      }
      return pass(expected, `${chunks.length} chunks valid in both tiers`, extra);
    },
    { ...HELLO, stream_options: { include_usage: true } },
  ),
  {
    id: 'stream.sdk-assembly',
    area: 'stream',
    severity: 'fail',
    title: "The openai SDK's chat.completions.stream(...).finalChatCompletion() assembles the stream",
    paid: true,
    estimateMsats: (ctx) => estimateChatMsats(ctx, SMALL_MAX_TOKENS),
    skipWhen: noChatModel,
    async run(ctx) {
      const expected = 'finalChatCompletion() resolves with a choice that has a finish_reason and a message';
      const estimate = estimateChatMsats(ctx, SMALL_MAX_TOKENS);
      // The SDK parses what the runner's capped, idle-timed reader captured, not the socket itself.
      const transport = capturedFetch(ctx.timeouts);
      const client = new OpenAI({
        fetch: transport.fetch,
        apiKey: ctx.session.bearer ?? '',
        baseURL: ctx.baseURL,
        maxRetries: 0,
        // A backstop only: the captured fetch's own total timeout comes first and names the cause.
        timeout: ctx.timeouts.total + 1000,
        logLevel: 'off',
        defaultHeaders: checkHeaders(ctx),
      });
      const body = { model: chatModel(ctx)!, ...HELLO, messages: HELLO.messages as OpenAI.ChatCompletionMessageParam[] };
      const curl = curlLine(
        {
          method: 'POST',
          url: `${ctx.baseURL}/chat/completions`,
          headers: { 'content-type': 'application/json', ...checkHeaders(ctx), ...authHeaders(ctx) },
          body: JSON.stringify({ ...body, stream: true }),
        },
        secretsOf(ctx),
      );
      try {
        const stream = client.chat.completions.stream(body, { signal: ctx.signal });
        const final = await stream.finalChatCompletion();
        const choice = final.choices[0];
        if (!choice) return fail(expected, 'a completion without choices', { curl, spentMsats: estimate });
        const content = choice.message.content;
        return pass(
          expected,
          `finish_reason ${JSON.stringify(choice.finish_reason)}, ${typeof content === 'string' ? `${content.length} chars` : 'no content'}`,
          {
            curl,
            spentMsats: estimate,
          },
        );
      } catch (err) {
        const cut = transport.failure();
        if (cut) return fail(expected, describeResult(cut), { curl, spentMsats: cut.status === 200 ? estimate : 0 });
        const e = err as { status?: number; message?: string; name?: string };
        const cause = (err as { cause?: { message?: string } }).cause?.message;
        const what = `${e.name ?? 'Error'}${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message ?? String(err)}${cause ? ` (${cause})` : ''}`;
        return fail(expected, `the SDK threw ${what}`, { curl, spentMsats: e.status !== undefined && e.status !== 200 ? 0 : estimate });
      }
    },
  },
];
