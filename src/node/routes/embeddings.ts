import type { FastifyInstance } from 'fastify';
import { type Steps, runInSlices } from '../../generate/cooperative.ts';
import { embedText, embeddingToBase64 } from '../../generate/embedding.ts';
import { hashSeed } from '../../generate/random.ts';
import { tokenizerFor } from '../../generate/tokens.ts';
import { type EmbeddingsRequest, parseEmbeddingsRequest } from '../../requests/embeddings.ts';
import { checkTokenizedText, decodeTokens } from '../../requests/fields.ts';
import { jsonBody } from '../body.ts';
import { invalidRequest } from '../errors.ts';
import { unlessClientLeaves } from '../faults.ts';
import type { RouteOptions } from './chat.ts';
import { authorizeRequest, failedPayment } from '../paid-request.ts';
import { costFromUsage, costHeaders } from '../../payment/billing.ts';
import { addCostToBody } from '../../responses/cost.ts';
import { JsonChunks, arrayFieldJson } from '../../responses/json-text.ts';

/** OpenAI's limit: tokens summed over all inputs of one request. */
const MAX_INPUT_TOKENS = 300_000;

/** The embeddings of a request, already written as the JSON text of the `data` items. */
interface Embedded {
  data: JsonChunks;
  promptTokens: number;
}

export async function embeddingRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  app.post('/embeddings', async (request, reply) => {
    const ctx = opts.context();
    const body = jsonBody(request);
    const model = ctx.resolveModel(body.model);
    const payer = authorizeRequest(ctx.payments, request, model, body);
    // 2048 inputs (300 000 tokens) take seconds to tokenize, embed and write out: the work runs in
    // slices, one input or a few kB of text at a time, other requests going on meanwhile, and may
    // first wait for a free slot. A client that goes away meanwhile stops it (or leaves the queue),
    // is not answered, and is not charged.
    return unlessClientLeaves(request, reply, async (signal) => {
      let embedded: Embedded;
      try {
        // A request the node refuses is refused at once, not after waiting for a slot.
        ctx.requireKind(model, ['embedding'], '/v1/embeddings');
        const req = parseEmbeddingsRequest(body, model);
        // One of the node's embeddings slots (waiting for it first, in turn), held until the answer
        // is written out: the answer's JSON text is the memory the slot bounds.
        const release = await opts.heavyWork.embeddings.acquire(signal);
        if (signal.aborted || reply.raw.destroyed) release();
        else reply.raw.once('close', release);
        signal.throwIfAborted();
        embedded = await runInSlices(embed(req), signal);
      } catch (err) {
        throw failedPayment(ctx.payments, payer, err);
      }
      let promptTokens = embedded.promptTokens;
      const usageOverride = request.mock?.reply?.usage?.prompt_tokens;
      if (usageOverride !== undefined) promptTokens = usageOverride;
      const cost = costFromUsage(model, promptTokens, 0, ctx.scenario.btc_usd);
      const settlement = ctx.payments.settle(payer, cost);
      request.settledUsage = { prompt_tokens: promptTokens, completion_tokens: 0 };
      if (request.journalEntry) request.journalEntry.cost_msats = settlement.charged;
      reply.headers({ ...costHeaders(cost), ...(settlement.changeToken ? { 'x-cashu': settlement.changeToken } : {}) });
      // Exactly JSON.stringify of the response object (`data` written item by item), joined in slices.
      const {
        object,
        data: _,
        ...tail
      } = addCostToBody({ object: 'list', data: [], model: model.id, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }, cost, settlement);
      const { open, close } = arrayFieldJson({ object }, 'data', tail);
      // Settled: the answer goes out whether or not the client is still there to read it.
      const json = await runInSlices(embedded.data.join(open, close));
      return reply.header('content-type', 'application/json; charset=utf-8').send(json);
    });

    function* embed(req: EmbeddingsRequest): Steps<Embedded> {
      const tokenizer = tokenizerFor(model.id, model.tokenizer);
      const salt = hashSeed(ctx.scenario.seed, model.id);
      const where = (i: number) => (req.inputs.length === 1 ? 'input' : `input[${i}]`);
      checkTokenizedText(req.inputs.flatMap((input, i) => ('text' in input ? [{ text: input.text, param: where(i) }] : [])));
      const data = new JsonChunks();
      let promptTokens = 0;
      for (let index = 0; index < req.inputs.length; index++) {
        const input = req.inputs[index]!;
        const tokens = 'tokens' in input ? input.tokens.length : yield* tokenizer.countSteps(input.text);
        if (promptTokens + tokens > MAX_INPUT_TOKENS) {
          throw invalidRequest(
            `Invalid 'input': the inputs hold more than ${MAX_INPUT_TOKENS} tokens; at most ${MAX_INPUT_TOKENS} tokens summed over all inputs are allowed per request.`,
            'input',
            'max_tokens_per_request',
          );
        }
        const text = 'text' in input ? input.text : decodeTokens(tokenizer, input.tokens, where(index));
        if (tokens > model.context_length) {
          throw invalidRequest(
            `This model's maximum context length is ${model.context_length} tokens, however you requested ${tokens} tokens in input ${index}. Please reduce your input.`,
            'input',
            'context_length_exceeded',
          );
        }
        promptTokens += tokens;
        const scripted = request.mock?.reply?.embedding;
        const vector = scripted ? Float32Array.from(scripted.slice(0, req.dimensions)) : embedText(text, req.dimensions, salt);
        const item = { object: 'embedding', index, embedding: req.encodingFormat === 'base64' ? embeddingToBase64(vector) : Array.from(vector) };
        data.push(index === 0 ? JSON.stringify(item) : `,${JSON.stringify(item)}`);
        yield;
      }
      return { data, promptTokens };
    }
  });
}
