import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { planChat } from '../../generate/chat.ts';
import { hashSeed } from '../../generate/random.ts';
import { tokenizerFor } from '../../generate/tokens.ts';
import { parseChatRequest } from '../../requests/chat.ts';
import { chatCompletionBody, chatCompletionChunks, type ResponseMeta } from '../../responses/chat.ts';
import { frameSchedule } from '../../responses/pacing.ts';
import { jsonBody } from '../body.ts';
import type { NodeContext } from '../context.ts';
import { invalidRequest, maxTokensNotInteger } from '../errors.ts';
import { writeSse } from '../sse-writer.ts';

export interface RouteOptions {
  context: () => NodeContext;
}

/** Routstr's own pre-check, before the model lookup: a non-integer max_tokens is refused. */
export function checkMaxTokensIsInteger(body: Record<string, unknown>): void {
  const v = body.max_tokens;
  if (v !== undefined && v !== null && !Number.isInteger(v)) throw maxTokensNotInteger();
}

export function fingerprintOf(modelId: string): string {
  return `fp_${hashSeed('fingerprint', modelId).toString(16).padStart(8, '0')}`;
}

export async function chatRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  app.post('/chat/completions', async (request, reply) => {
    const ctx = opts.context();
    const body = jsonBody(request);
    checkMaxTokensIsInteger(body);
    const model = ctx.resolveModel(body.model);
    ctx.requireKind(model, ['chat'], '/v1/chat/completions');
    const chat = parseChatRequest(body, model);
    const tokenizer = tokenizerFor(model.id, model.tokenizer);
    const plan = planChat({ request: chat, modelId: model.id, scenarioSeed: ctx.scenario.seed, tokenizer });
    const requested = plan.promptTokens + (chat.maxTokens ?? 0);
    if (requested > model.context_length) {
      throw invalidRequest(
        `This model's maximum context length is ${model.context_length} tokens. However, you requested ${requested} tokens (${plan.promptTokens} in the messages, ${chat.maxTokens ?? 0} in the completion). Please reduce the length of the messages or completion.`,
        'messages',
        'context_length_exceeded',
      );
    }
    const meta: ResponseMeta = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: model.id, systemFingerprint: fingerprintOf(model.id) };
    const logprobs = { enabled: chat.logprobs, top: chat.topLogprobs, tokenizer };
    if (!chat.stream) return chatCompletionBody(plan, meta, logprobs);

    const stream = ctx.scenario.stream;
    const withUsage = stream.usage_chunk === 'always' || chat.includeUsage;
    const frames = chatCompletionChunks(plan, meta, { withUsage, chunkTokens: stream.chunk_tokens }, logprobs);
    const times = frameSchedule(frames, stream);
    const events = frames.map((f, i) => ({ data: JSON.stringify(f.chunk), at: times[i]! }));
    events.push({ data: '[DONE]', at: times[times.length - 1] ?? 0 });
    await writeSse(reply, events);
    return reply;
  });
}
