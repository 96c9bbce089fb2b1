/**
 * Area "x-cashu": pay-per-request with `X-Cashu: <token>` (routstr-node-api.md §2.3). The node keeps
 * the cost and returns the rest as a change token in the `X-Cashu` response header; the change must
 * pay for a second request. These checks spend the --key token; the run goes on with the change
 * (RunSession), and the runner refunds what is left at the end.
 */
import { type DecodedToken, decodeToken } from '../../payment/cashu.ts';
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import { smallChatBody, smallChatEstimate } from './billing.ts';
import { type Sent, describeResult, reportedCostMsats, fail, jsonBody, pass, send } from './util.ts';

function skip(ctx: CheckContext): string | undefined {
  if (!ctx.key?.startsWith('cashu')) return 'needs a Cashu token as --key (the key given is not one)';
  if (!ctx.session.bearer) return `no token left: ${ctx.session.spentBy}`;
  if (!ctx.model) return 'the node lists no chat model to pay a small request with';
  return undefined;
}

function tryDecode(token: string): DecodedToken | undefined {
  try {
    return decodeToken(token);
  } catch {
    return undefined;
  }
}

/** Pays one small chat with `token`; checks 200 and a decodable change token different from the input. */
async function payWith(ctx: CheckContext, token: string): Promise<{ outcome: CheckOutcome; change?: string; sent: Sent }> {
  const sent = await send(ctx, '/v1/chat/completions', { body: smallChatBody(ctx.model!), headers: { 'x-cashu': token } });
  const input = tryDecode(token);
  const estimate = smallChatEstimate(ctx);
  const expected = 'HTTP 200 and an X-Cashu response header with a decodable change token different from the one sent';
  const parsed = jsonBody(sent, expected);
  if ('outcome' in parsed) return { outcome: { ...parsed.outcome, spentMsats: input?.amountMsats ?? estimate }, sent };
  if (!sent.res.ok || sent.res.status !== 200) {
    // A node that redeemed the token and then failed hands the value back as a refund token in X-Cashu
    // (an unspent token it refused is echoed as is): the run must go on with the refund, not the spent token.
    const echoed = sent.res.ok ? sent.res.headers.get('x-cashu')?.trim() : undefined;
    const refund = echoed && echoed !== token ? tryDecode(echoed) : undefined;
    const spentMsats = refund && input ? Math.max(0, input.amountMsats - refund.amountMsats) : 0;
    const actual = `${describeResult(sent.res)}${refund ? ` (refund token of ${refund.amountMsats} msats in X-Cashu)` : ''}`;
    return { outcome: fail(expected, actual, { curl: sent.curl, spentMsats }), ...(refund ? { change: echoed } : {}), sent };
  }
  const header = sent.res.headers.get('x-cashu');
  const reported = reportedCostMsats(parsed.body, sent.res.headers);
  if (!header)
    return {
      outcome: fail(expected, 'HTTP 200 without an X-Cashu header: the whole token was kept', { curl: sent.curl, spentMsats: input?.amountMsats ?? estimate }),
      sent,
    };
  const change = tryDecode(header.trim());
  if (!change)
    return {
      outcome: fail(expected, 'an X-Cashu header that does not decode as a cashuA/cashuB token', {
        curl: sent.curl,
        spentMsats: input?.amountMsats ?? estimate,
      }),
      sent,
    };
  if (header.trim() === token) return { outcome: fail(expected, 'the X-Cashu header echoes the token sent', { curl: sent.curl, spentMsats: 0 }), sent };
  const kept = input ? input.amountMsats - change.amountMsats : (reported ?? estimate);
  const extra = { curl: sent.curl, spentMsats: Math.max(0, kept) };
  const amounts = input
    ? `${input.amountMsats} msats in, ${change.amountMsats} msats back (${kept} kept${reported !== undefined ? `, reported cost ${reported}` : ''})`
    : `${change.amountMsats} msats back`;
  if (input && change.amountMsats >= input.amountMsats) return { outcome: fail(expected, `change worth at least the token sent: ${amounts}`, extra), sent };
  return { outcome: pass(expected, `change token from ${change.mint}: ${amounts}`, extra), change: header.trim(), sent };
}

/**
 * Moves the run's credential on after a payment: to the change when there is some, to nothing when
 * the token was kept whole, unchanged when the node refused it without spending it.
 */
function follow(ctx: CheckContext, paid: { outcome: CheckOutcome; change?: string }): void {
  if (paid.change) {
    ctx.session.bearer = paid.change;
  } else if ((paid.outcome.spentMsats ?? 0) > 0) {
    delete ctx.session.bearer;
    ctx.session.spentBy = `${ctx.checkId} spent the token and returned no usable change`;
  }
}

export const xcashuChecks: Check[] = [
  {
    id: 'x-cashu.change',
    area: 'x-cashu',
    severity: 'fail',
    title: 'X-Cashu pays a small chat and returns change (spends the --key token)',
    paid: true,
    routstrOnly: true,
    // It replaces the run's credential with its change: nothing may pay with the old one meanwhile.
    runsAlone: true,
    estimateMsats: smallChatEstimate,
    skipWhen: skip,
    async run(ctx) {
      const paid = await payWith(ctx, ctx.session.bearer!);
      follow(ctx, paid);
      return paid.outcome;
    },
  },
  {
    id: 'x-cashu.change-spendable',
    area: 'x-cashu',
    severity: 'fail',
    title: 'The X-Cashu change pays a second request (spends the change)',
    paid: true,
    routstrOnly: true,
    // It replaces the run's credential with its change: nothing may pay with the old one meanwhile.
    runsAlone: true,
    estimateMsats: smallChatEstimate,
    skipWhen: skip,
    async run(ctx) {
      const change = ctx.session.bearer !== ctx.key ? ctx.session.bearer : undefined;
      if (!change) return { status: 'skip', reason: 'x-cashu.change produced no change token to spend (see that check)' };
      const paid = await payWith(ctx, change);
      follow(ctx, paid);
      const { outcome, sent } = paid;
      const expected = 'the change token to pay a second small chat (HTTP 200)';
      const spentMsats = outcome.spentMsats;
      const extra = { curl: sent.curl, ...(spentMsats !== undefined ? { spentMsats } : {}) };
      if (!sent.res.ok || sent.res.status !== 200) return fail(expected, describeResult(sent.res), extra);
      // The second request was paid; whether it returned change of its own is reported, not judged here.
      return pass(expected, `HTTP 200; ${outcome.status === 'pass' ? outcome.actual : `no usable change this time (${outcome.actual})`}`, extra);
    },
  },
];
