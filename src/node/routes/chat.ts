import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { chatRequestSeed, planChat } from '../../generate/chat.ts';
import { hashSeed } from '../../generate/random.ts';
import { tokenizerFor } from '../../generate/tokens.ts';
import { parseChatRequest } from '../../requests/chat.ts';
import { chatCompletionBody, chatCompletionChunks, type ResponseMeta } from '../../responses/chat.ts';
import { frameSchedule } from '../../responses/pacing.ts';
import { jsonBody } from '../body.ts';
import type { NodeContext } from '../context.ts';
import { invalidRequest, maxTokensNotInteger } from '../errors.ts';
import { type SseEvent, writeSse } from '../sse-writer.ts';
import { writeJsonText } from '../json-writer.ts';
import { streamFaultOf } from '../faults.ts';
import { authorizeRequest, failedPayment } from '../paid-request.ts';
import { type CostData, costFromUsage, costHeaders } from '../../payment/billing.ts';
import { addCostToUsageChunk, paidBodyJson } from '../../responses/cost.ts';
import type { ModelSpec } from '../../scenario/types.ts';

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
    const payer = authorizeRequest(ctx.payments, request, model, body);
    let settled = false;
    const settle = (cost: CostData) => {
      settled = true;
      request.settledUsage = { prompt_tokens: cost.input_tokens, completion_tokens: cost.output_tokens };
      const settlement = ctx.payments.settle(payer, cost);
      if (request.journalEntry) request.journalEntry.cost_msats = settlement.charged;
      return settlement;
    };
    try {
      ctx.requireKind(model, ['chat'], '/v1/chat/completions');
      const chat = parseChatRequest(body, model);
      const tokenizer = tokenizerFor(model.id, model.tokenizer);
      const scripted = request.mock?.reply;
      const plan = planChat({ request: chat, modelId: model.id, scenarioSeed: ctx.scenario.seed, tokenizer, ...(scripted ? { reply: scripted } : {}) });
      checkContextLength(model, plan.promptTokens, chat.maxTokens);
      const cost = costFromUsage(model, plan.promptTokens, plan.completionTokens, ctx.scenario.btc_usd);
      const meta: ResponseMeta = {
        id: `chatcmpl-${randomUUID()}`,
        created: Math.floor(Date.now() / 1000),
        model: model.id,
        systemFingerprint: fingerprintOf(model.id),
      };
      const logprobs = { enabled: chat.logprobs, top: chat.topLogprobs, tokenizer };

      if (!chat.stream) {
        const settlement = settle(cost);
        const headers = { ...costHeaders(cost), ...(settlement.changeToken ? { 'x-cashu': settlement.changeToken } : {}) };
        return writeJsonText(reply, paidBodyJson(chatCompletionBody(plan, meta, logprobs), cost, settlement), headers);
      }

      const stream = { ...ctx.scenario.stream, ...scripted?.stream };
      const withUsage = stream.usage_chunk === 'always' || chat.includeUsage;
      const frames = chatCompletionChunks(plan, meta, { withUsage, chunkTokens: stream.chunk_tokens }, logprobs);
      const usageFrame = withUsage ? frames.pop() : undefined;
      let events: SseEvent[];
      if (payer.mode === 'xcashu') {
        // X-Cashu answers are buffered by real nodes: settled first, change in the headers, then replayed at once.
        const settlement = settle(cost);
        reply.headers({ ...costHeaders(cost), ...(settlement.changeToken ? { 'x-cashu': settlement.changeToken } : {}) });
        events = frames.map((f) => ({ data: JSON.stringify(f.chunk), at: 0 }));
        if (usageFrame) events.push({ data: JSON.stringify(addCostToUsageChunk(usageFrame.chunk, cost, settlement)), at: 0 });
      } else {
        const times = frameSchedule(frames, stream, chatRequestSeed({ request: chat, modelId: model.id, scenarioSeed: ctx.scenario.seed, tokenizer }));
        const last = times[times.length - 1] ?? 0;
        events = frames.map((f, i) => ({ data: JSON.stringify(f.chunk), at: times[i]! }));
        // The node settles after the upstream finishes, then sends the cost in the held-back usage chunk.
        if (usageFrame) events.push({ data: () => JSON.stringify(addCostToUsageChunk(usageFrame.chunk, cost, settle(cost))), at: last });
      }
      events.push({ data: '[DONE]', at: events[events.length - 1]?.at ?? 0 });
      const outcome = await writeSse(reply, events, streamFaultOf(request.mock?.fault, true));
      if (outcome === 'faulted' && request.journalEntry) request.journalEntry.outcome = 'faulted';
      if (!settled) {
        if (outcome === 'completed') settle(cost);
        else ctx.payments.fail(payer);
      }
      return reply;
    } catch (err) {
      if (settled) throw err;
      throw failedPayment(ctx.payments, payer, err);
    }
  });
}

function checkContextLength(model: ModelSpec, promptTokens: number, maxTokens: number | undefined): void {
  const requested = promptTokens + (maxTokens ?? 0);
  if (requested > model.context_length) {
    throw invalidRequest(
      `This model's maximum context length is ${model.context_length} tokens. However, you requested ${requested} tokens (${promptTokens} in the messages, ${maxTokens ?? 0} in the completion). Please reduce the length of the messages or completion.`,
      'messages',
      'context_length_exceeded',
    );
  }
}
