import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Rng, hashSeed } from '../../generate/random.ts';
import { planReply, writeReply } from '../../generate/text.ts';
import { tokenizerFor } from '../../generate/tokens.ts';
import { parseCompletionsRequest } from '../../requests/completions.ts';
import { frameSchedule } from '../../responses/pacing.ts';
import { jsonBody } from '../body.ts';
import { writeSse } from '../sse-writer.ts';
import { type RouteOptions, checkMaxTokensIsInteger, fingerprintOf } from './chat.ts';

interface CompletionChoice {
  index: number;
  text: string;
  pieces: string[];
  finishReason: 'stop' | 'length';
}

/** POST /completions, the legacy text completion API (a passthrough on real nodes, so no cost chunk). */
export async function completionRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  app.post('/completions', async (request, reply) => {
    const ctx = opts.context();
    const body = jsonBody(request);
    checkMaxTokensIsInteger(body);
    const model = ctx.resolveModel(body.model);
    ctx.requireKind(model, ['chat'], '/v1/completions');
    const req = parseCompletionsRequest(body, model);
    const tokenizer = tokenizerFor(model.id, model.tokenizer);
    const promptTexts = req.prompts.map((p) => ('text' in p ? p.text : tokenizer.decode(p.tokens)));
    const promptTokens = req.prompts.reduce((sum, p, i) => sum + ('tokens' in p ? p.tokens.length : tokenizer.count(promptTexts[i]!)), 0);

    const choices: CompletionChoice[] = [];
    promptTexts.forEach((prompt, p) => {
      for (let k = 0; k < req.n; k++) {
        const rng = new Rng(hashSeed(ctx.scenario.seed, model.id, prompt, req.suffix, req.temperature, req.seed, k));
        let text = writeReply(rng, planReply(rng, prompt), (s) => tokenizer.count(s));
        text = text.startsWith(' ') ? text : ` ${text}`;
        for (const stop of req.stop) {
          const at = text.indexOf(stop);
          if (at >= 0) text = text.slice(0, at);
        }
        let pieces = tokenizer.pieces(text);
        let finishReason: CompletionChoice['finishReason'] = 'stop';
        if (pieces.length > req.maxTokens) {
          pieces = pieces.slice(0, req.maxTokens);
          finishReason = 'length';
        }
        const generated = pieces.join('');
        choices.push({ index: p * req.n + k, text: (req.echo ? prompt : '') + generated, pieces, finishReason });
      }
    });
    const completionTokens = choices.reduce((sum, c) => sum + c.pieces.length, 0);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const base = { id: `cmpl-${randomUUID()}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model: model.id, system_fingerprint: fingerprintOf(model.id) };

    if (!req.stream) {
      return { ...base, choices: choices.map((c) => ({ text: c.text, index: c.index, logprobs: null, finish_reason: c.finishReason })), usage };
    }
    const frames: { tokens: number; chunk: Record<string, unknown> }[] = [];
    const chunk = (choice: Record<string, unknown>) => ({ ...base, choices: [choice] });
    for (const c of choices) {
      c.pieces.forEach((piece) => frames.push({ tokens: 1, chunk: chunk({ text: piece, index: c.index, logprobs: null, finish_reason: null }) }));
      frames.push({ tokens: 0, chunk: chunk({ text: '', index: c.index, logprobs: null, finish_reason: c.finishReason }) });
    }
    if (req.includeUsage) frames.push({ tokens: 0, chunk: { ...base, choices: [], usage } });
    const times = frameSchedule(frames, ctx.scenario.stream);
    const events = frames.map((f, i) => ({ data: JSON.stringify(f.chunk), at: times[i]! }));
    events.push({ data: '[DONE]', at: times[times.length - 1] ?? 0 });
    await writeSse(reply, events);
    return reply;
  });
}
