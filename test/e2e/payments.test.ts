import { createHash } from 'node:crypto';
import OpenAI, { APIError, AuthenticationError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToken, mintToken } from '../../src/payment/cashu.ts';
import type { MockNode } from '../../src/index.ts';
import { type Json, type JsonReply as Reply, type TestNode, callNode, sseData, startTestNode } from '../helpers/node.ts';

/**
 * Payments end to end, against a real listening node: Bearer keys and Cashu tokens, the account
 * endpoints, cost metadata, X-Cashu pay-per-request, and the error envelopes, each checked field
 * for field against routstr-node-api.md §1.3–§4. The expected amounts are worked out here from
 * the scenario's prices (§4.1, §4.2), not taken from the mock's own billing code.
 */

let t: TestNode;
/** The seed guide's placeholder key `sk-...`, holding 3 msats. */
let poor: TestNode;
/** A node reporting version 0.4.4: HTTPException bodies without the top-level `error` copy. */
let legacy: TestNode;

beforeAll(async () => {
  [t, poor, legacy] = await Promise.all([
    startTestNode(),
    startTestNode({
      keys: [
        { key: 'sk-...', balance_msats: 3 },
        { key: 'sk-empty', balance_msats: 0 },
      ],
    }),
    startTestNode({ node: { version: '0.4.4' }, keys: [{ key: 'sk-poor', balance_msats: 3 }] }),
  ]);
});
afterAll(() => Promise.all([t, poor, legacy].map((n) => n?.close())));

// ---------------------------------------------------------------------------------------------
// Independent maths (routstr-node-api.md §4.1 reservation, §4.2 cost), in exact integers.
// ---------------------------------------------------------------------------------------------

interface Pricing {
  /** sats per million tokens */
  prompt: number;
  completion: number;
  contextLength: number;
  maxCompletionTokens: number;
}

function pricingOf(node: MockNode, modelId: string): Pricing {
  const m = node.scenario().models.find((x) => x.id === modelId);
  if (!m) throw new Error(`no model ${modelId}`);
  const p = {
    prompt: m.sats_per_million_tokens.prompt,
    completion: m.sats_per_million_tokens.completion,
    contextLength: m.context_length,
    maxCompletionTokens: m.max_completion_tokens,
  };
  // The integer maths below needs whole sats-per-million prices and context > completion limit.
  expect(Number.isInteger(p.prompt) && Number.isInteger(p.completion)).toBe(true);
  expect(p.contextLength).toBeGreaterThan(p.maxCompletionTokens);
  return p;
}

/**
 * The reservation of §4.1 with the default 1 % tolerance: max_cost × 1000 × 0.99, less the prompt
 * discount (allowance − (chars // 3) × prompt price) and the max_tokens discount, each floored in
 * msats, floored at 1. Prices in sats/token are spm / 1e6, so every amount here is an integer
 * count of 1e-5 msat and the floors are exact.
 */
function expectedReservation(p: Pricing, messages: { content: string }[] | undefined, maxTokens?: number): number {
  const promptLimit = p.contextLength - p.maxCompletionTokens;
  let reserved = Math.floor(((promptLimit * p.prompt + p.maxCompletionTokens * p.completion) * 99) / 100_000);
  if (messages && messages.length > 0) {
    const estimate = Math.floor(messages.reduce((n, m) => n + m.content.length, 0) / 3);
    const delta = promptLimit * p.prompt * 99 - estimate * p.prompt * 100;
    if (delta > 0) reserved -= Math.floor(delta / 100_000);
  }
  if (maxTokens !== undefined) {
    const delta = p.maxCompletionTokens * p.completion * 99 - maxTokens * p.completion * 100;
    if (delta > 0) reserved -= Math.floor(delta / 100_000);
  }
  return Math.max(1, reserved);
}

/** §4.2 token pricing: ceil(prompt × prompt_sats × 1000 + completion × completion_sats × 1000) msats. */
function expectedCost(p: Pricing, promptTokens: number, completionTokens: number): number {
  return Math.ceil((promptTokens * p.prompt + completionTokens * p.completion) / 1000);
}

/** How real nodes print msats in 402 messages: "243.332 sats (243332 msats)". */
function formatted(msats: number): string {
  const sats = (msats / 1000).toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
  return `${sats} sats (${msats} msats)`;
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

const call = callNode;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const chat = (node: MockNode, body: Json, headers: Record<string, string>) =>
  call(node, '/v1/chat/completions', { body: { model: 'gpt-4o-mini', ...body }, headers });

async function info(node: MockNode, key: string): Promise<Json> {
  const r = await call(node, '/v1/balance/info', { headers: bearer(key) });
  expect(r.status).toBe(200);
  return r.body;
}

const mintOf = (node: MockNode) => node.scenario().node.mints[0]!;
const satToken = (node: MockNode, sats: number) => mintToken({ amount: sats, unit: 'sat', mint: mintOf(node) });
const keyFor = (token: string) => `sk-${createHash('sha256').update(token, 'utf8').digest('hex')}`;
const tokenMsats = (token: string) => decodeToken(token).amountMsats;

/** The mock adds `param: null` to OpenAI-style error objects for the SDK's sake (errors.ts); real nodes leave it out. */
function withoutNullParam(error: unknown): Json {
  expect(error).toBeTypeOf('object');
  const { param, ...rest } = error as Json;
  expect(param ?? null).toBeNull();
  return rest;
}

/** An HTTPException body carrying `detail.error` (§3.1 a, 0.4.5): the error under `detail`, copied to the top, plus `request_id`. */
function expectDetailError(r: Reply, status: number, error: { message: string | RegExp; type: string; code: string }) {
  expect(r.status).toBe(status);
  expect(Object.keys(r.body).sort()).toEqual(['detail', 'error', 'request_id']);
  expect(Object.keys(r.body.detail)).toEqual(['error']);
  const expected = { ...error, message: typeof error.message === 'string' ? error.message : expect.stringMatching(error.message) };
  expect(r.body.detail.error).toEqual(expected);
  expect(withoutNullParam(r.body.error)).toEqual(r.body.detail.error);
  expect(r.body.request_id).toBe(r.headers.get('x-routstr-request-id'));
}

/** X-Routstr-Cost-Usd is Python's str(float): the same number, in exponent form ("3e-05") below 1e-4. */
function expectUsdHeader(header: string | null, usd: number) {
  expect(header).not.toBeNull();
  expect(Number(header)).toBe(usd);
  if (usd < 1e-4) expect(header).toMatch(/^\d(\.\d+)?e-\d{2,}$/);
  else expect(header).toBe(String(usd));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HELLO = [{ role: 'user' as const, content: 'Hello' }];

// ---------------------------------------------------------------------------------------------

describe('seed guide "Balance Errors", in JavaScript', () => {
  it('a poor key gets a 402 insufficient_balance on the first and only attempt, for the reservation of the request', async () => {
    let attempts = 0;
    const countingFetch: typeof fetch = (input, init) => {
      attempts += 1;
      return fetch(input, init);
    };
    const client = new OpenAI({ apiKey: 'sk-...', baseURL: poor.node.url, maxRetries: 2, fetch: countingFetch });

    let caught: unknown;
    let handled = false;
    try {
      await client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hello' }] });
    } catch (e) {
      caught = e;
      // Python's str(e) is "Error code: 402 - {body}"; openai-node's String(e) holds only the message,
      // so the JS translation of the check reads the whole error object.
      if (JSON.stringify(e).includes('insufficient_balance')) handled = true;
      else throw e;
    }
    expect(handled).toBe(true);
    expect(attempts).toBe(1);
    expect(caught).toBeInstanceOf(APIError);
    const err = caught as APIError;
    // 402 has no dedicated class: a plain APIError (conformance-anchors.md §2.4).
    expect(err.constructor).toBe(APIError);
    expect(err.status).toBe(402);
    expect(err.code).toBe('insufficient_balance');
    expect(err.type).toBe('insufficient_quota');

    const required = expectedReservation(pricingOf(poor.node, 'gpt-4'), HELLO);
    const message = `Insufficient balance: ${formatted(required)} required for this model; ${formatted(3)} available.`;
    expect(message).toMatch(/^Insufficient balance: [\d.]+ sats \(\d+ msats\) required for this model; [\d.]+ sats \(3 msats\) available\.$/);
    expect(String(err)).toBe(`Error: 402 ${message}`);

    // The body, raw.
    const r = await chat(poor.node, { model: 'gpt-4', messages: HELLO }, bearer('sk-...'));
    expectDetailError(r, 402, { message, type: 'insufficient_quota', code: 'insufficient_balance' });
    const n = Number(/\((\d+) msats\) required/.exec(r.body.error.message)![1]);
    expect(n).toBe(required);
    // gpt-4: (8191 − 4096) × 0.03 + 4096 × 0.06 = 368.61 sats max → 364 923 msats after 1 %, less the prompt discount.
    expect(required).toBe(243_332);
    // Nothing was held or spent.
    expect(await info(poor.node, 'sk-...')).toMatchObject({ balance: 3, reserved: 0, total_spent: 0 });
  });
});

describe('authentication', () => {
  const ask = (headers: Record<string, string>, model = 'gpt-4o-mini') => chat(t.node, { model, messages: HELLO }, headers);

  it('no Authorization header → 401 {"detail":"Unauthorized"}', async () => {
    const r = await ask({});
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ detail: 'Unauthorized', request_id: r.headers.get('x-routstr-request-id') });
  });

  it.each([
    ['an empty Bearer', 'Bearer '],
    ['a Basic scheme', 'Basic x'],
  ])('%s → 401 missing_api_key', async (_what, authorization) => {
    const r = await ask({ authorization });
    expectDetailError(r, 401, { message: 'API key or Cashu token required', type: 'invalid_request_error', code: 'missing_api_key' });
  });

  it('an unknown sk- key → 401 invalid_api_key, an AuthenticationError in the SDK', async () => {
    const r = await ask(bearer('sk-nope'));
    expectDetailError(r, 401, {
      message: "Invalid API key format. Expected an 'sk-...' API key or a 'cashu...' token.",
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
    const client = new OpenAI({ apiKey: 'sk-nope', baseURL: t.node.url, maxRetries: 2 });
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).code).toBe('invalid_api_key');
  });

  it('an unknown model is refused with 400 invalid_model before authentication', async () => {
    const r = await ask({}, 'no-such-model');
    expect(r.status).toBe(400);
    expect(Object.keys(r.body).sort()).toEqual(['error', 'request_id']);
    expect(withoutNullParam(r.body.error)).toEqual({ message: "Model 'no-such-model' not found", type: 'invalid_model', code: 400 });
  });

  it('a garbage Bearer cashu token → 400 invalid_cashu_token', async () => {
    const r = await ask(bearer('cashuAxyz'));
    expectDetailError(r, 400, { message: 'Invalid Cashu token', type: 'invalid_token', code: 'invalid_cashu_token' });
  });

  it('a spent token → 400 cashu_token_already_spent (Bearer and /v1/balance/create)', async () => {
    const token = satToken(t.node, 50);
    const topup = await call(t.node, '/v1/balance/topup', { body: { cashu_token: token }, headers: bearer('sk-test') });
    expect(topup.status).toBe(200);
    const spent = { message: 'Cashu token already spent', type: 'token_already_spent', code: 'cashu_token_already_spent' };
    expectDetailError(await ask(bearer(token)), 400, spent);
    expectDetailError(await call(t.node, `/v1/balance/create?initial_balance_token=${encodeURIComponent(token)}`), 400, spent);
    // No account was made for it.
    expect((await call(t.node, '/v1/balance/info', { headers: bearer(keyFor(token)) })).status).toBe(401);
  });

  it('a token from a foreign mint → 422 cashu_foreign_mint_swap_failed', async () => {
    const token = mintToken({ amount: 100, mint: 'https://foreign.mint.example' });
    const foreign = { message: 'Failed to swap token from foreign mint', type: 'mint_error', code: 'cashu_foreign_mint_swap_failed' };
    expectDetailError(await ask(bearer(token)), 422, foreign);
    // As X-Cashu: the direct envelope, and the still-spendable token echoed back (§2.3 step 3).
    const x = await ask({ 'x-cashu': token });
    expect(x.status).toBe(422);
    expect(Object.keys(x.body).sort()).toEqual(['error', 'request_id']);
    expect(withoutNullParam(x.body.error)).toEqual(foreign);
    expect(x.headers.get('x-cashu')).toBe(token);
  });
});

describe('account life cycle', () => {
  it('create (GET and POST, idempotent) → spend → info → top up (body and query) → refund (repeatable) → refund token reused → history', async () => {
    const node = t.node;
    const chatPricing = pricingOf(node, 'gpt-4o-mini');
    const token = satToken(node, 5000);
    const key = keyFor(token);
    const creditedBefore = node.ledgerTotals().credited;

    const viaGet = await call(node, `/v1/balance/create?initial_balance_token=${encodeURIComponent(token)}`);
    expect(viaGet.status).toBe(200);
    expect(viaGet.body).toEqual({ api_key: key, balance: 5_000_000 });
    const viaPost = await call(node, '/v1/balance/create', { body: { initial_balance_token: token } });
    expect(viaPost.status).toBe(200);
    expect(viaPost.body).toEqual({ api_key: key, balance: 5_000_000 });
    expect(node.ledgerTotals().credited - creditedBefore).toBe(5_000_000);

    expect(await info(node, key)).toEqual({
      api_key: key,
      balance: 5_000_000,
      reserved: 0,
      is_child: false,
      total_requests: 0,
      total_spent: 0,
      balance_limit: null,
      balance_limit_reset: null,
      validity_date: null,
    });

    // Spend with the SDK.
    const client = new OpenAI({ apiKey: key, baseURL: node.url, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Tell me about lighthouses' }] });
    const usage = r.usage as unknown as Json;
    const spent = usage.cost.total_msats as number;
    expect(spent).toBe(expectedCost(chatPricing, usage.prompt_tokens, usage.completion_tokens));
    expect(spent).toBeGreaterThan(0);
    expect(await info(node, key)).toMatchObject({ balance: 5_000_000 - spent, reserved: 0, total_requests: 1, total_spent: spent });

    // Top up with a JSON body, then with ?cashu_token=.
    const bodyTopup = await call(node, '/v1/balance/topup', { body: { cashu_token: satToken(node, 100) }, headers: bearer(key) });
    expect(bodyTopup.status).toBe(200);
    expect(bodyTopup.body).toEqual({ msats: 100_000 });
    const queryTopup = await call(node, `/v1/balance/topup?cashu_token=${encodeURIComponent(satToken(node, 200))}`, { method: 'POST', headers: bearer(key) });
    expect(queryTopup.status).toBe(200);
    expect(queryTopup.body).toEqual({ msats: 200_000 });
    const balance = 5_300_000 - spent;
    expect(await info(node, key)).toMatchObject({ balance, total_spent: spent });

    // Refund: the whole balance as a token (sat key: whole sats, as a string); the key stays, at 0.
    const refund = await call(node, '/v1/balance/refund', { method: 'POST', headers: bearer(key) });
    expect(refund.status).toBe(200);
    const refundSats = Math.floor(balance / 1000);
    expect(refund.body).toEqual({ token: expect.stringMatching(/^cashu[AB]/), sats: String(refundSats) });
    expect(tokenMsats(refund.body.token)).toBe(refundSats * 1000);
    expect(decodeToken(refund.body.token).mint).toBe(mintOf(node));
    expect(await info(node, key)).toMatchObject({ balance: 0, reserved: 0 });
    const again = await call(node, '/v1/balance/refund', { method: 'POST', headers: bearer(key) });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(refund.body);

    // The mock's mint takes its own refund token back.
    const reused = await call(node, '/v1/balance/create', { body: { initial_balance_token: refund.body.token } });
    expect(reused.status).toBe(200);
    expect(reused.body).toEqual({ api_key: keyFor(refund.body.token), balance: refundSats * 1000 });

    // History: what came in and what went out, all in msats.
    const history = await call(node, '/v1/balance/history', { headers: bearer(key) });
    expect(history.status).toBe(200);
    const txs = history.body.transactions as Json[];
    for (const tx of txs) {
      expect(tx).toEqual({
        id: expect.any(String),
        type: expect.stringMatching(/^(in|out)$/),
        source: expect.any(String),
        amount: expect.any(Number),
        unit: 'msat',
        mint_url: mintOf(node),
        created_at: expect.any(Number),
        collected: expect.any(Boolean),
        swept: false,
      });
    }
    const ins = txs
      .filter((x) => x.type === 'in')
      .map((x) => x.amount)
      .sort((a, b) => a - b);
    expect(ins).toEqual([100_000, 200_000, 5_000_000]);
    expect(txs.filter((x) => x.type === 'out').map((x) => x.amount)).toEqual([balance]);
  });

  it('the deprecated /v1/wallet/* mounts answer like /v1/balance/*', async () => {
    const token = satToken(t.node, 10);
    const created = await call(t.node, '/v1/wallet/create', { body: { initial_balance_token: token } });
    expect(created.body).toEqual({ api_key: keyFor(token), balance: 10_000 });
    const wallet = await call(t.node, '/v1/wallet/info', { headers: bearer(keyFor(token)) });
    expect(wallet.status).toBe(200);
    expect(wallet.body).toEqual(await info(t.node, keyFor(token)));
    expect((await call(t.node, '/v1/wallet/', { headers: bearer(keyFor(token)) })).body).toEqual(wallet.body);
    // The documented-but-missing wallet endpoints are the catch-all 404.
    const missing = await call(t.node, '/v1/wallet/balance', { headers: bearer(keyFor(token)) });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Not found check /docs for available endpoints', request_id: missing.headers.get('x-routstr-request-id') });
  });

  it('account endpoint errors', async () => {
    const detailOnly = (r: Reply, status: number, detail: unknown) => {
      expect(r.status).toBe(status);
      expect(r.body).toEqual({ detail, request_id: r.headers.get('x-routstr-request-id') });
    };
    // FastAPI's own 422 for a missing input: no request_id in the body.
    const noToken = await call(t.node, '/v1/balance/create');
    expect(noToken.status).toBe(422);
    expect(noToken.body).toEqual({ detail: [expect.objectContaining({ type: 'missing', loc: ['query', 'initial_balance_token'] })] });
    const noHeader = await call(t.node, '/v1/balance/info');
    expect(noHeader.status).toBe(422);
    expect(noHeader.body.detail[0]).toMatchObject({ type: 'missing', loc: ['header', 'authorization'] });
    detailOnly(
      await call(t.node, '/v1/balance/info', { headers: { authorization: 'Basic x' } }),
      401,
      "Invalid authorization. Use 'Bearer <cashu-token>' or 'Bearer <api-key>'",
    );
    detailOnly(await call(t.node, '/v1/balance/topup', { method: 'POST', headers: bearer('sk-test') }), 400, 'A cashu_token is required.');
    detailOnly(await call(t.node, '/v1/balance/topup', { body: { cashu_token: 'cashuA' }, headers: bearer('sk-test') }), 400, 'Invalid token format');
    expectDetailError(await call(t.node, '/v1/balance/refund', { method: 'POST', headers: bearer('sk-nope') }), 401, {
      message: 'Key not found. Deposit first via /v1/wallet/create before requesting a refund.',
      type: 'invalid_request_error',
      code: 'key_not_found',
    });
    detailOnly(await call(poor.node, '/v1/balance/refund', { method: 'POST', headers: bearer('sk-empty') }), 400, 'No balance to refund');
    // 3 msats is less than a sat: nothing can be refunded and nothing moves.
    detailOnly(await call(poor.node, '/v1/balance/refund', { method: 'POST', headers: bearer('sk-...') }), 400, 'Balance too small to refund');
    expect(await info(poor.node, 'sk-...')).toMatchObject({ balance: 3 });
  });

  it('`Bearer cashu…` on a chat request opens the account sk-<sha256(token)> and pays from it', async () => {
    const token = satToken(t.node, 1000);
    const client = new OpenAI({ apiKey: token, baseURL: t.node.url, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO });
    const cost = (r.usage as unknown as Json).cost.total_msats as number;
    expect((r.usage as unknown as Json).remaining_balance_msats).toBe(1_000_000 - cost);
    expect(await info(t.node, keyFor(token))).toMatchObject({ api_key: keyFor(token), balance: 1_000_000 - cost, total_requests: 1, total_spent: cost });
    // The same token again is the same account, not a second redemption.
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO });
    expect(await info(t.node, keyFor(token))).toMatchObject({ balance: 1_000_000 - 2 * cost, total_requests: 2 });
  });
});

describe('cost metadata on Bearer responses', () => {
  const COST_KEYS = [
    'base_msats',
    'input_msats',
    'output_msats',
    'total_msats',
    'cache_read_input_tokens',
    'cache_creation_input_tokens',
    'cache_read_msats',
    'cache_creation_msats',
    'total_usd',
  ];

  function expectCostObjects(body: Json, total: number, remaining: number, btcUsd: number) {
    const usage = body.usage as Json;
    expect(Object.keys(usage.cost).sort()).toEqual([...COST_KEYS].sort());
    expect(usage.cost).toMatchObject({
      base_msats: 0,
      total_msats: total,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_msats: 0,
      cache_creation_msats: 0,
    });
    expect(usage.cost.input_msats + usage.cost.output_msats).toBe(total);
    expect(usage.cost.total_usd).toBeCloseTo((total / 1000) * (btcUsd / 1e8), 12);
    expect(usage.cost_sats).toBe(Math.floor(total / 1000));
    expect(usage.remaining_balance_msats).toBe(remaining);
    const full = {
      ...usage.cost,
      input_tokens: usage.prompt_tokens,
      output_tokens: usage.completion_tokens ?? 0,
      sats_cost: Math.floor(total / 1000),
      remaining_balance_msats: remaining,
    };
    expect(body.cost).toEqual(full);
    return full;
  }

  function expectCostHeaders(headers: Headers, cost: Json) {
    expect(headers.get('x-routstr-cost-msats')).toBe(String(cost.total_msats));
    expect(headers.get('x-routstr-input-cost-msats')).toBe(String(cost.input_msats));
    expect(headers.get('x-routstr-output-cost-msats')).toBe(String(cost.output_msats));
    expectUsdHeader(headers.get('x-routstr-cost-usd'), cost.total_usd);
  }

  it('non-streaming chat: usage.cost, cost_sats, remaining balance, top-level cost, metadata.routstr and headers; charged exactly', async () => {
    const before = await info(t.node, 'sk-test');
    const pricing = pricingOf(t.node, 'gpt-4o-mini');
    const { data, response } = await t.client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Describe a mountain river in detail' }] })
      .withResponse();
    const body = data as unknown as Json;
    const total = expectedCost(pricing, body.usage.prompt_tokens, body.usage.completion_tokens);
    expect(body.usage.cost.total_msats).toBe(total);
    const full = expectCostObjects(body, total, before.balance - total, t.node.scenario().btc_usd);
    expect(body.metadata.routstr.cost).toEqual(full);
    expectCostHeaders(response.headers, body.usage.cost);
    expect(await info(t.node, 'sk-test')).toMatchObject({
      balance: before.balance - total,
      reserved: 0,
      total_spent: before.total_spent + total,
      total_requests: before.total_requests + 1,
    });
  });

  it('embeddings: the same metadata, priced on prompt tokens', async () => {
    const before = await info(t.node, 'sk-test');
    const pricing = pricingOf(t.node, 'text-embedding-3-large');
    const { data, response } = await t.client.embeddings
      .create({ model: 'text-embedding-3-large', input: ['The quick brown fox jumps over the lazy dog', 'a second, longer input about the sea and the sky'] })
      .withResponse();
    const body = data as unknown as Json;
    const total = expectedCost(pricing, body.usage.prompt_tokens, 0);
    expect(total).toBeGreaterThan(0);
    expect(body.usage.cost.total_msats).toBe(total);
    const full = expectCostObjects(body, total, before.balance - total, t.node.scenario().btc_usd);
    expect(body.metadata.routstr.cost).toEqual(full);
    expectCostHeaders(response.headers, body.usage.cost);
    expect(await info(t.node, 'sk-test')).toMatchObject({ balance: before.balance - total, reserved: 0, total_spent: before.total_spent + total });
  });

  it('streaming chat: no cost headers; the final choices:[] chunk carries the cost, then exactly `data: [DONE]`', async () => {
    const before = await info(t.node, 'sk-test');
    const pricing = pricingOf(t.node, 'gpt-4o-mini');
    const r = await chat(t.node, { stream: true, messages: [{ role: 'user', content: 'Write a short poem about rain' }] }, bearer('sk-test'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    for (const h of ['x-routstr-cost-msats', 'x-routstr-input-cost-msats', 'x-routstr-output-cost-msats', 'x-routstr-cost-usd', 'x-cashu'])
      expect(r.headers.get(h)).toBeNull();
    expect(r.text.endsWith('\n\ndata: [DONE]\n\n')).toBe(true);
    const data = sseData(r.text);
    expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
    expect(data.at(-1)).toBe('[DONE]');
    const last = JSON.parse(data.at(-2)!) as Json;
    expect(last.choices).toEqual([]);
    expect(last.object).toBe('chat.completion.chunk');
    // Every chunk before it has content choices and no usage.
    for (const d of data.slice(0, -2)) {
      const chunk = JSON.parse(d) as Json;
      expect(chunk.choices.length).toBeGreaterThan(0);
      expect(chunk.usage ?? null).toBeNull();
    }
    const total = expectedCost(pricing, last.usage.prompt_tokens, last.usage.completion_tokens);
    const remaining = before.balance - total;
    const full = expectCostObjects(last, total, remaining, t.node.scenario().btc_usd);
    const { sats_cost, remaining_balance_msats, ...cost } = full;
    expect(last.metadata).toEqual({ routstr: { cost, sats_cost, remaining_balance_msats } });
    expect(await info(t.node, 'sk-test')).toMatchObject({ balance: remaining, reserved: 0, total_spent: before.total_spent + total });
  });
});

describe('X-Cashu pay-per-request', () => {
  const MESSAGES = [{ role: 'user' as const, content: 'Summarise the history of the bicycle' }];

  it('a token below the reservation → 402 minimum_balance_required, and the token is not spent', async () => {
    const required = expectedReservation(pricingOf(t.node, 'gpt-4o-mini'), MESSAGES);
    const sats = Math.floor((required - 1) / 1000);
    expect(sats).toBeGreaterThan(0);
    const token = satToken(t.node, sats);
    const r = await chat(t.node, { messages: MESSAGES }, { 'x-cashu': token });
    expect(r.status).toBe(402);
    // No `error` inside detail, so no top-level copy (§3.1 a, §3.2).
    expect(r.body).toEqual({
      detail: { reason: 'Insufficient balance', amount_required_msat: required, model: 'gpt-4o-mini', type: 'minimum_balance_required' },
      request_id: r.headers.get('x-routstr-request-id'),
    });
    expect(r.headers.get('x-cashu')).toBeNull();
    // Still spendable: it funds an account.
    const created = await call(t.node, '/v1/balance/create', { body: { initial_balance_token: token } });
    expect(created.status).toBe(200);
    expect(created.body.balance).toBe(sats * 1000);
  });

  it('an undecodable X-Cashu token → 401 "Invalid authentication token format"', async () => {
    const r = await chat(t.node, { messages: MESSAGES }, { 'x-cashu': 'cashuAxyz' });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ detail: 'Invalid authentication token format', request_id: r.headers.get('x-routstr-request-id') });
  });

  it('a sufficient token → 200 with change (amount − ceil(cost/1000) sats) in X-Cashu and cost headers; the change pays again; lost change is recoverable', async () => {
    const pricing = pricingOf(t.node, 'gpt-4o-mini');
    const token = satToken(t.node, 100);
    const totalsBefore = t.node.ledgerTotals();
    const r = await chat(t.node, { messages: MESSAGES }, { 'x-cashu': token });
    expect(r.status).toBe(200);
    const cost = expectedCost(pricing, r.body.usage.prompt_tokens, r.body.usage.completion_tokens);
    expect(r.headers.get('x-routstr-cost-msats')).toBe(String(cost));
    expect(r.headers.get('x-routstr-input-cost-msats')).toBe(String(r.body.usage.cost.input_msats));
    expect(r.headers.get('x-routstr-output-cost-msats')).toBe(String(r.body.usage.cost.output_msats));
    expectUsdHeader(r.headers.get('x-routstr-cost-usd'), r.body.usage.cost.total_usd);
    expect(r.body.usage.cost.total_msats).toBe(cost);
    expect(r.body.usage.cost_sats).toBe(Math.floor(cost / 1000));
    // No account, so no balance and no top-level cost or metadata on this path.
    expect(r.body.usage.remaining_balance_msats).toBeUndefined();
    expect(r.body.cost).toBeUndefined();
    expect(r.body.metadata).toBeUndefined();
    const change = r.headers.get('x-cashu')!;
    expect(change).toMatch(/^cashu[AB]/);
    const changeSats = 100 - Math.ceil(cost / 1000);
    expect(tokenMsats(change)).toBe(changeSats * 1000);
    expect(decodeToken(change).unit).toBe('sat');
    const totals = t.node.ledgerTotals();
    expect(totals.credited - totalsBefore.credited).toBe(100_000);
    expect(totals.charged - totalsBefore.charged).toBe(Math.ceil(cost / 1000) * 1000);
    expect(totals.balances).toBe(totalsBefore.balances);

    // The change pays for a second call and brings back its own change.
    const second = await chat(t.node, { messages: MESSAGES }, { 'x-cashu': change });
    expect(second.status).toBe(200);
    const cost2 = second.body.usage.cost.total_msats as number;
    expect(tokenMsats(second.headers.get('x-cashu')!)).toBe((changeSats - Math.ceil(cost2 / 1000)) * 1000);

    // The original token is spent now.
    const replay = await chat(t.node, { messages: MESSAGES }, { 'x-cashu': token });
    expect(replay.status).toBe(400);
    expect(withoutNullParam(replay.body.error)).toEqual({
      message: 'Cashu token already spent',
      type: 'token_already_spent',
      code: 'cashu_token_already_spent',
    });
    expect(replay.headers.get('x-cashu')).toBeNull();

    // Lost change: POST /v1/balance/refund with the original token gives the same change back.
    const lost = await call(t.node, '/v1/balance/refund', { method: 'POST', headers: { 'x-cashu': token } });
    expect(lost.status).toBe(200);
    expect(lost.body).toEqual({ token: change, sats: String(changeSats) });
    expect(lost.headers.get('x-cashu')).toBe(change);

    const unknown = await call(t.node, '/v1/balance/refund', { method: 'POST', headers: { 'x-cashu': satToken(t.node, 10) } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Refund not found', request_id: unknown.headers.get('x-routstr-request-id') });
  });

  it('a msat token gets change to the msat: amount − cost', async () => {
    const token = mintToken({ amount: 50_000, unit: 'msat', mint: mintOf(t.node) });
    const r = await chat(t.node, { messages: MESSAGES }, { 'x-cashu': token });
    expect(r.status).toBe(200);
    const change = decodeToken(r.headers.get('x-cashu')!);
    expect(change.unit).toBe('msat');
    expect(change.amountMsats).toBe(50_000 - r.body.usage.cost.total_msats);
  });

  it('a request that fails after redemption → same status, upstream_error body with the whole token refunded, also in X-Cashu', async () => {
    const token = satToken(t.node, 100);
    const totalsBefore = t.node.ledgerTotals();
    const r = await chat(t.node, { messages: MESSAGES, temperature: 5 }, { 'x-cashu': token });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body)).toEqual(['error']);
    const refund = r.body.error.refund_token as string;
    expect(withoutNullParam(r.body.error)).toEqual({
      message: 'Error forwarding request to upstream',
      type: 'upstream_error',
      code: 400,
      refund_token: refund,
    });
    expect(r.headers.get('x-cashu')).toBe(refund);
    expect(tokenMsats(refund)).toBe(100_000);
    const totals = t.node.ledgerTotals();
    expect(totals.charged).toBe(totalsBefore.charged);
    expect(totals.refunded - totalsBefore.refunded).toBe(100_000);
    // Recoverable too, and the refund token itself pays.
    const lost = await call(t.node, '/v1/balance/refund', { method: 'POST', headers: { 'x-cashu': token } });
    expect(lost.body).toEqual({ token: refund, sats: '100' });
    const reuse = await chat(t.node, { messages: MESSAGES }, { 'x-cashu': refund });
    expect(reuse.status).toBe(200);
  });

  it('a streamed X-Cashu chat is buffered: change and cost in the headers, the cost in the usage chunk', async () => {
    const token = satToken(t.node, 100);
    const r = await chat(t.node, { messages: MESSAGES, stream: true }, { 'x-cashu': token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = sseData(r.text);
    expect(data.at(-1)).toBe('[DONE]');
    const last = JSON.parse(data.at(-2)!) as Json;
    expect(last.choices).toEqual([]);
    const cost = last.usage.cost.total_msats as number;
    expect(cost).toBe(expectedCost(pricingOf(t.node, 'gpt-4o-mini'), last.usage.prompt_tokens, last.usage.completion_tokens));
    expect(last.usage.cost_sats).toBe(Math.floor(cost / 1000));
    expect(r.headers.get('x-routstr-cost-msats')).toBe(String(cost));
    expect(tokenMsats(r.headers.get('x-cashu')!)).toBe((100 - Math.ceil(cost / 1000)) * 1000);
  });

  it('X-Cashu embeddings get change like chat', async () => {
    const token = satToken(t.node, 10);
    const r = await call(t.node, '/v1/embeddings', {
      body: { model: 'text-embedding-3-small', input: 'a short sentence to embed' },
      headers: { 'x-cashu': token },
    });
    expect(r.status).toBe(200);
    const cost = r.body.usage.cost.total_msats as number;
    expect(cost).toBe(expectedCost(pricingOf(t.node, 'text-embedding-3-small'), r.body.usage.prompt_tokens, 0));
    expect(r.headers.get('x-routstr-cost-msats')).toBe(String(cost));
    expect(tokenMsats(r.headers.get('x-cashu')!)).toBe((10 - Math.ceil(cost / 1000)) * 1000);
  });

  it('X-Cashu on a passthrough endpoint (images) keeps the whole token: no change, nothing to recover', async () => {
    const token = satToken(t.node, 200);
    const totalsBefore = t.node.ledgerTotals();
    const r = await call(t.node, '/v1/images/generations', { body: { model: 'dall-e-3', prompt: 'a red kite' }, headers: { 'x-cashu': token } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-cashu')).toBeNull();
    expect(r.headers.get('x-routstr-cost-msats')).toBeNull();
    const totals = t.node.ledgerTotals();
    expect(totals.charged - totalsBefore.charged).toBe(200_000);
    expect(totals.refunded).toBe(totalsBefore.refunded);
    const lost = await call(t.node, '/v1/balance/refund', { method: 'POST', headers: { 'x-cashu': token } });
    expect(lost.status).toBe(404);
  });

  it('the X-Cashu path spends no account: sk-test is untouched', async () => {
    const before = await info(t.node, 'sk-test');
    const r = await chat(t.node, { messages: MESSAGES }, { 'x-cashu': satToken(t.node, 100), ...bearer('sk-test') });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-cashu')).toMatch(/^cashu/);
    expect(await info(t.node, 'sk-test')).toEqual(before);
  });
});

describe('passthrough endpoints are free but still need auth', () => {
  it('images, audio speech and legacy completions leave the balance unchanged', async () => {
    const before = await info(t.node, 'sk-test');
    const charged = t.node.ledgerTotals().charged;
    await t.client.images.generate({ model: 'dall-e-3', prompt: 'a lighthouse at dusk' });
    const speech = await t.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello there' });
    expect((await speech.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const completion = await t.client.completions.create({ model: 'gpt-3.5-turbo', prompt: 'Once upon a time', max_tokens: 8 });
    expect((completion as unknown as Json).usage.cost).toBeUndefined();
    const after = await info(t.node, 'sk-test');
    expect(after).toMatchObject({ balance: before.balance, reserved: 0, total_spent: before.total_spent, total_requests: before.total_requests + 3 });
    expect(t.node.ledgerTotals().charged).toBe(charged);
  });

  it.each([
    ['/v1/images/generations', { model: 'dall-e-3', prompt: 'a lighthouse' }],
    ['/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: 'Hello' }],
    ['/v1/completions', { model: 'gpt-3.5-turbo', prompt: 'Once upon a time' }],
  ])('%s without auth → 401, and a poor key → 402', async (path, body) => {
    const anonymous = await call(t.node, path, { body });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ detail: 'Unauthorized', request_id: anonymous.headers.get('x-routstr-request-id') });
    const r = await call(poor.node, path, { body, headers: bearer('sk-...') });
    expect(r.status).toBe(402);
    expect(r.body.error.code).toBe('insufficient_balance');
  });
});

describe('error envelopes and request ids', () => {
  it('a 0.4.4 node sends HTTPException bodies with only detail and request_id', async () => {
    const r = await chat(legacy.node, { model: 'gpt-4', messages: HELLO }, bearer('sk-poor'));
    expect(r.status).toBe(402);
    expect(Object.keys(r.body).sort()).toEqual(['detail', 'request_id']);
    expect(r.body.detail.error).toEqual({
      message: `Insufficient balance: ${formatted(expectedReservation(pricingOf(legacy.node, 'gpt-4'), HELLO))} required for this model; ${formatted(3)} available.`,
      type: 'insufficient_quota',
      code: 'insufficient_balance',
    });
    const missing = await chat(legacy.node, { messages: HELLO }, { authorization: 'Basic x' });
    expect(missing.status).toBe(401);
    expect(Object.keys(missing.body).sort()).toEqual(['detail', 'request_id']);
    expect(missing.body.detail.error.code).toBe('missing_api_key');
    // openai-node 6.x reads only a top-level `error` (conformance-anchors.md §2.4), so against a
    // pre-0.4.5 node the error carries no code and no message: the seed guide's check cannot see
    // insufficient_balance, and a client has to read `detail` from the raw body itself.
    let attempts = 0;
    const client = new OpenAI({
      apiKey: 'sk-poor',
      baseURL: legacy.node.url,
      maxRetries: 2,
      fetch: (input, init) => {
        attempts += 1;
        return fetch(input, init);
      },
    });
    const err = (await client.chat.completions.create({ model: 'gpt-4', messages: HELLO }).catch((e: unknown) => e)) as APIError;
    expect(err.constructor).toBe(APIError);
    expect(err.status).toBe(402);
    expect(attempts).toBe(1);
    expect(err.error).toBeUndefined();
    expect(err.code).toBeUndefined();
    expect(err.message).toBe('402 status code (no body)');
    expect(JSON.stringify(err)).not.toContain('insufficient_balance');
  });

  it('x-routstr-request-id is on every response: success, errors, 404s, balance endpoints, streams', async () => {
    const responses: Reply[] = [
      await call(t.node, '/v1/models'),
      await call(t.node, '/v1/info'),
      await chat(t.node, { messages: HELLO }, bearer('sk-test')),
      await chat(t.node, { messages: HELLO, stream: true }, bearer('sk-test')),
      await chat(t.node, { messages: HELLO }, {}),
      await chat(t.node, { messages: HELLO }, bearer('sk-nope')),
      await chat(poor.node, { messages: HELLO }, bearer('sk-...')),
      await chat(t.node, { model: 'nope', messages: HELLO }, {}),
      await call(t.node, '/v1/nothing-here'),
      await call(t.node, '/v1/balance/nothing-here'),
      await call(t.node, '/v1/balance/info'),
      await call(t.node, '/v1/balance/refund', { method: 'POST', headers: { 'x-cashu': 'cashuAnope' } }),
      await call(t.node, '/v1/chat/completions', { method: 'PUT', body: {} }),
    ];
    const ids = responses.map((r) => r.headers.get('x-routstr-request-id'));
    for (const [i, id] of ids.entries()) {
      expect(id, `response ${i} (${responses[i]!.status})`).toMatch(UUID);
      if (responses[i]!.body.request_id !== undefined) expect(responses[i]!.body.request_id).toBe(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 401, 401, 402, 400, 404, 404, 422, 404, 405]);
  });

  it('a failed request after auth costs nothing: balance, reserved and spend unchanged', async () => {
    const before = await info(t.node, 'sk-test');
    const totals = t.node.ledgerTotals();
    const bad = [
      await chat(t.node, { messages: HELLO, temperature: 5 }, bearer('sk-test')),
      await chat(t.node, { messages: [{ role: 'wizard', content: 'hi' }] }, bearer('sk-test')),
      await chat(t.node, { model: 'text-embedding-3-small', messages: HELLO }, bearer('sk-test')),
      await chat(t.node, { messages: HELLO, stream: true, n: 0 }, bearer('sk-test')),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    const after = await info(t.node, 'sk-test');
    expect(after.balance).toBe(before.balance);
    expect(after.reserved).toBe(0);
    expect(after.total_spent).toBe(before.total_spent);
    const now = t.node.ledgerTotals();
    expect(now.charged).toBe(totals.charged);
    expect(now.openReservations).toBe(0);
    expect(now.initial + now.credited - now.charged - now.refunded).toBe(now.balances);
  });
});
