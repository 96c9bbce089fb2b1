import { authorizeRequest, chargeNothing } from '../paid-request.ts';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Rng, hashSeed } from '../../generate/random.ts';
import { planReply, sentence, topicOf } from '../../generate/text.ts';
import { type Tokenizer, tokenizerFor } from '../../generate/tokens.ts';
import { type CompletionsRequest, parseCompletionsRequest } from '../../requests/completions.ts';
import { checkCompletionBudget, checkTokenizedText, decodeTokens } from '../../requests/fields.ts';
import { frameSchedule } from '../../responses/pacing.ts';
import { jsonBody } from '../body.ts';
import { invalidRequest } from '../errors.ts';
import { writeSse } from '../sse-writer.ts';
import { streamFaultOf } from '../faults.ts';
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

function planChoices(
  req: CompletionsRequest,
  promptTexts: string[],
  seed: (prompt: string, k: number) => number,
  tokenizer: Tokenizer,
  scripted?: string,
): CompletionChoice[] {
  const choices: CompletionChoice[] = [];
  promptTexts.forEach((prompt, p) => {
    for (let k = 0; k < req.n; k++) {
      let text = scripted ?? continuation(new Rng(seed(prompt, k)), prompt);
      let finishReason: CompletionChoice['finishReason'] = 'stop';
      for (const stop of req.stop) {
        const at = text.indexOf(stop);
        if (at >= 0) text = text.slice(0, at);
      }
      let pieces = tokenizer.pieces(text);
      if (pieces.length > req.maxTokens) {
        pieces = pieces.slice(0, req.maxTokens);
        finishReason = 'length';
      }
      choices.push({ index: p * req.n + k, echoed: req.echo ? prompt : '', pieces, finishReason, offset: charLength(prompt) });
    }
  });
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
    return chargeNothing(ctx.payments, payer, async () => {
      ctx.requireKind(model, ['chat'], '/v1/completions');
      const req = parseCompletionsRequest(body, model);
      const tokenizer = tokenizerFor(model.id, model.tokenizer);
      const where = (i: number) => (req.prompts.length === 1 ? 'prompt' : `prompt[${i}]`);
      const promptTexts = req.prompts.map((p, i) => ('text' in p ? p.text : decodeTokens(tokenizer, p.tokens, where(i))));
      checkTokenizedText(promptTexts.map((text, i) => ({ text, param: where(i) })));
      const promptCounts = req.prompts.map((p, i) => ('tokens' in p ? p.tokens.length : tokenizer.count(promptTexts[i]!)));
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
      const choices = planChoices(req, promptTexts, seed, tokenizer, request.mock?.reply?.content);
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
      const echoLogprobs = (c: CompletionChoice) => logprobsFor(c.echoed === '' ? [] : tokenizer.pieces(c.echoed), 0, top ?? 0, true, 1000);

      if (!req.stream) {
        return {
          ...base,
          choices: choices.map((c) => ({
            text: c.echoed + c.pieces.join(''),
            index: c.index,
            logprobs: top === undefined ? null : joinLogprobs(echoLogprobs(c), generatedLogprobs(c)),
            finish_reason: c.finishReason,
          })),
          usage,
        };
      }
      const frames: { tokens: number; chunk: Record<string, unknown> }[] = [];
      const chunk = (choice: Record<string, unknown>) => ({ ...base, choices: [choice] });
      for (const c of choices) {
        if (c.echoed !== '') {
          frames.push({
            tokens: 0,
            chunk: chunk({ text: c.echoed, index: c.index, logprobs: top === undefined ? null : echoLogprobs(c), finish_reason: null }),
          });
        }
        c.pieces.forEach((piece, i) => {
          const logprobs = top === undefined ? null : generatedLogprobs(c, i, i + 1);
          frames.push({ tokens: 1, chunk: chunk({ text: piece, index: c.index, logprobs, finish_reason: null }) });
        });
        frames.push({ tokens: 0, chunk: chunk({ text: '', index: c.index, logprobs: null, finish_reason: c.finishReason }) });
      }
      if (req.includeUsage) frames.push({ tokens: 0, chunk: { ...base, choices: [], usage } });
      const times = frameSchedule(frames, ctx.scenario.stream);
      const events = frames.map((f, i) => ({ data: JSON.stringify(f.chunk), at: times[i]! }));
      events.push({ data: '[DONE]', at: times[times.length - 1] ?? 0 });
      const outcome = await writeSse(reply, events, streamFaultOf(request.mock?.fault, true), { clientTimeoutMs: ctx.scenario.stream.client_timeout_ms });
      if (outcome === 'faulted' && request.journalEntry) request.journalEntry.outcome = 'faulted';
      return reply;
    });
  });
}
