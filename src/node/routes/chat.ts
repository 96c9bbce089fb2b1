import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ChatGenerationInput, type ChatPlan, chatRequestSeed, planChatSteps } from '../../generate/chat.ts';
import { type Started, type Steps, runInSlices, startInSlices } from '../../generate/cooperative.ts';
import { hashSeed } from '../../generate/random.ts';
import { tokenizerFor } from '../../generate/tokens.ts';
import { type ChatRequest, parseChatRequest } from '../../requests/chat.ts';
import {
  type LogprobOptions,
  type ResponseMeta,
  chatCompletionChunksSteps,
  choicesJsonSteps,
  paidChatCompletionJson,
  usageChunk,
} from '../../responses/chat.ts';
import { frameSchedule } from '../../responses/pacing.ts';
import { jsonBody } from '../body.ts';
import type { NodeContext } from '../context.ts';
import { invalidRequest, maxTokensNotInteger } from '../errors.ts';
import { type SseEvent, writeSse } from '../sse-writer.ts';
import { streamFaultOf, unlessClientLeaves } from '../faults.ts';
import { authorizeRequest, failedPayment } from '../paid-request.ts';
import { type CostData, costFromUsage, costHeaders } from '../../payment/billing.ts';
import type { Payer, Settlement } from '../../payment/payments.ts';
import { addCostToUsageChunk } from '../../responses/cost.ts';
import type { ModelSpec } from '../../scenario/types.ts';
import type { HeavyWorkSlots } from '../../limits/heavy-work.ts';

export interface RouteOptions {
  context: () => NodeContext;
  /** The node's slots for memory-heavy work (one set for every mount). */
  heavyWork: HeavyWorkSlots;
}

/** Routstr's own pre-check, before the model lookup: a non-integer max_tokens is refused. */
export function checkMaxTokensIsInteger(body: Record<string, unknown>): void {
  const v = body.max_tokens;
  if (v !== undefined && v !== null && !Number.isInteger(v)) throw maxTokensNotInteger();
}

const fingerprints = new Map<string, string>();

export function fingerprintOf(modelId: string): string {
  let fingerprint = fingerprints.get(modelId);
  if (fingerprint === undefined) {
    fingerprint = `fp_${hashSeed('fingerprint', modelId).toString(16).padStart(8, '0')}`;
    if (fingerprints.size >= 1000) fingerprints.clear();
    fingerprints.set(modelId, fingerprint);
  }
  return fingerprint;
}

/** A chat request that passed the checks and is paid for: what was asked, what the answer is, what it costs. */
interface PlannedChat {
  ctx: NodeContext;
  model: ModelSpec;
  payer: Payer;
  chat: ChatRequest;
  plan: ChatPlan;
  cost: CostData;
  meta: ResponseMeta;
  logprobs: LogprobOptions;
  /** A non-streaming answer's `choices`, as JSON text. */
  choicesJson?: string;
}

export async function chatRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  // Not async: the common non-streaming answer is sent without a promise; only streams, and big
  // requests planned in slices, return one.
  app.post('/chat/completions', (request, reply) => {
    const ctx = opts.context();
    const body = jsonBody(request);
    checkMaxTokensIsInteger(body);
    const model = ctx.resolveModel(body.model);
    const payer = authorizeRequest(ctx.payments, request, model, body);
    // Nearly every request is planned within one slice, here and now. A big one (128 choices, a
    // huge schema, a 100 000-token conversation) goes on in slices, other requests served
    // meanwhile; a client that goes away meanwhile stops it, is not answered, and is not charged.
    let started: Started<PlannedChat>;
    try {
      started = startInSlices(planPaidChat(ctx, request, model, payer, body));
    } catch (err) {
      throw failedPayment(ctx.payments, payer, err);
    }
    if (started.done) {
      if (started.value.chat.stream) return streamChat(started.value, request, reply);
      sendChat(started.value, request, reply);
      return;
    }
    const { rest } = started;
    return unlessClientLeaves(request, reply, async (signal) => {
      let planned: PlannedChat;
      try {
        planned = await rest(signal);
      } catch (err) {
        throw failedPayment(ctx.payments, payer, err);
      }
      if (planned.chat.stream) return streamChat(planned, request, reply);
      sendChat(planned, request, reply);
      return reply;
    });
  });
}

function* planPaidChat(ctx: NodeContext, request: FastifyRequest, model: ModelSpec, payer: Payer, body: Record<string, unknown>): Steps<PlannedChat> {
  ctx.requireKind(model, ['chat'], '/v1/chat/completions');
  const chat = parseChatRequest(body, model);
  const tokenizer = tokenizerFor(model.id, model.tokenizer);
  const input: ChatGenerationInput = { request: chat, modelId: model.id, scenarioSeed: ctx.scenario.seed, tokenizer };
  const scripted = request.mock?.reply;
  if (scripted) input.reply = scripted;
  const plan = yield* planChatSteps(input);
  checkContextLength(model, plan.promptTokens, chat.maxTokens);
  const cost = costFromUsage(model, plan.promptTokens, plan.completionTokens, ctx.scenario.btc_usd);
  const meta: ResponseMeta = {
    id: `chatcmpl-${randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: model.id,
    systemFingerprint: fingerprintOf(model.id),
  };
  const logprobs: LogprobOptions = { enabled: chat.logprobs, top: chat.topLogprobs, tokenizer };
  const planned: PlannedChat = { ctx, model, payer, chat, plan, cost, meta, logprobs };
  if (!chat.stream) planned.choicesJson = yield* choicesJsonSteps(plan, logprobs);
  return planned;
}

/** Charges the request and records what it used (for the journal and the rate limiter's `tpm`). */
function settleChat({ ctx, payer, cost }: PlannedChat, request: FastifyRequest): Settlement {
  request.settledUsage = { prompt_tokens: cost.input_tokens, completion_tokens: cost.output_tokens };
  const settlement = ctx.payments.settle(payer, cost);
  // An overrun charged short is reported as charged, as routstr-core does (cost.total_msats = actual_charge_msats).
  if (payer.mode === 'bearer' && settlement.charged < cost.total_msats) cost.total_msats = settlement.charged;
  if (request.journalEntry) request.journalEntry.cost_msats = settlement.charged;
  return settlement;
}

function setCostHeaders(reply: FastifyReply, cost: CostData, settlement: Settlement): void {
  reply.headers(costHeaders(cost));
  if (settlement.changeToken) reply.header('x-cashu', settlement.changeToken);
}

function sendChat(planned: PlannedChat, request: FastifyRequest, reply: FastifyReply): void {
  const settlement = settleChat(planned, request);
  setCostHeaders(reply, planned.cost, settlement);
  const json = paidChatCompletionJson(planned.plan, planned.meta, planned.logprobs, planned.cost, settlement, planned.choicesJson);
  reply.header('content-type', 'application/json; charset=utf-8').send(json);
}

async function streamChat(planned: PlannedChat, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { ctx, model, payer, chat, plan, cost, meta, logprobs } = planned;
  let settled = false;
  const settle = () => {
    settled = true;
    return settleChat(planned, request);
  };
  try {
    const scripted = request.mock?.reply;
    const stream = { ...ctx.scenario.stream, ...scripted?.stream };
    const withUsage = stream.usage_chunk === 'always' || chat.includeUsage;
    const frames = await runInSlices(chatCompletionChunksSteps(plan, meta, { withUsage, chunkTokens: stream.chunk_tokens }, logprobs));
    const usageJson = (settlement: Settlement) => JSON.stringify(addCostToUsageChunk(usageChunk(plan, meta), cost, settlement));
    let events: SseEvent[];
    if (payer.mode === 'xcashu') {
      // X-Cashu answers are buffered by real nodes: settled first, change in the headers, then replayed at once.
      const settlement = settle();
      setCostHeaders(reply, cost, settlement);
      events = frames.map((f) => ({ data: f.json, at: 0 }));
      if (withUsage) events.push({ data: usageJson(settlement), at: 0 });
    } else {
      const seed = plan.seed ?? chatRequestSeed({ request: chat, modelId: model.id, scenarioSeed: ctx.scenario.seed, tokenizer: logprobs.tokenizer });
      const times = frameSchedule(frames, stream, seed);
      const last = times[times.length - 1] ?? 0;
      events = frames.map((f, i) => ({ data: f.json, at: times[i]! }));
      // The node settles after the upstream finishes, then sends the cost in the held-back usage chunk.
      if (withUsage) events.push({ data: () => usageJson(settle()), at: last, settles: true });
    }
    events.push({ data: '[DONE]', at: events[events.length - 1]?.at ?? 0 });
    const outcome = await writeSse(reply, events, streamFaultOf(request.mock?.fault, true), { clientTimeoutMs: stream.client_timeout_ms });
    if (outcome === 'faulted' && request.journalEntry) request.journalEntry.outcome = 'faulted';
    if (!settled) {
      if (outcome === 'completed') settle();
      else ctx.payments.fail(payer);
    }
    return reply;
  } catch (err) {
    if (settled) throw err;
    throw failedPayment(ctx.payments, payer, err);
  }
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
