import { type CostData, usageCostObject } from '../payment/billing.ts';
import type { Settlement } from '../payment/payments.ts';
import { jsonNumber as num } from './json-text.ts';

/**
 * Cost metadata as real nodes add it to paid responses (routstr-node-api.md §4.3): `usage.cost`
 * (an object), `usage.cost_sats`, `usage.remaining_balance_msats`, and for Bearer payments the
 * full cost under `metadata.routstr` and top-level `cost`. X-Cashu responses carry only the usage
 * fields (no balance: there is no account).
 */

type Body = Record<string, unknown> & { usage?: Record<string, unknown> };

/** Written out field by field: spreading CostData showed up in the throughput profile. */
function fullCost(cost: CostData, remaining: number) {
  return {
    base_msats: cost.base_msats,
    input_msats: cost.input_msats,
    output_msats: cost.output_msats,
    total_msats: cost.total_msats,
    total_usd: cost.total_usd,
    input_tokens: cost.input_tokens,
    output_tokens: cost.output_tokens,
    cache_read_input_tokens: cost.cache_read_input_tokens,
    cache_creation_input_tokens: cost.cache_creation_input_tokens,
    cache_read_msats: cost.cache_read_msats,
    cache_creation_msats: cost.cache_creation_msats,
    sats_cost: Math.floor(cost.total_msats / 1000),
    remaining_balance_msats: remaining,
  };
}

/** The `usage` fields every paid response carries, Bearer or X-Cashu, streamed or not. */
function addUsageCost(target: Body, cost: CostData, settlement: Settlement): void {
  if (!target.usage) return;
  target.usage.cost = usageCostObject(cost);
  target.usage.cost_sats = Math.floor(cost.total_msats / 1000);
  if (settlement.remainingBalance !== undefined) target.usage.remaining_balance_msats = settlement.remainingBalance;
}

/** Non-streaming Bearer and X-Cashu responses. */
export function addCostToBody(body: Body, cost: CostData, settlement: Settlement): Body {
  addUsageCost(body, cost, settlement);
  if (settlement.remainingBalance === undefined) return body;
  const full = fullCost(cost, settlement.remainingBalance);
  body.metadata = { ...((body.metadata as object | undefined) ?? {}), routstr: { cost: full } };
  body.cost = fullCost(cost, settlement.remainingBalance);
  return body;
}

/** The final `choices: []` chunk of a streamed Bearer chat, with everything a Routstr client reads. */
export function addCostToUsageChunk(chunk: Body, cost: CostData, settlement: Settlement): Body {
  addUsageCost(chunk, cost, settlement);
  if (settlement.remainingBalance === undefined) return chunk;
  const sats = Math.floor(cost.total_msats / 1000);
  chunk.cost = fullCost(cost, settlement.remainingBalance);
  chunk.metadata = { routstr: { cost: { ...cost }, sats_cost: sats, remaining_balance_msats: settlement.remainingBalance } };
  return chunk;
}

function fullCostJson(cost: CostData, remaining: number): string {
  return `{"base_msats":${num(cost.base_msats)},"input_msats":${num(cost.input_msats)},"output_msats":${num(cost.output_msats)},"total_msats":${num(cost.total_msats)},"total_usd":${num(cost.total_usd)},"input_tokens":${num(cost.input_tokens)},"output_tokens":${num(cost.output_tokens)},"cache_read_input_tokens":${num(cost.cache_read_input_tokens)},"cache_creation_input_tokens":${num(cost.cache_creation_input_tokens)},"cache_read_msats":${num(cost.cache_read_msats)},"cache_creation_msats":${num(cost.cache_creation_msats)},"sats_cost":${num(Math.floor(cost.total_msats / 1000))},"remaining_balance_msats":${num(remaining)}}`;
}

function usageCostJson(cost: CostData): string {
  const usd = cost.total_usd ? `,"total_usd":${num(cost.total_usd)}` : '';
  return `{"base_msats":${num(cost.base_msats)},"input_msats":${num(cost.input_msats)},"output_msats":${num(cost.output_msats)},"total_msats":${num(cost.total_msats)},"cache_read_input_tokens":${num(cost.cache_read_input_tokens)},"cache_creation_input_tokens":${num(cost.cache_creation_input_tokens)},"cache_read_msats":${num(cost.cache_read_msats)},"cache_creation_msats":${num(cost.cache_creation_msats)}${usd}}`;
}

/**
 * What addCostToBody adds to a body that has `usage` and no `metadata` or `cost`, as JSON text for
 * writers that serialise a response by hand: `usage` is the fields to append inside `usage`
 * (starting with a comma), `body` the fields to append to the body itself ('' for X-Cashu).
 */
export function paidCostJson(cost: CostData, settlement: Settlement): { usage: string; body: string } {
  const remaining = settlement.remainingBalance;
  const balance = remaining === undefined ? '' : `,"remaining_balance_msats":${num(remaining)}`;
  const usage = `,"cost":${usageCostJson(cost)},"cost_sats":${num(Math.floor(cost.total_msats / 1000))}${balance}`;
  if (remaining === undefined) return { usage, body: '' };
  const full = fullCostJson(cost, remaining);
  return { usage, body: `,"metadata":{"routstr":{"cost":${full}}},"cost":${full}` };
}
