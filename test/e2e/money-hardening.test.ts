import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToken, mintToken } from '../../src/payment/cashu.ts';
import type { MockNode } from '../../src/index.ts';
import { type Json, type TestNode, callNode, sseData, startTestNode } from '../helpers/node.ts';
import { expectedReservation } from '../helpers/reservation.ts';

/**
 * Issue 12's money findings, each against a real listening node: an overrun never takes another
 * request's reservation, amounts the ledger cannot hold exactly are refused at every door before
 * anything is spent, a key is not replaced under a running request, and a refused X-Cashu request
 * leaves nothing behind. No timing is asserted: streams are held open by a long time to first token.
 */

const call = callNode;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const CEILING = 2 ** 40;

/**
 * Streams that hold their reservation for 5 s before the first token: the node notices a client
 * that leaves only at its next write, so the holder is let finish rather than aborted.
 */
const HELD = { ttft_ms: 5000, tokens_per_second: 0, chunk_tokens: 1, usage_chunk: 'always' } as const;

/** initial + credited − charged − refunded = Σ balances. */
function expectBooksBalanced(node: MockNode) {
  const t = node.ledgerTotals();
  expect(t.initial + t.credited - t.charged - t.refunded).toBe(t.balances);
  for (const v of Object.values(t)) expect(Number.isSafeInteger(v)).toBe(true);
  return t;
}

async function info(node: MockNode, key: string): Promise<Json> {
  const r = await call(node, '/v1/balance/info', { headers: bearer(key) });
  expect(r.status).toBe(200);
  return r.body;
}

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}

/** A stream opened with `key`, waiting for its first token; `finish` waits for its end and returns what it cost. */
async function heldStream(node: MockNode, key: string, body: Record<string, unknown>) {
  const before = (await info(node, key)).reserved as number;
  const done = fetch(`${node.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, ...body }),
  }).then((r) => r.text());
  done.catch(() => undefined); // a node closed under a failing test must not add an unhandled rejection
  await until(async () => ((await info(node, key)).reserved as number) > before);
  return {
    finish: async (): Promise<number> => {
      const chunks = sseData(await done);
      await until(() => node.ledgerTotals().openReservations === 0);
      return (JSON.parse(chunks.at(-2)!) as Json).usage.cost.total_msats as number;
    },
  };
}

/** routstr-node-api.md §4.1's reservation for gpt-4o-mini, for a prompt estimated at `estimate` tokens and `maxTokens`. */
function reservation(node: MockNode, estimate: number, maxTokens: number): number {
  return expectedReservation(node, 'gpt-4o-mini', estimate, maxTokens);
}

const HOLDER = { messages: [{ role: 'user', content: 'Write a short greeting for a friend who has just moved to a new town.' }], max_tokens: 50 };

describe('a cost above its reservation (issue 12: a balance went negative)', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({ stream: HELD, keys: [] });
  });
  afterAll(() => t?.close());

  it('a 120k-token tool list is counted in the estimate: the request reserves for it, and never spends the reservation of a running stream', async () => {
    const node = t.node;
    const holderReserve = reservation(node, Math.floor(HOLDER.messages[0]!.content.length / 3), HOLDER.max_tokens);
    // The running stream's reservation plus 1000 msats free: far below what 120k prompt tokens cost (~18 000 msats).
    const key = ((await call(node, '/__mock/keys', { body: { balance_msats: holderReserve + 1000 } })).body as Json).key as string;
    const stream = await heldStream(node, key, HOLDER);
    expect(await info(node, key)).toMatchObject({ reserved: holderReserve, balance: 1000 });

    const tools = Array.from({ length: 400 }, (_, i) => ({
      type: 'function',
      function: {
        name: `tool_${i}`,
        description: `Looks up record ${i}. ${'Returns the stored fields of the record, with their history and owners. '.repeat(18)}`,
        parameters: { type: 'object', properties: { id: { type: 'string', description: 'the record id' } } },
      },
    }));
    const r = await call(node, '/v1/chat/completions', {
      headers: bearer(key),
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Which tool?' }], tools, max_tokens: 16 },
    });
    // Before: reserved ~2 msats, then charged ~18 000 taken from the stream's reservation; now a 402.
    expect(r.status).toBe(402);
    expect(r.body.error.code).toBe('insufficient_balance');
    expect(r.body.error.message).toMatch(/; 1 sats \(1000 msats\) available\.$/);
    expect(await info(node, key)).toMatchObject({ reserved: holderReserve, balance: 1000 });
    const holderCost = await stream.finish();
    expect(await info(node, key)).toMatchObject({ reserved: 0, balance: holderReserve + 1000 - holderCost });
    expectBooksBalanced(node);
  });

  it('an overrun the estimate misses is charged up to the reservation plus the free balance, never from another request', async () => {
    const node = t.node;
    // "1 1 1 …" is one token a character, three times its chars // 3 estimate: 12 000 prompt tokens estimated at 4000.
    const content = '1 '.repeat(6000);
    const overrunReserve = reservation(node, Math.floor(content.length / 3), 16);
    const holderReserve = reservation(node, Math.floor(HOLDER.messages[0]!.content.length / 3), HOLDER.max_tokens);
    const free = 50;
    const key = ((await call(node, '/__mock/keys', { body: { balance_msats: holderReserve + overrunReserve + free } })).body as Json).key as string;
    const stream = await heldStream(node, key, HOLDER);

    const r = await call(node, '/v1/chat/completions', {
      headers: bearer(key),
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_tokens: 16 },
    });
    expect(r.status).toBe(200);
    const cost = Math.ceil(r.body.usage.prompt_tokens * 0.15 + r.body.usage.completion_tokens * 0.6);
    expect(cost).toBeGreaterThan(overrunReserve + free + 500); // a real overrun
    // Charged what was free, reported as charged (as routstr-core does); the stream's money untouched.
    expect(r.body.usage.cost.total_msats).toBe(overrunReserve + free);
    expect(r.body.usage.remaining_balance_msats).toBe(holderReserve);
    expect(await info(node, key)).toMatchObject({ reserved: holderReserve, balance: 0 });

    const next = await call(node, '/v1/chat/completions', { headers: bearer(key), body: { model: 'gpt-4o-mini', ...HOLDER } });
    expect(next.status).toBe(402);
    expect(next.body.error.message).toMatch(/; 0 sats \(0 msats\) available\.$/);
    const holderCost = await stream.finish();
    expect(await info(node, key)).toMatchObject({ reserved: 0, balance: holderReserve - holderCost });
    expectBooksBalanced(node);
  });
});

describe('POST /__mock/keys for a key with a request in flight (issue 12: reserved went to -601)', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({ stream: HELD, keys: [{ key: 'sk-busy', balance_msats: 5_000_000 }] });
  });
  afterAll(() => t?.close());

  it('is refused with 409 while the stream runs, and accepted once it has finished', async () => {
    const node = t.node;
    const stream = await heldStream(node, 'sk-busy', HOLDER);
    const refused = await call(node, '/__mock/keys', { body: { key: 'sk-busy', balance_msats: 7 } });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: { message: 'the key has requests in flight; replace it once they have finished', type: 'control_error' } });
    expect((await info(node, 'sk-busy')).reserved).toBeGreaterThan(0);
    const cost = await stream.finish();
    expect(await info(node, 'sk-busy')).toMatchObject({ reserved: 0, balance: 5_000_000 - cost });
    const replaced = await call(node, '/__mock/keys', { body: { key: 'sk-busy', balance_msats: 7 } });
    expect(replaced.status).toBe(200);
    expect(await info(node, 'sk-busy')).toMatchObject({ reserved: 0, balance: 7 });
    const t2 = expectBooksBalanced(node);
    expect(t2.reserved).toBe(0);
  });
});

describe('amounts the ledger cannot hold exactly (issue 12: conservation broke past 2^53, 500s past 2^40)', () => {
  let t: TestNode;
  let mint: string;
  beforeAll(async () => {
    t = await startTestNode({ keys: [{ key: 'sk-test', balance_msats: 100_000_000 }] });
    mint = t.node.scenario().node.mints[0]!;
  });
  afterAll(() => t?.close());

  /** A cashuA token whose proofs are `amounts` (a wallet can write any; the fake mint needs no signature). */
  const forged = (amounts: number[], unit: 'sat' | 'msat') =>
    `cashuA${Buffer.from(
      JSON.stringify({
        token: [
          { mint, proofs: amounts.map((amount, i) => ({ id: '00ad268c4d1f5826', amount, secret: `forged-${Math.random()}-${i}`, C: `02${'ab'.repeat(32)}` })) },
        ],
        unit,
      }),
    ).toString('base64url')}`;

  function expectTooLarge(r: { status: number; body: Json }) {
    expect(r.status).toBe(400);
    const error = (r.body.error ?? r.body.detail?.error) as Json;
    expect(error.code).toBe('cashu_token_amount_too_large');
    expect(error.message).toMatch(/at most \d+ msats\); nothing was spent$/);
  }

  it('Bearer and /v1/balance/create: a 2^52-msat token is a 400 and credits nothing; 2^40 msats is accepted', async () => {
    const node = t.node;
    const before = expectBooksBalanced(node);
    const huge = forged([2 ** 52], 'msat');
    expectTooLarge(await call(node, '/v1/chat/completions', { headers: bearer(huge), body: { model: 'gpt-4o-mini', ...HOLDER } }));
    expectTooLarge(await call(node, `/v1/balance/create?initial_balance_token=${huge}`));
    expectTooLarge(await call(node, '/v1/balance/create', { body: { initial_balance_token: forged([2 ** 31], 'sat') } }));
    expect(expectBooksBalanced(node).credited).toBe(before.credited);

    const max = forged([2 ** 40], 'msat');
    const created = await call(node, `/v1/balance/create?initial_balance_token=${max}`);
    expect(created.body.balance).toBe(CEILING);
    // Chats move it by exactly what they cost, and the whole of it is refunded in one msat token.
    const key = created.body.api_key as string;
    const r = await call(node, '/v1/chat/completions', { headers: bearer(key), body: { model: 'gpt-4o-mini', ...HOLDER } });
    expect(r.body.usage.remaining_balance_msats).toBe(CEILING - r.body.usage.cost.total_msats);
    const refund = await call(node, '/v1/balance/refund', { method: 'POST', headers: bearer(key) });
    expect(refund.status).toBe(200);
    expect(refund.body.msats).toBe(String(CEILING - r.body.usage.cost.total_msats));
    expect(decodeToken(refund.body.token).amountMsats).toBe(CEILING - r.body.usage.cost.total_msats);
    expectBooksBalanced(node);
  });

  it('X-Cashu: a token past the ceiling is a 400 before redemption, echoed back, still spendable, with no refund stuck at 425', async () => {
    const node = t.node;
    const before = expectBooksBalanced(node);
    const huge = forged([2 ** 41], 'msat');
    const r = await call(node, '/v1/chat/completions', { headers: { 'x-cashu': huge }, body: { model: 'gpt-4o-mini', ...HOLDER } });
    expectTooLarge(r);
    expect(r.headers.get('x-cashu')).toBe(huge);
    expect((await call(node, '/v1/balance/refund', { method: 'POST', headers: { 'x-cashu': huge } })).status).toBe(404);
    expect(expectBooksBalanced(node)).toEqual(before);
  });

  it('top-up: a token that would lift the balance past 2^40 msats is a 400 and stays unspent', async () => {
    const node = t.node;
    const key = ((await call(node, '/__mock/keys', { body: { balance_msats: CEILING - 500 } })).body as Json).key as string;
    const token = mintToken({ amount: 1, unit: 'sat', mint });
    expectTooLarge(await call(node, '/v1/balance/topup', { headers: bearer(key), body: { cashu_token: token } }));
    expect((await info(node, key)).balance).toBe(CEILING - 500);
    const fits = mintToken({ amount: 500, unit: 'msat', mint });
    expect((await call(node, '/v1/balance/topup', { headers: bearer(key), body: { cashu_token: fits } })).body).toEqual({ msats: 500 });
    // The refused token was not spent: it still opens an account.
    expect((await call(node, `/v1/balance/create?initial_balance_token=${token}`)).body.balance).toBe(1000);
    expectBooksBalanced(node);
  });

  it('control plane: balance_msats above 2^40 is a 400 in the control envelope; 2^40 is accepted', async () => {
    const node = t.node;
    for (const balance of [9e15, 2 ** 52, CEILING + 1]) {
      const r = await call(node, '/__mock/keys', { body: { balance_msats: balance } });
      expect(r.status, String(balance)).toBe(400);
      expect(r.body).toEqual({
        error: { message: `balance_msats must be at most ${CEILING} (the node holds at most ${CEILING} msats per key, exactly)`, type: 'control_error' },
      });
    }
    expect((await call(node, '/__mock/keys', { body: { key: 'sk-max', balance_msats: CEILING } })).body).toEqual({ key: 'sk-max', balance_msats: CEILING });
    expectBooksBalanced(node);
  });

  it('scenario files: a key above 2^40 msats is a problem at its line, and the active scenario is unchanged', async () => {
    const node = t.node;
    const r = await call(node, '/__mock/scenario', { body: { version: 1, keys: [{ key: 'sk-rich', balance_msats: CEILING + 1 }] } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.error.problems)).toMatch(/balance_msats/);
    expect(JSON.stringify(r.body.error.problems)).toMatch(/1099511627776/);
    expect(node.scenario().keys.some((k) => k.key === 'sk-rich')).toBe(false);
    // 8193 keys at the ceiling: each fits, together they pass what the ledger sums exactly.
    const many = await call(node, '/__mock/scenario', {
      body: { version: 1, keys: Array.from({ length: 8193 }, (_, i) => ({ key: `sk-rich-${i}`, balance_msats: CEILING })) },
    });
    expect(many.status).toBe(400);
    expect(many.body.error.problems).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^the keys hold \d+ msats together; at most 9007199254740991 fit the ledger exactly$/) }),
    ]);
  });

  it('scenario files: prices, token counts and costs whose products would not be exact integers are problems', async () => {
    const node = t.node;
    const model = { id: 'm', sats_per_million_tokens: { prompt: 1e300, completion: 1 }, context_length: 1e12, max_completion_tokens: 16 };
    const r = await call(node, '/__mock/scenario', {
      body: { version: 1, node: { child_key_cost_msats: 2 ** 53 }, models: [model], rules: [{ reply: { usage: { prompt_tokens: 1e15 } } }] },
    });
    expect(r.status).toBe(400);
    const at = (r.body.error.problems as { message: string }[]).map((p) => p.message).join('\n');
    for (const where of ['sats_per_million_tokens/prompt', 'context_length', 'child_key_cost_msats', 'usage/prompt_tokens']) expect(at).toContain(where);
  });
});

describe('a refused X-Cashu request (issue 12: forged floods were remembered forever)', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode();
  });
  afterAll(() => t?.close());

  it('is refunded with a new token as on real nodes; its own token stays spent and the refund recoverable (among the most recent; bounds in test/unit/ledger.test.ts)', async () => {
    const node = t.node;
    const token = mintToken({ amount: 100, unit: 'sat', mint: node.scenario().node.mints[0]! });
    const before = expectBooksBalanced(node);
    const r = await call(node, '/v1/chat/completions', { headers: { 'x-cashu': token }, body: { model: 'gpt-4o-mini', ...HOLDER, temperature: 5 } });
    expect(r.status).toBe(400);
    const refund = r.body.error.refund_token as string;
    expect(refund).not.toBe(token);
    expect(r.headers.get('x-cashu')).toBe(refund);
    expect(decodeToken(refund).amountMsats).toBe(100_000);
    const after = expectBooksBalanced(node);
    expect(after.credited - before.credited).toBe(100_000);
    expect(after.refunded - before.refunded).toBe(100_000);
    // The client's own token was swapped: spending it again is a double spend.
    const again = await call(node, '/v1/chat/completions', { headers: { 'x-cashu': token }, body: { model: 'gpt-4o-mini', ...HOLDER } });
    expect(again.body.error.code).toBe('cashu_token_already_spent');
    expect((await call(node, '/v1/balance/refund', { method: 'POST', headers: { 'x-cashu': token } })).body.token).toBe(refund);
    const paid = await call(node, '/v1/chat/completions', { headers: { 'x-cashu': refund }, body: { model: 'gpt-4o-mini', ...HOLDER } });
    expect(paid.status).toBe(200);
  });
});
