import { authorizeRequest, chargeNothing } from '../paid-request.ts';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Steps, runInSlices } from '../../generate/cooperative.ts';
import { Rng, hashSeed } from '../../generate/random.ts';
import { planReply, sentence, topicOf } from '../../generate/text.ts';
import { type Tokenizer, tokenizerFor } from '../../generate/tokens.ts';
import { type CompletionsRequest, parseCompletionsRequest } from '../../requests/completions.ts';
import { checkCompletionBudget, checkTokenizedText, decodeTokens } from '../../requests/fields.ts';
import { frameSchedule } from '../../responses/pacing.ts';
import { jsonBody } from '../body.ts';
import { invalidRequest } from '../errors.ts';
import { type SseEvent, writeSse } from '../sse-writer.ts';
import { streamFaultOf, unlessClientLeaves } from '../faults.ts';
import { JsonChunks, arrayFieldJson } from '../../responses/json-text.ts';
import { type RouteOptions, checkMaxTokensIsInteger, fingerprintOf } from './chat.ts';

interface CompletionChoice {
  index: number;
  /** The prompt as returned with `echo`, else ''. */
  echoed: string;
  /** The generated text cut on token boundaries. */
  pieces: string[];
  finishReason: 'stop' | 'length';
  /** Characters before the generated text in prompt + completion, for `text_offset`. */
  offset: number;
}

/** Legacy logprobs: parallel arrays over the tokens, the top alternatives as a token → logprob map. */
interface LegacyLogprobs {
  tokens: string[];
  token_logprobs: (number | null)[];
  top_logprobs: (Record<string, number> | null)[];
  text_offset: number[];
}

/** Other real tokens offered as the less likely alternatives. */
const ALTERNATIVES = [' the', ' a', ',', '.', ' and', ' to', ' of', ' in', ' is', ' it', ' that', ' for'];

/** Code points, as OpenAI counts `text_offset` (Python string indexes). */
const charLength = (s: string) => [...s].length;

/**
 * Text that carries on from the prompt, as a base model would: plain sentences about the prompt's
 * topic, without the chat-style openers ("Good question: ...") that would make every choice start
 * alike. Its length follows what the prompt asks for; max_tokens cuts it later.
 */
function continuation(rng: Rng, prompt: string): string {
  const target = planReply(rng, prompt).targetTokens;
  const topic = topicOf(prompt);
  const sentences: string[] = [];
  let words = 0;
  // ~0.75 words a token in English prose.
  while (words < target * 0.75 && sentences.length < 200) {
    const s = sentence(rng, topic);
    sentences.push(s);
    words += s.split(/\s+/).length;
  }
  const text = sentences.join(' ');
  return /\s$/.test(prompt) || prompt === '' ? text : ` ${text}`;
}

function logprobsFor(pieces: string[], start: number, top: number, firstIsUnscored: boolean, position: number): LegacyLogprobs {
  const out: LegacyLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let offset = start;
  pieces.forEach((token, i) => {
    out.tokens.push(token);
    out.text_offset.push(offset);
    offset += charLength(token);
    if (firstIsUnscored && i === 0) {
      // The first prompt token has no context to be predicted from: OpenAI reports null.
      out.token_logprobs.push(null);
      out.top_logprobs.push(null);
      return;
    }
    // The sampled token is the most likely one (p from 0.38 to 0.99).
    const logprob = -(1 + (((position + i) * 7919) % 97)) / 100;
    out.token_logprobs.push(logprob);
    const alternatives: Record<string, number> = { [token]: logprob };
    // The sampled token is always included, so there are at most max(top, 1) entries. The
    // alternatives share what probability is left, halving each time, so the total stays below 1.
    const rest = 1 - Math.exp(logprob);
    ALTERNATIVES.filter((a) => a !== token)
      .slice(0, Math.max(0, top - 1))
      .forEach((a, k) => {
        alternatives[a] = Math.floor(Math.log(rest / 2 ** (k + 1)) * 100) / 100;
      });
    out.top_logprobs.push(alternatives);
  });
  return out;
}

function joinLogprobs(a: LegacyLogprobs, b: LegacyLogprobs): LegacyLogprobs {
  return {
    tokens: [...a.tokens, ...b.tokens],
    token_logprobs: [...a.token_logprobs, ...b.token_logprobs],
    top_logprobs: [...a.top_logprobs, ...b.top_logprobs],
    text_offset: [...a.text_offset, ...b.text_offset],
  };
}

/** The choices, one per step (each writes and tokenizes up to 200 sentences). */
function* planChoices(
  req: CompletionsRequest,
  promptTexts: string[],
  seed: (prompt: string, k: number) => number,
  tokenizer: Tokenizer,
  scripted?: string,
): Steps<CompletionChoice[]> {
  const choices: CompletionChoice[] = [];
  for (let p = 0; p < promptTexts.length; p++) {
    const prompt = promptTexts[p]!;
    for (let k = 0; k < req.n; k++) {
      let text = scripted ?? continuation(new Rng(seed(prompt, k)), prompt);
      let finishReason: CompletionChoice['finishReason'] = 'stop';
      for (const stop of req.stop) {
        const at = text.indexOf(stop);
        if (at >= 0) text = text.slice(0, at);
      }
      let pieces = yield* tokenizer.piecesSteps(text);
      if (pieces.length > req.maxTokens) {
        pieces = pieces.slice(0, req.maxTokens);
        finishReason = 'length';
      }
      choices.push({ index: p * req.n + k, echoed: req.echo ? prompt : '', pieces, finishReason, offset: charLength(prompt) });
      yield;
    }
  }
  return choices;
}
/** POST /completions, the legacy text completion API (a passthrough on real nodes, so no cost chunk). */
export async function completionRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  app.post('/completions', async (request, reply) => {
    const ctx = opts.context();
    const body = jsonBody(request);
    checkMaxTokensIsInteger(body);
    const model = ctx.resolveModel(body.model);
    const payer = authorizeRequest(ctx.payments, request, model, body);
    // 2048 prompts, or 131 072 tokens of answer, take seconds to tokenize and write: the work runs
    // in slices, other requests going on meanwhile; a client that goes away meanwhile stops it, is
    // not answered, and is not charged.
    return unlessClientLeaves(request, reply, (signal) =>
      chargeNothing(ctx.payments, payer, async () => {
        const answer = await runInSlices(complete(), signal);
        if (answer.kind === 'json') return reply.header('content-type', 'application/json; charset=utf-8').send(answer.body);
        const outcome = await writeSse(reply, answer.events, streamFaultOf(request.mock?.fault, true), {
          clientTimeoutMs: ctx.scenario.stream.client_timeout_ms,
        });
        if (outcome === 'faulted' && request.journalEntry) request.journalEntry.outcome = 'faulted';
        return reply;
      }),
    );

    function* complete(): Steps<{ kind: 'json'; body: Buffer } | { kind: 'stream'; events: SseEvent[] }> {
      ctx.requireKind(model, ['chat'], '/v1/completions');
      const req = parseCompletionsRequest(body, model);
      const tokenizer = tokenizerFor(model.id, model.tokenizer);
      const where = (i: number) => (req.prompts.length === 1 ? 'prompt' : `prompt[${i}]`);
      const promptTexts = req.prompts.map((p, i) => ('text' in p ? p.text : decodeTokens(tokenizer, p.tokens, where(i))));
      checkTokenizedText(promptTexts.map((text, i) => ({ text, param: where(i) })));
      const promptCounts: number[] = [];
      for (let i = 0; i < req.prompts.length; i++) {
        const p = req.prompts[i]!;
        const text = promptTexts[i]!;
        promptCounts.push('tokens' in p ? p.tokens.length : yield* tokenizer.countSteps(text));
        yield;
      }
      const promptTokens = promptCounts.reduce((sum, n) => sum + n, 0);
      const longest = promptCounts.reduce((max, n) => Math.max(max, n), 0);
      // Every choice is up to max_tokens long, and with `echo` repeats its prompt.
      const choiceCount = req.prompts.length * req.n;
      checkCompletionBudget(
        choiceCount * req.maxTokens + (req.echo ? req.n * promptTokens : 0),
        req.logprobs,
        'n',
        `prompts × n × max_tokens (${req.prompts.length} × ${req.n} × ${req.maxTokens})${req.echo ? ` plus the echoed prompts (n × ${promptTokens} tokens)` : ''}`,
      );
      if (longest + req.maxTokens > model.context_length) {
        throw invalidRequest(
          `This model's maximum context length is ${model.context_length} tokens, however you requested ${longest + req.maxTokens} tokens (${longest} in your prompt; ${req.maxTokens} for the completion). Please reduce your prompt; or completion length.`,
          'prompt',
          'context_length_exceeded',
        );
      }

      const seed = (prompt: string, k: number) => hashSeed(ctx.scenario.seed, model.id, prompt, req.suffix, req.temperature, req.seed, k);
      const choices = yield* planChoices(req, promptTexts, seed, tokenizer, request.mock?.reply?.content);
      const completionTokens = choices.reduce((sum, c) => sum + c.pieces.length, 0);
      const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
      const base = {
        id: `cmpl-${randomUUID()}`,
        object: 'text_completion',
        created: Math.floor(Date.now() / 1000),
        model: model.id,
        system_fingerprint: fingerprintOf(model.id),
      };
      const top = req.logprobs;
      const generatedLogprobs = (c: CompletionChoice, from = 0, to = c.pieces.length) =>
        logprobsFor(c.pieces.slice(from, to), c.offset + charLength(c.pieces.slice(0, from).join('')), top ?? 0, false, from);
      function* echoLogprobs(c: CompletionChoice): Steps<LegacyLogprobs> {
        return logprobsFor(c.echoed === '' ? [] : yield* tokenizer.piecesSteps(c.echoed), 0, top ?? 0, true, 1000);
      }

      if (!req.stream) {
        // Exactly JSON.stringify of the response object, written a choice at a time.
        const json = new JsonChunks();
        for (const c of choices) {
          const choice = {
            text: c.echoed + c.pieces.join(''),
            index: c.index,
            logprobs: top === undefined ? null : joinLogprobs(yield* echoLogprobs(c), generatedLogprobs(c)),
            finish_reason: c.finishReason,
          };
          json.push(c === choices[0] ? JSON.stringify(choice) : `,${JSON.stringify(choice)}`);
          yield;
        }
        const { open, close } = arrayFieldJson(base, 'choices', { usage });
        return { kind: 'json', body: yield* json.join(open, close) };
      }
      // Each frame's text is written when it is due (by writeSse, which lets the event loop in as it
      // goes): 131 072 frames held as objects until then kept the garbage collector busy for ~0.1 s.
      const frames: { tokens: number; json: () => string }[] = [];
      const chunk = (choice: Record<string, unknown>) => JSON.stringify({ ...base, choices: [choice] });
      for (const c of choices) {
        if (c.echoed !== '') {
          const logprobs = top === undefined ? null : yield* echoLogprobs(c);
          frames.push({ tokens: 0, json: () => chunk({ text: c.echoed, index: c.index, logprobs, finish_reason: null }) });
        }
        for (let i = 0; i < c.pieces.length; i++) {
          frames.push({
            tokens: 1,
            json: () => chunk({ text: c.pieces[i], index: c.index, logprobs: top === undefined ? null : generatedLogprobs(c, i, i + 1), finish_reason: null }),
          });
        }
        frames.push({ tokens: 0, json: () => chunk({ text: '', index: c.index, logprobs: null, finish_reason: c.finishReason }) });
        yield;
      }
      if (req.includeUsage) frames.push({ tokens: 0, json: () => JSON.stringify({ ...base, choices: [], usage }) });
      const times = frameSchedule(frames, ctx.scenario.stream);
      const events: SseEvent[] = frames.map((f, i) => ({ data: f.json, at: times[i]! }));
      events.push({ data: '[DONE]', at: times[times.length - 1] ?? 0 });
      return { kind: 'stream', events };
    }
  });
}
