import type { ModelSpec, ModelKind } from '../scenario/types.ts';

/**
 * Model pricing as real Routstr nodes publish it in /v1/models: `sats_pricing` in sats per token
 * (max_* in sats) and `pricing` in USD per token (max_* in USD), derived from the scenario's
 * sats_per_million_tokens, context_length and max_completion_tokens (routstr-core
 * `_calculate_usd_max_costs` and `_update_model_sats_pricing`).
 */

/** MIN_REQUEST_MSAT default: the floor for `sats_pricing.request` and `max_cost`. */
export const MIN_REQUEST_MSAT = 1;

export interface PriceSheet {
  prompt: number;
  completion: number;
  request: number;
  image: number;
  web_search: number;
  internal_reasoning: number;
  input_cache_read: number;
  input_cache_write: number;
  max_prompt_cost: number;
  max_completion_cost: number;
  max_cost: number;
}

const sheets = new WeakMap<ModelSpec, PriceSheet>();

/** Sats per token, and the max costs in sats. Worked out once per model (it is on every paid request). */
export function satsPricing(model: ModelSpec): PriceSheet {
  let sheet = sheets.get(model);
  if (!sheet) {
    sheet = computeSatsPricing(model);
    sheets.set(model, sheet);
  }
  return sheet;
}

function computeSatsPricing(model: ModelSpec): PriceSheet {
  const prompt = model.sats_per_million_tokens.prompt / 1e6;
  const completion = model.sats_per_million_tokens.completion / 1e6;
  const cl = model.context_length;
  const mct = model.max_completion_tokens;
  const [maxPrompt, maxCompletion, maxCost] =
    cl > mct ? [cl * prompt, mct * completion, (cl - mct) * prompt + mct * completion] : [cl * prompt, cl * completion, cl * Math.max(prompt, completion)];
  const floor = MIN_REQUEST_MSAT / 1000;
  return {
    prompt,
    completion,
    request: floor,
    image: 0,
    web_search: 0,
    internal_reasoning: 0,
    input_cache_read: prompt,
    input_cache_write: prompt,
    max_prompt_cost: maxPrompt,
    max_completion_cost: maxCompletion,
    max_cost: Math.max(maxCost, floor),
  };
}

/** USD per token (max_* in USD) at the scenario's fixed BTC/USD rate. */
export function usdPricing(model: ModelSpec, btcUsd: number): PriceSheet {
  const usdPerSat = btcUsd / 1e8;
  const sats = satsPricing(model);
  const usd = {} as PriceSheet;
  for (const [k, v] of Object.entries(sats) as [keyof PriceSheet, number][]) usd[k] = v * usdPerSat;
  usd.request = 0;
  return usd;
}

const MODALITIES: Record<ModelKind, { input: string[]; output: string[] }> = {
  chat: { input: ['text', 'image'], output: ['text'] },
  embedding: { input: ['text'], output: ['embeddings'] },
  image: { input: ['text'], output: ['image'] },
  transcription: { input: ['audio'], output: ['text'] },
  speech: { input: ['text'], output: ['audio'] },
};

/**
 * One entry of GET /v1/models: the Routstr `Model.dict()` fields plus the OpenAI-required
 * `object` and `owned_by`, so both Routstr clients and `client.models.list()` are satisfied.
 */
export function modelListing(model: ModelSpec, btcUsd: number): Record<string, unknown> {
  const modalities = MODALITIES[model.kind];
  return {
    id: model.id,
    object: 'model',
    owned_by: model.owned_by,
    name: model.name,
    created: model.created,
    description: model.description,
    context_length: model.context_length,
    architecture: {
      modality: `${modalities.input.join('+')}->${modalities.output.join('+')}`,
      input_modalities: modalities.input,
      output_modalities: modalities.output,
      tokenizer: 'GPT',
      instruct_type: null,
    },
    pricing: usdPricing(model, btcUsd),
    sats_pricing: satsPricing(model),
    per_request_limits: null,
    top_provider: { context_length: model.context_length, max_completion_tokens: model.max_completion_tokens, is_moderated: false },
    enabled: true,
    upstream_provider_id: 1,
    canonical_slug: model.id.includes('/') ? model.id : `${model.owned_by}/${model.id}`,
    alias_ids: model.aliases.length > 0 ? model.aliases : null,
    forwarded_model_id: null,
  };
}
