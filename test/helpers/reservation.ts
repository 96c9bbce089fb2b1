import type { MockNode } from '../../src/index.ts';

/**
 * The reservation of routstr-node-api.md §4.1 for a chat request, in exact integers (prices are
 * whole sats per million tokens): max cost less 1 %, less the discounts for a prompt estimated at
 * `estimate` tokens and for `maxTokens`. An oracle written apart from src/payment/billing.ts.
 */
export function expectedReservation(node: MockNode, modelId: string, estimate: number, maxTokens: number): number {
  const m = node.scenario().models.find((x) => x.id === modelId)!;
  const P = m.sats_per_million_tokens.prompt;
  const C = m.sats_per_million_tokens.completion;
  const promptLimit = m.context_length - m.max_completion_tokens;
  let r = Math.floor(((promptLimit * P + m.max_completion_tokens * C) * 99) / 100_000);
  const promptDelta = promptLimit * P * 99 - estimate * P * 100;
  if (promptDelta > 0) r -= Math.floor(promptDelta / 100_000);
  const completionDelta = m.max_completion_tokens * C * 99 - maxTokens * C * 100;
  if (completionDelta > 0) r -= Math.floor(completionDelta / 100_000);
  return Math.max(1, r);
}
