import type { FastifyInstance } from 'fastify';
import { embedText, embeddingToBase64 } from '../../generate/embedding.ts';
import { hashSeed } from '../../generate/random.ts';
import { tokenizerFor } from '../../generate/tokens.ts';
import { parseEmbeddingsRequest } from '../../requests/embeddings.ts';
import { checkTokenizedText, decodeTokens } from '../../requests/fields.ts';
import { jsonBody } from '../body.ts';
import { invalidRequest } from '../errors.ts';
import type { RouteOptions } from './chat.ts';
import { authorizeRequest, failedPayment } from '../paid-request.ts';
import { costFromUsage, costHeaders } from '../../payment/billing.ts';
import { addCostToBody } from '../../responses/cost.ts';

/** OpenAI's limit: tokens summed over all inputs of one request. */
const MAX_INPUT_TOKENS = 300_000;

export async function embeddingRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  app.post('/embeddings', async (request, reply) => {
    const ctx = opts.context();
    const body = jsonBody(request);
    const model = ctx.resolveModel(body.model);
    const payer = authorizeRequest(ctx.payments, request, model, body);
    let response: Record<string, unknown> & { usage: Record<string, unknown> };
    let promptTokens = 0;
    try {
      response = embed();
    } catch (err) {
      throw failedPayment(ctx.payments, payer, err);
    }
    const usageOverride = request.mock?.reply?.usage?.prompt_tokens;
    if (usageOverride !== undefined) {
      promptTokens = usageOverride;
      response.usage.prompt_tokens = usageOverride;
      response.usage.total_tokens = usageOverride;
    }
    const cost = costFromUsage(model, promptTokens, 0, ctx.scenario.btc_usd);
    const settlement = ctx.payments.settle(payer, cost);
    request.settledUsage = { prompt_tokens: promptTokens, completion_tokens: 0 };
    if (request.journalEntry) request.journalEntry.cost_msats = settlement.charged;
    reply.headers({ ...costHeaders(cost), ...(settlement.changeToken ? { 'x-cashu': settlement.changeToken } : {}) });
    return addCostToBody(response, cost, settlement);

    function embed() {
      ctx.requireKind(model, ['embedding'], '/v1/embeddings');
      const req = parseEmbeddingsRequest(body, model);
      const tokenizer = tokenizerFor(model.id, model.tokenizer);
      const salt = hashSeed(ctx.scenario.seed, model.id);
      const where = (i: number) => (req.inputs.length === 1 ? 'input' : `input[${i}]`);
      checkTokenizedText(req.inputs.flatMap((input, i) => ('text' in input ? [{ text: input.text, param: where(i) }] : [])));
      const data = req.inputs.map((input, index) => {
        const tokens = 'tokens' in input ? input.tokens.length : tokenizer.count(input.text);
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
        return { object: 'embedding', index, embedding: req.encodingFormat === 'base64' ? embeddingToBase64(vector) : Array.from(vector) };
      });
      return { object: 'list', data, model: model.id, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
    }
  });
}
