/**
 * Area "billing": the balance of an API key drops by exactly the cost the node reports, and paid
 * responses carry the cost metadata Routstr clients read (routstr-node-api.md §1.3, §4.3).
 * Also what the other paid checks share for small chats and for adding up their spend.
 */
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import { type Sent, authHeaders, describeResult, fail, isObject, jsonBody, pass, reportedCostMsats, send, tokenEstimateMsats, warn } from './util.ts';

/** Tokens a tiny prompt is assumed to cost, with room for chat templates. */
const PROMPT_TOKENS_GUESS = 64;
/** The completion length every paid chat check asks for. */
export const SMALL_MAX_TOKENS = 8;

/** Estimate of one tiny chat request (64 tokens in, 8 out) on the check's chat model. */
export function smallChatEstimate(ctx: CheckContext): number {
  return tokenEstimateMsats(ctx, ctx.model, PROMPT_TOKENS_GUESS, SMALL_MAX_TOKENS);
}

export function smallChatBody(model: string): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'Reply with the word ok.' }], max_tokens: SMALL_MAX_TOKENS });
}

/** Adds up what a multi-request check spent: reported costs where present, the per-request estimate where not. */
export class Spend {
  private msats = 0;
  constructor(private readonly perRequestEstimate: number) {}
  add(sent: Sent, body?: unknown): void {
    if (!sent.res.ok) {
      this.msats += this.perRequestEstimate;
      return;
    }
    const reported = reportedCostMsats(body, sent.res.headers);
    this.msats += reported ?? (sent.res.status >= 400 ? 0 : this.perRequestEstimate);
  }
  get total(): number {
    return this.msats;
  }
}

function chatSkip(ctx: CheckContext): string | undefined {
  return ctx.model ? undefined : 'the node lists no chat model to pay a small request with';
}

async function readBalance(ctx: CheckContext): Promise<{ balance: number; reserved: number; sent: Sent } | { outcome: CheckOutcome }> {
  const sent = await send(ctx, '/v1/balance/info', { headers: authHeaders(ctx) });
  const expected = 'HTTP 200 from GET /v1/balance/info with a numeric balance (msats)';
  if (sent.res.ok && (sent.res.status === 404 || sent.res.status === 405)) {
    return {
      outcome: { status: 'skip', reason: `the node has no /v1/balance/info (HTTP ${sent.res.status}): not a Routstr node, or an older one`, curl: sent.curl },
    };
  }
  const parsed = jsonBody(sent, expected);
  if ('outcome' in parsed) return parsed;
  const status = sent.res.ok ? sent.res.status : 0;
  if (status !== 200 || !isObject(parsed.body) || typeof parsed.body.balance !== 'number') {
    return { outcome: fail(expected, describeResult(sent.res), { curl: sent.curl }) };
  }
  return { balance: parsed.body.balance, reserved: typeof parsed.body.reserved === 'number' ? parsed.body.reserved : 0, sent };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const billingChecks: Check[] = [
  {
    id: 'billing.balance-delta',
    area: 'billing',
    severity: 'fail',
    title: 'The balance drops by exactly the cost reported for one small chat',
    paid: true,
    routstrOnly: true,
    // Other paid checks on the same key would move the balance between its two readings.
    runsAlone: true,
    estimateMsats: smallChatEstimate,
    // A Cashu Bearer credential works too: the node redeems it into an account on first use, /v1/balance/info included.
    skipWhen: chatSkip,
    async run(ctx) {
      const before = await readBalance(ctx);
      if ('outcome' in before) return before.outcome;
      const model = ctx.model!;
      const sent = await send(ctx, '/v1/chat/completions', { body: smallChatBody(model), headers: authHeaders(ctx) });
      const parsed = jsonBody(sent, 'HTTP 200 chat completion');
      if ('outcome' in parsed) return { ...parsed.outcome, spentMsats: smallChatEstimate(ctx) };
      const status = sent.res.ok ? sent.res.status : 0;
      if (status !== 200) return fail('HTTP 200 chat completion', describeResult(sent.res), { curl: sent.curl });
      const reported = reportedCostMsats(parsed.body, sent.res.ok ? sent.res.headers : undefined);
      if (reported === undefined) {
        return fail('the response to report its cost (usage.cost.total_msats, cost or X-Routstr-Cost-Msats)', 'no cost in body or headers', {
          curl: sent.curl,
          spentMsats: smallChatEstimate(ctx),
        });
      }
      // Settlement can trail the response on some nodes: read again briefly while a reservation is still held.
      let after = await readBalance(ctx);
      for (let i = 0; i < 5 && !('outcome' in after) && (after.reserved > 0 || before.balance - after.balance !== reported); i++) {
        await sleep(200);
        after = await readBalance(ctx);
      }
      if ('outcome' in after) return { ...after.outcome, spentMsats: reported };
      const delta = before.balance - after.balance;
      const expected = `balance ${before.balance} → ${before.balance - reported} msats (reported cost ${reported} msats)`;
      const actual = `balance ${before.balance} → ${after.balance} msats (a drop of ${delta} msats${after.reserved > 0 ? `, ${after.reserved} still reserved` : ''})`;
      const extra = { curl: sent.curl, spentMsats: Math.max(reported, delta, 0) };
      if (delta !== reported) return fail(expected, `${actual}; another client using the same key at the same time would also explain this`, extra);
      return pass(expected, actual, extra);
    },
  },
  {
    id: 'billing.cost-metadata',
    area: 'billing',
    severity: 'fail',
    title: 'A paid chat response carries usage.cost with total_msats',
    paid: true,
    routstrOnly: true,
    estimateMsats: smallChatEstimate,
    skipWhen: chatSkip,
    async run(ctx) {
      const sent = await send(ctx, '/v1/chat/completions', { body: smallChatBody(ctx.model!), headers: authHeaders(ctx) });
      const expected = 'HTTP 200 with usage.cost = {total_msats: integer, …} (Routstr cost metadata)';
      const parsed = jsonBody(sent, expected);
      if ('outcome' in parsed) return { ...parsed.outcome, spentMsats: smallChatEstimate(ctx) };
      const status = sent.res.ok ? sent.res.status : 0;
      if (status !== 200 || !isObject(parsed.body)) return fail(expected, describeResult(sent.res), { curl: sent.curl });
      const body = parsed.body;
      const spentMsats = reportedCostMsats(body, sent.res.ok ? sent.res.headers : undefined) ?? smallChatEstimate(ctx);
      const extra = { curl: sent.curl, spentMsats };
      const usage = isObject(body.usage) ? body.usage : undefined;
      const usageCost = usage?.cost;
      if (isObject(usageCost) && Number.isInteger(usageCost.total_msats) && (usageCost.total_msats as number) >= 0) {
        const others = [body.cost !== undefined ? 'cost' : '', isObject(body.metadata) && body.metadata.routstr !== undefined ? 'metadata.routstr' : '']
          .filter(Boolean)
          .join(', ');
        return pass(expected, `usage.cost.total_msats ${usageCost.total_msats}${others ? ` (also ${others})` : ''}`, {
          ...extra,
          variant: `cost metadata: usage.cost object${others ? ` + ${others}` : ''}`,
        });
      }
      if (isObject(usageCost)) return fail(expected, `usage.cost without an integer total_msats: ${JSON.stringify(usageCost).slice(0, 160)}`, extra);
      const meta = isObject(body.metadata) && isObject(body.metadata.routstr) ? body.metadata.routstr : undefined;
      const older = [
        isObject(body.cost) ? 'cost' : '',
        meta && isObject(meta.cost) ? 'metadata.routstr.cost' : '',
        typeof usageCost === 'number' ? 'usage.cost (a number)' : '',
        usage && typeof usage.cost_sats === 'number' ? 'usage.cost_sats' : '',
        sent.res.ok && sent.res.headers.get('x-routstr-cost-msats') ? 'X-Routstr-Cost-Msats header' : '',
      ].filter(Boolean);
      if (older.length > 0) return warn(expected, `only older cost fields: ${older.join(', ')}`, { ...extra, variant: `cost metadata: ${older.join(', ')}` });
      return fail(expected, `no cost metadata (usage keys: ${usage ? Object.keys(usage).join(', ') : 'no usage'})`, extra);
    },
  },
];
