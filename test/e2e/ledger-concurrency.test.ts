import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToken, mintToken } from '../../src/payment/cashu.ts';
import type { MockNode } from '../../src/index.ts';
import { type Json, type JsonReply as Reply, type TestNode, callNode, sseData, startTestNode } from '../helpers/node.ts';
import { expectedReservation } from '../helpers/reservation.ts';

/**
 * The ledger under pressure: hundreds of concurrent requests against a real listening node, and
 * afterwards every msat accounted for. No timing is asserted (the machine may be slow); only
 * outcomes and the books.
 */

const call = callNode;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const keyFor = (token: string) => `sk-${createHash('sha256').update(token, 'utf8').digest('hex')}`;
const mintOf = (node: MockNode) => node.scenario().node.mints[0]!;
const satToken = (node: MockNode, sats: number) => mintToken({ amount: sats, unit: 'sat', mint: mintOf(node) });
const msatToken = (node: MockNode, msats: number) => mintToken({ amount: msats, unit: 'msat', mint: mintOf(node) });
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function info(node: MockNode, key: string): Promise<Json> {
  const r = await call(node, '/v1/balance/info', { headers: bearer(key) });
  expect(r.status).toBe(200);
  return r.body;
}

/** The cost a chat reply reports: `usage.cost.total_msats` of the body, or of the final SSE chunk. */
function reportedCost(r: Reply): number {
  if (r.body.usage) return r.body.usage.cost.total_msats as number;
  const data = sseData(r.text);
  expect(data.at(-1)).toBe('[DONE]');
  const last = JSON.parse(data.at(-2)!) as Json;
  expect(last.choices).toEqual([]);
  return last.usage.cost.total_msats as number;
}

/** initial + credited − charged − refunded = Σ balances, nothing reserved, no reservation open. */
function expectBooksBalanced(node: MockNode) {
  const t = node.ledgerTotals();
  expect(t.initial + t.credited - t.charged - t.refunded).toBe(t.balances);
  expect(t.reserved).toBe(0);
  expect(t.openReservations).toBe(0);
  return t;
}

/** Waits for requests the server is still winding down (aborted streams) to release their holds. */
async function settled(node: MockNode): Promise<void> {
  for (let i = 0; i < 200 && node.ledgerTotals().openReservations > 0; i++) await new Promise((r) => setTimeout(r, 25));
}

/** The reservation of a chat request whose prompt is `content` (estimated at chars // 3). */
function reservation(node: MockNode, modelId: string, content: string, maxTokens: number): number {
  return expectedReservation(node, modelId, Math.floor(content.length / 3), maxTokens);
}

// A long prompt: its chars // 3 estimate exceeds its real token count, so a reply never costs more
// than the reservation and balances cannot be pushed below zero by an overrun.
const ESSAY = `Write a long essay about rivers: ${'how they carve valleys, feed deltas, carry sediment and shape the towns along their banks; '.repeat(3)}`;
const MAX_TOKENS = 40;

describe('one key, more requests than it can pay for', () => {
  let t: TestNode;
  beforeAll(async () => {
    // Paced streams keep their reservations held while other requests arrive.
    t = await startTestNode({ stream: { ttft_ms: 30, tokens_per_second: 400, chunk_tokens: 4, usage_chunk: 'always' } });
  });
  afterAll(() => t.close());

  it('240 concurrent chats: successes + 402s = total, no negative balance, balance = initial − Σ charged, nothing left reserved', async () => {
    const node = t.node;
    const R = reservation(node, 'gpt-4o-mini', ESSAY, MAX_TOKENS);
    const N = 240;
    // Enough for about half of them at their reservation.
    const initial = R * (N / 2);
    const funded = await call(node, '/v1/balance/create', { body: { initial_balance_token: msatToken(node, initial) } });
    expect(funded.status).toBe(200);
    const key = funded.body.api_key as string;
    expect(funded.body.balance).toBe(initial);
    const totalsBefore = node.ledgerTotals();

    let running = true;
    const samples: Json[] = [];
    const sampler = (async () => {
      while (running) {
        samples.push(await info(node, key));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const replies = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        call(node, '/v1/chat/completions', {
          body: { model: 'gpt-4o-mini', max_tokens: MAX_TOKENS, stream: i % 2 === 0, messages: [{ role: 'user', content: ESSAY }] },
          headers: bearer(key),
        }),
      ),
    );
    running = false;
    await sampler;

    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 402);
    expect(ok.length + refused.length).toBe(N);
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_balance' });

    const costs = ok.map(reportedCost);
    for (const c of costs) {
      expect(c).toBeGreaterThan(0);
      expect(c).toBeLessThanOrEqual(R);
    }
    // Each reply's remaining balance (non-streamed body or final chunk) is never below zero.
    for (const r of ok) {
      const remaining = r.body.usage ? r.body.usage.remaining_balance_msats : (JSON.parse(sseData(r.text).at(-2)!) as Json).usage.remaining_balance_msats;
      expect(remaining).toBeGreaterThanOrEqual(0);
    }
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) {
      expect(s.balance).toBeGreaterThanOrEqual(0);
      expect(s.reserved).toBeGreaterThanOrEqual(0);
      expect(s.balance + s.reserved).toBeLessThanOrEqual(initial);
    }

    const after = await info(node, key);
    expect(after.balance).toBe(initial - sum(costs));
    expect(after.reserved).toBe(0);
    expect(after.total_spent).toBe(sum(costs));
    expect(after.total_requests).toBe(ok.length);
    const totals = expectBooksBalanced(node);
    expect(totals.charged - totalsBefore.charged).toBe(sum(costs));
    expect(totals.credited).toBe(totalsBefore.credited);
  });
});

describe('one Cashu token, many concurrent redemptions', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode();
  });
  afterAll(() => t.close());

  it('50 concurrent `Bearer cashu…` requests (and 10 creates) open one account, credited once', async () => {
    const node = t.node;
    const token = satToken(node, 2000);
    const key = keyFor(token);
    const before = node.ledgerTotals();
    const [chats, creates] = await Promise.all([
      Promise.all(
        Array.from({ length: 50 }, () =>
          call(node, '/v1/chat/completions', { body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }] }, headers: bearer(token) }),
        ),
      ),
      Promise.all(Array.from({ length: 10 }, () => call(node, '/v1/balance/create', { body: { initial_balance_token: token } }))),
    ]);
    expect(chats.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(creates.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const r of creates) expect(r.body.api_key).toBe(key);

    const spent = sum(chats.map(reportedCost));
    const totals = expectBooksBalanced(node);
    expect(totals.credited - before.credited).toBe(2_000_000);
    expect(await info(node, key)).toMatchObject({ api_key: key, balance: 2_000_000 - spent, reserved: 0, total_requests: 50, total_spent: spent });
    const history = await call(node, '/v1/balance/history', { headers: bearer(key) });
    expect((history.body.transactions as Json[]).filter((x) => x.type === 'in').map((x) => x.amount)).toEqual([2_000_000]);
  });

  it('20 concurrent X-Cashu requests with one token: exactly one is served, 19 get 400 cashu_token_already_spent', async () => {
    const node = t.node;
    const token = satToken(node, 100);
    const before = node.ledgerTotals();
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(node, '/v1/chat/completions', {
          body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }] },
          headers: { 'x-cashu': token },
        }),
      ),
    );
    const ok = replies.filter((r) => r.status === 200);
    const spent = replies.filter((r) => r.status === 400);
    expect(ok).toHaveLength(1);
    expect(spent).toHaveLength(19);
    for (const r of spent) {
      expect(r.body.error).toMatchObject({ message: 'Cashu token already spent', type: 'token_already_spent', code: 'cashu_token_already_spent' });
      expect(r.headers.get('x-cashu')).toBeNull();
    }
    const cost = reportedCost(ok[0]!);
    const change = ok[0]!.headers.get('x-cashu')!;
    expect(decodeToken(change).amountMsats).toBe((100 - Math.ceil(cost / 1000)) * 1000);
    const totals = expectBooksBalanced(node);
    expect(totals.credited - before.credited).toBe(100_000);
    expect(totals.charged - before.charged).toBe(Math.ceil(cost / 1000) * 1000);
    expect(totals.refunded - before.refunded).toBe(decodeToken(change).amountMsats);
  });
});

describe('everything at once', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({
      stream: { ttft_ms: 20, tokens_per_second: 50, chunk_tokens: 1, usage_chunk: 'always' },
      keys: [
        { key: 'sk-a', balance_msats: 50_000_000 },
        { key: 'sk-b', balance_msats: 50_000_000 },
        { key: 'sk-c', balance_msats: 1_000_000 },
      ],
    });
  });
  afterAll(() => t.close());

  /** Reads a stream until its first data chunk, then aborts it. */
  async function abortedStream(node: MockNode, key: string): Promise<'aborted'> {
    const controller = new AbortController();
    const res = await fetch(`${node.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(key) },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, max_tokens: 200, messages: [{ role: 'user', content: ESSAY }] }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: \{/);
    controller.abort();
    await reader.read().catch(() => undefined);
    return 'aborted';
  }

  it('successes, failures, aborted streams, X-Cashu, top-ups and refunds together leave the books exact', async () => {
    const node = t.node;
    const chatBody = (extra: Json = {}) => ({
      model: 'gpt-4o-mini',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'Tell me something about the sea' }],
      ...extra,
    });
    const chatWith = (headers: Record<string, string>, extra: Json = {}) => call(node, '/v1/chat/completions', { body: chatBody(extra), headers });

    // Accounts to refund during the storm, made beforehand.
    const refundTokens = Array.from({ length: 10 }, () => satToken(node, 300));
    for (const token of refundTokens) expect((await call(node, '/v1/balance/create', { body: { initial_balance_token: token } })).status).toBe(200);
    const before = expectBooksBalanced(node);

    const topupTokens = Array.from({ length: 15 }, (_, i) => satToken(node, 50 + i));
    const bearerCashuTokens = Array.from({ length: 10 }, () => satToken(node, 500));
    const xcashuTokens = Array.from({ length: 20 }, () => satToken(node, 100));
    const xcashuFailTokens = Array.from({ length: 5 }, () => satToken(node, 100));
    const xcashuSmallTokens = Array.from({ length: 5 }, () => satToken(node, 1));

    const tasks = {
      successes: Array.from({ length: 40 }, (_, i) => chatWith(bearer(i % 2 ? 'sk-a' : 'sk-b'))),
      streams: Array.from({ length: 10 }, () => chatWith(bearer('sk-b'), { stream: true, max_tokens: 5 })),
      invalid: Array.from({ length: 20 }, (_, i) => chatWith(bearer(i % 2 ? 'sk-a' : 'sk-b'), { temperature: 5 })),
      wrongKind: Array.from({ length: 10 }, () => chatWith(bearer('sk-a'), { model: 'text-embedding-3-small' })),
      aborted: Array.from({ length: 20 }, (_, i) => abortedStream(node, i % 2 ? 'sk-a' : 'sk-b')),
      bearerCashu: bearerCashuTokens.map((token) => chatWith(bearer(token))),
      xcashu: xcashuTokens.map((token, i) => chatWith({ 'x-cashu': token }, i % 4 === 0 ? { stream: true, max_tokens: 3 } : {})),
      xcashuFail: xcashuFailTokens.map((token) => chatWith({ 'x-cashu': token }, { temperature: 5 })),
      // Without max_tokens the reservation is ~10 sats: a 1-sat token is refused before redemption.
      xcashuSmall: xcashuSmallTokens.map((token) => chatWith({ 'x-cashu': token }, { max_tokens: undefined })),
      topups: topupTokens.map((token, i) => call(node, '/v1/balance/topup', { body: { cashu_token: token }, headers: bearer(i % 3 ? 'sk-b' : 'sk-a') })),
      refunds: refundTokens.map((token) => call(node, '/v1/balance/refund', { method: 'POST', headers: bearer(keyFor(token)) })),
      // A key spending and refunding at once: either may win, the books must not care.
      busy: Array.from({ length: 5 }, () => chatWith(bearer('sk-c'), { stream: true, max_tokens: 5 })),
      busyRefund: [call(node, '/v1/balance/refund', { method: 'POST', headers: bearer('sk-c') })],
    };
    const [successes, streams, invalid, wrongKind, aborted, bearerCashu, xcashu, xcashuFail, xcashuSmall, topups, refunds, busy, busyRefund] =
      (await Promise.all(Object.values(tasks).map((list) => Promise.all(list as Promise<Reply | 'aborted'>[])))) as [
        Reply[],
        Reply[],
        Reply[],
        Reply[],
        'aborted'[],
        Reply[],
        Reply[],
        Reply[],
        Reply[],
        Reply[],
        Reply[],
        Reply[],
        Reply[],
      ];
    await settled(node);

    expect(successes.map((r) => r.status)).toEqual(Array(40).fill(200));
    expect(streams.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(invalid.map((r) => r.status)).toEqual(Array(20).fill(400));
    expect(wrongKind.map((r) => r.status)).toEqual(Array(10).fill(400));
    expect(aborted).toHaveLength(20);
    expect(bearerCashu.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(xcashu.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(xcashuFail.map((r) => r.status)).toEqual(Array(5).fill(400));
    expect(xcashuSmall.map((r) => r.status)).toEqual(Array(5).fill(402));
    expect(topups.map((r) => r.status)).toEqual(Array(15).fill(200));
    expect(refunds.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const r of busy) expect([200, 402]).toContain(r.status);
    const busyRefunded = busyRefund[0]!.status === 200;
    if (!busyRefunded) expect(busyRefund[0]!.body).toMatchObject({ detail: 'Cannot refund key. There are ongoing requests for this api key.' });

    const totals = expectBooksBalanced(node);

    // Money in: top-ups, Bearer-cashu accounts and every redeemed X-Cashu token (not the 402 ones).
    const msatsOf = (token: string) => decodeToken(token).amountMsats;
    expect(totals.credited - before.credited).toBe(sum([...topupTokens, ...bearerCashuTokens, ...xcashuTokens, ...xcashuFailTokens].map(msatsOf)));
    expect(topups.map((r) => r.body.msats)).toEqual(topupTokens.map(msatsOf));

    // Money out: refunds of whole accounts, X-Cashu change and X-Cashu failure refunds.
    const xcashuCosts = xcashu.map(reportedCost);
    const change = xcashu.map((r) => msatsOf(r.headers.get('x-cashu')!));
    xcashu.forEach((r, i) => expect(change[i]).toBe(100_000 - Math.ceil(xcashuCosts[i]! / 1000) * 1000));
    const failRefunds = xcashuFail.map((r) => {
      expect(r.headers.get('x-cashu')).toBe(r.body.error.refund_token);
      return msatsOf(r.body.error.refund_token);
    });
    expect(failRefunds).toEqual(Array(5).fill(100_000));
    for (const r of refunds) expect(r.body.sats).toBe('300');
    const busyOut = busyRefunded ? Number(busyRefund[0]!.body.sats) * 1000 : 0;
    const refundedOut = 10 * 300_000 + sum(change) + sum(failRefunds);
    // A refund of a key with a sub-sat remainder pays whole sats and zeroes the key (as real nodes do).
    expect(totals.refunded - before.refunded).toBeGreaterThanOrEqual(refundedOut + busyOut);
    expect(totals.refunded - before.refunded).toBeLessThan(refundedOut + busyOut + 1000);

    // Money charged: exactly what the successful replies reported (X-Cashu in whole sats); aborted streams cost nothing.
    const bearerCosts = [...successes, ...streams, ...bearerCashu, ...busy.filter((r) => r.status === 200)].map(reportedCost);
    expect(totals.charged - before.charged).toBe(sum(bearerCosts) + sum(xcashuCosts.map((c) => Math.ceil(c / 1000) * 1000)));

    // Per account.
    for (const token of refundTokens) expect(await info(node, keyFor(token))).toMatchObject({ balance: 0, reserved: 0 });
    for (const token of bearerCashuTokens) {
      const account = await info(node, keyFor(token));
      expect(account.reserved).toBe(0);
      expect(account.balance).toBe(500_000 - account.total_spent);
    }
    for (const key of ['sk-a', 'sk-b', 'sk-c']) {
      const account = await info(node, key);
      expect(account.reserved).toBe(0);
      expect(account.balance).toBeGreaterThanOrEqual(0);
    }
  });
});
