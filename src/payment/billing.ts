import type { ModelSpec } from '../scenario/types.ts';
import { MIN_REQUEST_MSAT, satsPricing } from './pricing.ts';

/**
 * What a request reserves before the work and what it costs after, exactly as routstr-core
 * 0.4.5 computes them (`get_max_cost_for_model`, `calculate_discounted_max_cost`,
 * `_calculate_from_tokens`), with its default TOLERANCE_PERCENTAGE of 1.
 */

const TOLERANCE_FACTOR = 0.99;

/**
 * Prompt-size estimate for the discount: characters // 3, as real nodes do, but of every part the
 * model bills as prompt (routstr-core's estimate_tokens in routstr/payment/helpers.py counts only
 * the text parts, so a long tool list overruns its reservation): text, names, tool calls and tool
 * definitions.
 */
export function estimatePromptTokens(messages: unknown, tools?: unknown): number {
  let chars = 0;
  if (Array.isArray(messages)) {
    for (const m of messages) {
      if (!m || typeof m !== 'object') continue;
      const { content, name, tool_calls } = m as { content?: unknown; name?: unknown; tool_calls?: unknown };
      if (typeof content === 'string') chars += content.length;
      else if (Array.isArray(content)) {
        for (const part of content) {
          const text = part && typeof part === 'object' ? (part as { text?: unknown }).text : undefined;
          if (typeof text === 'string') chars += text.length;
        }
      }
      if (typeof name === 'string') chars += name.length;
      if (tool_calls !== undefined) chars += jsonLength(tool_calls);
    }
  }
  if (Array.isArray(tools) && tools.length > 0) chars += jsonLength(tools);
  return Math.floor(chars / 3);
}

/** Length of a client's value as JSON; 0 for what has none (the request check refuses those later). */
function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
}

/** Image parts at OpenAI's low-detail rate; real nodes fetch remote images to size them, the mock does not. */
function estimateImageTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  let images = 0;
  for (const m of messages) {
    const content = m && typeof m === 'object' ? (m as { content?: unknown }).content : undefined;
    if (Array.isArray(content)) images += content.filter((p) => p && typeof p === 'object' && (p as { type?: unknown }).type === 'image_url').length;
  }
  return images * 85;
}

/** The model's reservation before any discount: max_cost in msats less the tolerance. */
export function maxCostMsats(model: ModelSpec): number {
  return Math.max(MIN_REQUEST_MSAT, Math.trunc(satsPricing(model).max_cost * 1000 * TOLERANCE_FACTOR));
}

/** The reservation for one request: the max cost, discounted for a small prompt and a small max_tokens. */
export function reservationMsats(model: ModelSpec, body: Record<string, unknown>): number {
  const pricing = satsPricing(model);
  let reserved = maxCostMsats(model);
  const promptLimit = Math.max(0, model.context_length - model.max_completion_tokens);
  const promptAllowance = promptLimit * pricing.prompt * TOLERANCE_FACTOR;
  const completionAllowance = pricing.max_completion_cost * TOLERANCE_FACTOR;
  if (Array.isArray(body.messages) && body.messages.length > 0) {
    const promptTokens = estimatePromptTokens(body.messages, body.tools) + estimateImageTokens(body.messages);
    const delta = promptAllowance - promptTokens * pricing.prompt;
    if (delta > 0) reserved -= Math.floor(delta * 1000);
  }
  const maxTokens = body.max_tokens;
  if (typeof maxTokens === 'number' && Number.isInteger(maxTokens)) {
    // Every one of n choices can be max_tokens long (real nodes count one).
    const n = typeof body.n === 'number' && Number.isInteger(body.n) && body.n > 1 ? body.n : 1;
    const delta = completionAllowance - maxTokens * n * pricing.completion;
    if (delta > 0) reserved -= Math.floor(delta * 1000);
  }
  return Math.max(MIN_REQUEST_MSAT, reserved);
}

/** routstr-core's CostData. */
export interface CostData {
  base_msats: number;
  input_msats: number;
  output_msats: number;
  total_msats: number;
  total_usd: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_msats: number;
  cache_creation_msats: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Cost of a response from its token usage: ceil of the summed per-kind costs, in msats. */
export function costFromUsage(model: ModelSpec, inputTokens: number, outputTokens: number, btcUsd: number): CostData {
  const pricing = satsPricing(model);
  const input = round3((inputTokens / 1000) * pricing.prompt * 1e6);
  const output = round3((outputTokens / 1000) * pricing.completion * 1e6);
  const total = Math.ceil(input + output);
  const outputMsats = Math.trunc(output);
  return {
    base_msats: 0,
    input_msats: total - outputMsats,
    output_msats: outputMsats,
    total_msats: total,
    total_usd: (total / 1000) * (btcUsd / 1e8),
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_msats: 0,
    cache_creation_msats: 0,
  };
}

/** The zero cost of endpoints real nodes pass through without usage (images, audio, legacy completions). */
export function freeCost(): CostData {
  return {
    base_msats: 0,
    input_msats: 0,
    output_msats: 0,
    total_msats: 0,
    total_usd: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_msats: 0,
    cache_creation_msats: 0,
  };
}

/** `usage.cost` as real nodes write it (total_usd only when non-zero). */
export function usageCostObject(cost: CostData): Record<string, number> {
  return {
    base_msats: cost.base_msats,
    input_msats: cost.input_msats,
    output_msats: cost.output_msats,
    total_msats: cost.total_msats,
    cache_read_input_tokens: cost.cache_read_input_tokens,
    cache_creation_input_tokens: cost.cache_creation_input_tokens,
    cache_read_msats: cost.cache_read_msats,
    cache_creation_msats: cost.cache_creation_msats,
    ...(cost.total_usd ? { total_usd: cost.total_usd } : {}),
  };
}

/** The X-Routstr-Cost-* headers (X-Routstr-Cost-Usd only when non-zero). */
export function costHeaders(cost: CostData): Record<string, string> {
  return {
    'x-routstr-cost-msats': String(cost.total_msats),
    'x-routstr-input-cost-msats': String(cost.input_msats),
    'x-routstr-output-cost-msats': String(cost.output_msats),
    ...(cost.total_usd ? { 'x-routstr-cost-usd': pythonFloatString(cost.total_usd) } : {}),
  };
}

/**
 * A float as Python's str() writes it, which real nodes use for header values: the same shortest
 * round-trip digits as JavaScript, but exponent notation below 1e-4 with a two-digit exponent
 * ("3e-05", where String() gives "0.00003") and a ".0" on whole numbers.
 */
export function pythonFloatString(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const text = x.toExponential();
    const e = text.indexOf('e');
    const sign = text[e + 1]!;
    const digits = text.slice(e + 2);
    return `${text.slice(0, e)}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
  }
  const text = String(x);
  return Number.isInteger(x) ? `${text}.0` : text;
}

/** Formats msats as real nodes do in 402 messages: "0.15 sats (150 msats)". */
export function formatMsats(msats: number): string {
  const sats = (msats / 1000).toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
  return `${sats} sats (${msats} msats)`;
}
