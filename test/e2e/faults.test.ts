import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockNode, startMockNode } from '../../src/index.ts';
import type { JournalEntry } from '../../src/node/journal.ts';
import type { FaultSpec, RuleSpec } from '../../src/scenario/types.ts';
import { FAST_STREAM, postJson, rejectionOf } from '../helpers/node.ts';
import { weatherTool } from '../helpers/tools.ts';

/**
 * Every fault type, end to end through the official SDK (openai 6.49.0) with its default
 * `maxRetries: 2`: the error class, the number of attempts, the timing where it matters, the
 * journal entry, and that a faulted request costs nothing. Expected outcomes follow
 * conformance-anchors.md §2.4–§2.6 and §2.10; where SDK 6.49 differs from the 7.x table, the test
 * says so.
 */

const INITIAL_MSATS = 100_000_000;
const CHAT = '/v1/chat/completions';
const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Tell me about lighthouses' }] };

interface Rig {
  node: MockNode;
  client: OpenAI;
  /** HTTP attempts the SDK made (its custom fetch counts them). */
  attempts: () => number;
  /** The SDK's own pause before each retry: from an attempt's answer to the next attempt, without the node's time. */
  retryWaits: () => number[];
}

const running: MockNode[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.close()));
});

/** A fresh node with these rules (chat only, unless a rule says otherwise) and a default-retrying SDK client. */
async function rig(rules: RuleSpec[], clientOptions: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}, seed?: number): Promise<Rig> {
  const node = await startMockNode({ port: 0, scenario: { version: 1, stream: FAST_STREAM, rules }, ...(seed !== undefined ? { seed } : {}) });
  running.push(node);
  let attempts = 0;
  const waits: number[] = [];
  let answeredAt: number | undefined;
  const client = new OpenAI({
    apiKey: 'sk-test',
    baseURL: node.url,
    logLevel: 'off',
    fetch: async (url, init) => {
      attempts++;
      if (answeredAt !== undefined) waits.push(performance.now() - answeredAt);
      const res = await fetch(url, init);
      answeredAt = performance.now();
      return res;
    },
    ...clientOptions,
  });
  return { node, client, attempts: () => attempts, retryWaits: () => waits };
}

const chatFault = (name: string, fault: FaultSpec, when: RuleSpec['when'] = {}): RuleSpec => ({ name, when: { path: CHAT, ...when }, fault });

const failure = rejectionOf;

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Reads a stream to its end or its error, timing each chunk. */
async function drain<T>(stream: AsyncIterable<T>): Promise<{ chunks: T[]; at: number[]; error?: unknown }> {
  const chunks: T[] = [];
  const at: number[] = [];
  const start = performance.now();
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      at.push(performance.now() - start);
    }
  } catch (error) {
    return { chunks, at, error };
  }
  return { chunks, at };
}

/** The class itself, not a subclass: a 402 must be a plain APIError. */
function expectExactly(err: unknown, cls: abstract new (...args: never[]) => unknown) {
  expect(err).toBeInstanceOf(cls);
  expect(Object.getPrototypeOf(err)).toBe(cls.prototype);
}

/** Journal entries, once every request has closed (status and duration are set on close). */
async function closedJournal(node: MockNode, path = CHAT): Promise<JournalEntry[]> {
  for (let i = 0; i < 200; i++) {
    const entries = node.journal().filter((e) => e.path === path);
    if (entries.every((e) => e.duration_ms !== undefined)) return entries;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('requests did not close');
}

/** The journal shows the rule and fault on every attempt, with the SDK's retry counts in order. */
async function expectJournal(node: MockNode, rule: string, fault: string, attempts: number) {
  const entries = await closedJournal(node);
  expect(entries).toHaveLength(attempts);
  expect(entries.map((e) => e.retry_count)).toEqual([...Array(attempts).keys()]);
  for (const e of entries) {
    expect(e.rule).toBe(rule);
    expect(e.fault).toBe(fault);
  }
  return entries;
}

/** Nothing charged and nothing left reserved: ledger totals and the key's own balance endpoint agree. */
async function expectNothingCharged(node: MockNode) {
  await closedJournal(node);
  const totals = node.ledgerTotals();
  expect(totals.charged).toBe(0);
  expect(totals.reserved).toBe(0);
  expect(totals.openReservations).toBe(0);
  expect(totals.balances).toBe(totals.initial);
  const info = (await (await fetch(`${node.url}/balance/info`, { headers: { authorization: 'Bearer sk-test' } })).json()) as {
    balance: number;
    reserved: number;
  };
  expect(info.balance).toBe(INITIAL_MSATS);
  expect(info.reserved).toBe(0);
}

describe('faults before the headers', () => {
  it('insufficient_balance: the real 402, a plain APIError, never retried, free', async () => {
    const { node, client, attempts } = await rig([chatFault('broke', { type: 'insufficient_balance' })]);
    const err = (await failure(client.chat.completions.create(ask))) as APIError;
    expectExactly(err, APIError);
    expect(err.status).toBe(402);
    expect(err.code).toBe('insufficient_balance');
    expect(err.type).toBe('insufficient_quota');
    expect(err.message).toMatch(/^402 Insufficient balance: .* required for this model; .* available\.$/);
    expect(attempts()).toBe(1);
    await expectJournal(node, 'broke', 'insufficient_balance', 1);
    await expectNothingCharged(node);
  });

  it('rate_limit with retry_after_ms: 50 → RateLimitError after 3 quick attempts', async () => {
    const { node, client, attempts, retryWaits } = await rig([chatFault('throttle', { type: 'rate_limit', retry_after_ms: 50 })]);
    const err = (await failure(client.chat.completions.create(ask))) as RateLimitError;
    expectExactly(err, RateLimitError);
    expect(err.status).toBe(429);
    expect(err.code).toBe('UPSTREAM_RATE_LIMIT');
    expect(err.headers.get('retry-after-ms')).toBe('50');
    expect(err.headers.get('retry-after')).toBe('1');
    expect(err.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(attempts()).toBe(3);
    // Two waits of 50 ms; the whole-second Retry-After (1 s) or the default backoff would wait ≥ 1.1 s in all.
    expect(retryWaits()).toHaveLength(2);
    for (const wait of retryWaits()) expect(wait).toBeGreaterThanOrEqual(45);
    expect(sum(retryWaits())).toBeLessThan(1000);
    await expectJournal(node, 'throttle', 'rate_limit', 3);
    await expectNothingCharged(node);
  });

  it('rate_limit on a streaming request is retried too (the 429 comes before the stream)', async () => {
    const { node, client, attempts } = await rig([chatFault('throttle', { type: 'rate_limit', retry_after_ms: 5 })]);
    const err = await failure(client.chat.completions.create({ ...ask, stream: true }));
    expectExactly(err, RateLimitError);
    expect(attempts()).toBe(3);
    await expectJournal(node, 'throttle', 'rate_limit', 3);
  });

  it('rate_limit with retry_after_s: 0 → immediate retries', async () => {
    const { client, attempts, retryWaits } = await rig([chatFault('throttle', { type: 'rate_limit', retry_after_s: 0 })]);
    const err = (await failure(client.chat.completions.create(ask))) as RateLimitError;
    expect(err.headers.get('retry-after')).toBe('0');
    expect(attempts()).toBe(3);
    // The default backoff would wait ≥ 1.1 s in all.
    expect(sum(retryWaits())).toBeLessThan(1000);
  });

  it('rate_limit with retry_after_ms: 0 → immediate retries (Retry-After 0, not a whole second)', async () => {
    // SDK 6.49 reads `retry-after-ms: 0` as absent and falls back to Retry-After.
    const { client, attempts, retryWaits } = await rig([chatFault('throttle', { type: 'rate_limit', retry_after_ms: 0 })]);
    const err = (await failure(client.chat.completions.create(ask))) as RateLimitError;
    expect(err.headers.get('retry-after-ms')).toBe('0');
    expect(err.headers.get('retry-after')).toBe('0');
    expect(attempts()).toBe(3);
    expect(sum(retryWaits())).toBeLessThan(1000);
  });

  it('timeout (hang) with client timeout 300 ms → APIConnectionTimeoutError after 3 attempts', async () => {
    const { node, client, attempts } = await rig([chatFault('black hole', { type: 'timeout' })], { timeout: 300 });
    const start = performance.now();
    const err = await failure(client.chat.completions.create(ask));
    const elapsed = performance.now() - start;
    expectExactly(err, APIConnectionTimeoutError);
    expect((err as Error).message).toBe('Request timed out.');
    expect(attempts()).toBe(3);
    // 3 × 300 ms plus the default backoff (≈0.4–0.5 s, then ≈0.75–1 s).
    expect(elapsed).toBeGreaterThanOrEqual(900 + 375 + 750 - 50);
    expect(elapsed).toBeLessThan(6000);
    const entries = await expectJournal(node, 'black hole', 'timeout', 3);
    for (const e of entries) expect(e.status).toBe(0);
    await expectNothingCharged(node);
  });

  it('timeout (delay) of 300 ms → success after ≥ 300 ms, one attempt, charged as usual', async () => {
    const { node, client, attempts } = await rig([chatFault('slow', { type: 'timeout', mode: 'delay', delay_ms: 300 })]);
    const start = performance.now();
    const r = await client.chat.completions.create(ask);
    expect(performance.now() - start).toBeGreaterThanOrEqual(295);
    expect(r.choices[0]!.message.content).toBeTruthy();
    expect(attempts()).toBe(1);
    const [entry] = await expectJournal(node, 'slow', 'timeout', 1);
    expect(entry!.status).toBe(200);
    expect(entry!.duration_ms).toBeGreaterThanOrEqual(295);
    // The answer arrived: a slow request is a paid request.
    expect(entry!.cost_msats).toBeGreaterThan(0);
    expect(node.ledgerTotals().charged).toBe(entry!.cost_msats);
  });

  it('timeout (delay) longer than the client timeout → APIConnectionTimeoutError, nothing charged', async () => {
    const { node, client, attempts } = await rig([chatFault('slow', { type: 'timeout', mode: 'delay', delay_ms: 250 })], { timeout: 100, maxRetries: 0 });
    const err = await failure(client.chat.completions.create(ask));
    expectExactly(err, APIConnectionTimeoutError);
    expect(attempts()).toBe(1);
    // The node notices the client left during the delay and does not answer (or charge).
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expectJournal(node, 'slow', 'timeout', 1);
    await expectNothingCharged(node);
  });

  it('upstream_error 502 → InternalServerError after 3 attempts, in the node envelope', async () => {
    const { node, client, attempts } = await rig([chatFault('upstream down', { type: 'upstream_error' })]);
    const err = (await failure(client.chat.completions.create(ask))) as InternalServerError;
    expectExactly(err, InternalServerError);
    expect(err.status).toBe(502);
    expect(err.type).toBe('upstream_error');
    expect(err.code).toBe(502);
    expect(err.message).toMatch(/^502 Upstream .* returned 502 for model gpt-4o-mini/);
    expect(attempts()).toBe(3);
    await expectJournal(node, 'upstream down', 'upstream_error', 3);
    await expectNothingCharged(node);
  });

  it('upstream_error 424 → UPSTREAM_UNAVAILABLE with X-Routstr-Error-Scope: upstream, a plain APIError, not retried', async () => {
    const { node, client, attempts } = await rig([chatFault('scoped', { type: 'upstream_error', status: 424 })]);
    const err = (await failure(client.chat.completions.create(ask))) as APIError;
    expectExactly(err, APIError);
    expect(err.status).toBe(424);
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.headers!.get('x-routstr-error-scope')).toBe('upstream');
    expect((err.error as { details?: { upstream_status?: number } }).details?.upstream_status).toBe(502);
    expect(attempts()).toBe(1);
    await expectJournal(node, 'scoped', 'upstream_error', 1);
    await expectNothingCharged(node);
  });

  it('invalid_api_key → AuthenticationError, 1 attempt', async () => {
    const { node, client, attempts } = await rig([chatFault('bad key', { type: 'invalid_api_key' })]);
    const err = (await failure(client.chat.completions.create(ask))) as AuthenticationError;
    expectExactly(err, AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_api_key');
    expect(attempts()).toBe(1);
    await expectJournal(node, 'bad key', 'invalid_api_key', 1);
    await expectNothingCharged(node);
  });

  it('key_expired → PermissionDeniedError, 1 attempt', async () => {
    const { node, client, attempts } = await rig([chatFault('expired', { type: 'key_expired' })]);
    const err = (await failure(client.chat.completions.create(ask))) as PermissionDeniedError;
    expectExactly(err, PermissionDeniedError);
    expect(err.status).toBe(403);
    expect(err.code).toBe('key_expired');
    expect(err.message).toBe('403 API key has expired (validity date reached).');
    expect(attempts()).toBe(1);
    await expectJournal(node, 'expired', 'key_expired', 1);
    await expectNothingCharged(node);
  });

  it('invalid_model → BadRequestError with type invalid_model, 1 attempt', async () => {
    const { node, client, attempts } = await rig([chatFault('no model', { type: 'invalid_model' })]);
    const err = (await failure(client.chat.completions.create(ask))) as BadRequestError;
    expectExactly(err, BadRequestError);
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_model');
    expect(err.message).toBe("400 Model 'gpt-4o-mini' not found");
    expect(attempts()).toBe(1);
    await expectJournal(node, 'no model', 'invalid_model', 1);
    await expectNothingCharged(node);
  });

  it('disconnect before the headers → APIConnectionError after 3 attempts', async () => {
    const { node, client, attempts } = await rig([chatFault('cut', { type: 'disconnect' })]);
    const err = await failure(client.chat.completions.create(ask));
    expectExactly(err, APIConnectionError);
    expect((err as Error).message).toBe('Connection error.');
    expect(attempts()).toBe(3);
    const entries = await expectJournal(node, 'cut', 'disconnect', 3);
    for (const e of entries) expect(e.status).toBe(0);
    await expectNothingCharged(node);
  });

  it('malformed JSON body → SyntaxError from the SDK, not retried', async () => {
    const { node, client, attempts } = await rig([chatFault('garbled', { type: 'malformed' })]);
    const err = await failure(client.chat.completions.create(ask));
    expect(err).toBeInstanceOf(SyntaxError);
    expect(attempts()).toBe(1);
    const [entry] = await expectJournal(node, 'garbled', 'malformed', 1);
    expect(entry!.status).toBe(200);
    await expectNothingCharged(node);
  });

  it('a stream fault on a request that does not stream acts before the headers', async () => {
    const { client, attempts } = await rig([chatFault('cut', { type: 'stream_error', after_chunks: 2 })]);
    const err = await failure(client.chat.completions.create(ask));
    expectExactly(err, InternalServerError);
    expect(attempts()).toBe(3);
  });
});

describe('status: any code, body and headers', () => {
  it('a custom status, body and header reach the SDK as they are', async () => {
    const body = { error: { message: 'I am a teapot', type: 'teapot_error', code: 'short_and_stout', param: null } };
    const { node, client, attempts } = await rig([chatFault('teapot', { type: 'status', status: 418, body, headers: { 'x-teapot': 'yes' } })]);
    const err = (await failure(client.chat.completions.create(ask))) as APIError;
    expectExactly(err, APIError);
    expect(err.status).toBe(418);
    expect(err.message).toBe('418 I am a teapot');
    expect(err.error).toEqual(body.error);
    expect(err.code).toBe('short_and_stout');
    expect(err.headers!.get('x-teapot')).toBe('yes');
    expect(attempts()).toBe(1);
    await expectJournal(node, 'teapot', 'status', 1);
    await expectNothingCharged(node);
  });

  it('503 with retry-after-ms: 5 → InternalServerError after 3 quick attempts', async () => {
    const { node, client, attempts, retryWaits } = await rig([chatFault('busy', { type: 'status', status: 503, headers: { 'retry-after-ms': '5' } })]);
    const err = (await failure(client.chat.completions.create(ask))) as InternalServerError;
    expectExactly(err, InternalServerError);
    expect(err.status).toBe(503);
    expect(err.message).toBe('503 Injected status 503');
    expect(attempts()).toBe(3);
    expect(sum(retryWaits())).toBeLessThan(1000);
    await expectJournal(node, 'busy', 'status', 3);
  });

  it('x-should-retry overrides the status rule both ways', async () => {
    const retried = await rig([chatFault('retry 400', { type: 'status', status: 400, headers: { 'x-should-retry': 'true', 'retry-after-ms': '5' } })]);
    expectExactly(await failure(retried.client.chat.completions.create(ask)), BadRequestError);
    expect(retried.attempts()).toBe(3);
    const final = await rig([chatFault('final 500', { type: 'status', status: 500, headers: { 'x-should-retry': 'false' } })]);
    expectExactly(await failure(final.client.chat.completions.create(ask)), InternalServerError);
    expect(final.attempts()).toBe(1);
  });

  it('a non-JSON 502 body becomes the message (raw text)', async () => {
    const { client, attempts } = await rig([
      chatFault('html', { type: 'status', status: 502, body: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html', 'retry-after-ms': '5' } }),
    ]);
    const err = (await failure(client.chat.completions.create(ask))) as InternalServerError;
    expectExactly(err, InternalServerError);
    expect(err.message).toBe('502 <html>Bad Gateway</html>');
    expect(err.error).toBeUndefined();
    expect(attempts()).toBe(3);
  });

  it('a JSON body without an `error` key: SDK 6.49 leaves err.error undefined and says "(no body)"', async () => {
    // §2.4: 7.5+ wraps such a body as {error: body} and uses its JSON as the message; 6.49 does not.
    const body = { detail: { reason: 'Insufficient balance', amount_required_msat: 1234, type: 'minimum_balance_required' } };
    const { client, attempts } = await rig([chatFault('detail only', { type: 'status', status: 402, body })]);
    const err = (await failure(client.chat.completions.create(ask))) as APIError;
    expectExactly(err, APIError);
    expect(err.error).toBeUndefined();
    expect(err.code).toBeUndefined();
    expect(err.message).toBe('402 status code (no body)');
    expect(attempts()).toBe(1);
  });
});

describe('faults inside a stream', () => {
  const stream = () => ({ ...ask, stream: true as const });

  it('disconnect after 3 chunks → TypeError "terminated" after exactly 3 chunks, not retried, reservation released', async () => {
    const { node, client, attempts } = await rig([chatFault('drop', { type: 'disconnect', after_chunks: 3 })]);
    const { chunks, error } = await drain(await client.chat.completions.create(stream()));
    expect(chunks).toHaveLength(3);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
    expect(error).not.toBeInstanceOf(APIError);
    expect(attempts()).toBe(1);
    const [entry] = await expectJournal(node, 'drop', 'disconnect', 1);
    expect(entry!.status).toBe(200);
    expect(entry!.outcome).toBe('faulted');
    await expectNothingCharged(node);
  });

  it('disconnect at chunk 0 comes after the headers: TypeError "terminated" with no chunk, not a connection error', async () => {
    const { node, client, attempts } = await rig([chatFault('drop', { type: 'disconnect', after_chunks: 0 })]);
    const { chunks, error } = await drain(await client.chat.completions.create(stream()));
    expect(chunks).toHaveLength(0);
    expect((error as Error).message).toBe('terminated');
    expect(attempts()).toBe(1);
    await expectJournal(node, 'drop', 'disconnect', 1);
    await expectNothingCharged(node);
  });

  it('malformed frame after 2 chunks → SyntaxError after exactly 2 chunks, reservation released', async () => {
    const { node, client, attempts } = await rig([chatFault('garbled frame', { type: 'malformed', after_chunks: 2 })]);
    const { chunks, error } = await drain(await client.chat.completions.create(stream()));
    expect(chunks).toHaveLength(2);
    // SDK 6.49 rethrows JSON.parse's own SyntaxError; 7.5+ throws "malformed server-sent event JSON".
    expect(error).toBeInstanceOf(SyntaxError);
    expect(attempts()).toBe(1);
    const [entry] = await expectJournal(node, 'garbled frame', 'malformed', 1);
    expect(entry!.outcome).toBe('faulted');
    await expectNothingCharged(node);
  });

  it("stream_error after 2 chunks → APIError with status undefined and the frame's message and code", async () => {
    const { node, client, attempts } = await rig([
      chatFault('frame', { type: 'stream_error', after_chunks: 2, message: 'Upstream provider closed the stream', code: 'upstream_stream_closed' }),
    ]);
    const { chunks, error } = await drain(await client.chat.completions.create(stream()));
    expect(chunks).toHaveLength(2);
    expectExactly(error, APIError);
    const err = error as APIError;
    expect(err.status).toBeUndefined();
    expect(err.message).toBe('Upstream provider closed the stream');
    expect(err.code).toBe('upstream_stream_closed');
    expect(err.type).toBe('upstream_error');
    expect(attempts()).toBe(1);
    const [entry] = await expectJournal(node, 'frame', 'stream_error', 1);
    expect(entry!.outcome).toBe('faulted');
    await expectNothingCharged(node);
  });

  it('stream_error with defaults, right at the start (after_chunks omitted)', async () => {
    const { node, client } = await rig([chatFault('frame', { type: 'stream_error' })]);
    const { chunks, error } = await drain(await client.chat.completions.create(stream()));
    expect(chunks).toHaveLength(0);
    expect((error as APIError).message).toBe('Upstream stream interrupted');
    expect((error as APIError).code).toBe('stream_error');
    await expectNothingCharged(node);
  });

  it('timeout (stall) after 2 chunks: the SDK has no stream timeout; an abort ends it and the reservation is released', async () => {
    const { node, client, attempts } = await rig([chatFault('stall', { type: 'timeout', after_chunks: 2 })], { timeout: 100 });
    const abort = new AbortController();
    const start = performance.now();
    const s = await client.chat.completions.create(stream(), { signal: abort.signal });
    setTimeout(() => abort.abort(), 400);
    const { chunks, error } = await drain(s);
    const elapsed = performance.now() - start;
    expect(chunks).toHaveLength(2);
    // Stalled well past the 100 ms client timeout, which only covers the headers (§2.6).
    expect(elapsed).toBeGreaterThanOrEqual(390);
    // The SDK swallows the abort of a stream it is reading.
    expect(error).toBeUndefined();
    expect(attempts()).toBe(1);
    const [entry] = await expectJournal(node, 'stall', 'timeout', 1);
    expect(entry!.outcome).toBe('faulted');
    await expectNothingCharged(node);
  });

  it('timeout (pause) after 2 chunks for 300 ms, then the stream goes on to the end and is charged', async () => {
    const { node, client, attempts } = await rig([chatFault('pause', { type: 'timeout', mode: 'delay', delay_ms: 300, after_chunks: 2 })]);
    const { chunks, at, error } = await drain(await client.chat.completions.create(stream()));
    expect(error).toBeUndefined();
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(280);
    // No pause before the second chunk (a 300 ms one would show there).
    expect(at[1]!).toBeLessThan(280);
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.completion_tokens).toBeGreaterThan(0);
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(attempts()).toBe(1);
    const [entry] = await expectJournal(node, 'pause', 'timeout', 1);
    expect(entry!.outcome).toBe('completed');
    expect(entry!.cost_msats).toBeGreaterThan(0);
    expect(node.ledgerTotals().charged).toBe(entry!.cost_msats);
    expect(node.ledgerTotals().reserved).toBe(0);
  });

  it('a stream fault set after more chunks than the stream has still fires, before [DONE]', async () => {
    const { node, client } = await rig([chatFault('late', { type: 'stream_error', after_chunks: 100_000 })]);
    const { chunks, error } = await drain(await client.chat.completions.create(stream()));
    expect(chunks.length).toBeGreaterThan(2);
    expectExactly(error, APIError);
    const [entry] = await expectJournal(node, 'late', 'stream_error', 1);
    expect(entry!.outcome).toBe('faulted');
  });
});

describe('reply rules', () => {
  it('content, finish_reason and usage are what the SDK returns, and the cost follows the stated usage', async () => {
    const { node, client } = await rig([
      {
        name: 'scripted',
        when: { path: CHAT, message: 'lighthouse' },
        reply: { content: 'A scripted answer.', finish_reason: 'length', usage: { prompt_tokens: 1000, completion_tokens: 2000 } },
      },
    ]);
    const r = await client.chat.completions.create(ask);
    expect(r.choices[0]!.message.content).toBe('A scripted answer.');
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 2000, total_tokens: 3000 });
    // gpt-4o-mini: 150 sats per million prompt tokens, 600 per million completion tokens.
    const expectedMsats = 1000 * 0.15 + 2000 * 0.6;
    const [entry] = await closedJournal(node);
    expect(entry!.rule).toBe('scripted');
    expect(entry!.fault).toBeUndefined();
    expect(entry!.cost_msats).toBe(expectedMsats);
    expect(node.ledgerTotals().charged).toBe(expectedMsats);
    const info = (await (await fetch(`${node.url}/balance/info`, { headers: { authorization: 'Bearer sk-test' } })).json()) as { balance: number };
    expect(info.balance).toBe(INITIAL_MSATS - expectedMsats);
    // The streamed answer carries the same content and the same cost in its final chunk.
    const { chunks } = await drain(await client.chat.completions.create({ ...ask, stream: true }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('A scripted answer.');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('length');
    expect(chunks[chunks.length - 1]!.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 2000 });
    await closedJournal(node);
    expect(node.ledgerTotals().charged).toBe(2 * expectedMsats);
  });

  it('tool_calls with arguments are returned as given; without arguments they are generated from the declared schema', async () => {
    const { client } = await rig([
      {
        name: 'given',
        when: { path: CHAT, message: 'Tokyo' },
        reply: { tool_calls: [{ name: 'get_weather', arguments: { location: 'Tokyo', unit: 'celsius' } }] },
      },
      { name: 'generated', when: { path: CHAT, tools: ['get_weather'] }, reply: { tool_calls: [{ name: 'get_weather' }] } },
    ]);
    const given = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather in Tokyo?' }],
    });
    const call = given.choices[0]!.message.tool_calls![0]!;
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Tokyo', unit: 'celsius' });
    expect(call.id).toMatch(/^call_/);
    expect(given.choices[0]!.finish_reason).toBe('tool_calls');
    expect(given.choices[0]!.message.content).toBeNull();

    // Streamed through the SDK's stream helper, which checks tool-call assembly (§2.8).
    const final = await client.chat.completions
      .stream({ model: 'gpt-4o-mini', tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Lisbon?' }] })
      .finalChatCompletion();
    const generated = final.choices[0]!.message.tool_calls![0]!;
    if (generated.type !== 'function') throw new Error('expected a function call');
    expect(generated.function.name).toBe('get_weather');
    const args = JSON.parse(generated.function.arguments) as { location: unknown; unit?: unknown };
    expect(typeof args.location).toBe('string');
    if (args.unit !== undefined) expect(['celsius', 'fahrenheit']).toContain(args.unit);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('reply delay_ms holds the answer back', async () => {
    const { client } = await rig([{ name: 'slow reply', when: { path: CHAT }, reply: { content: 'late', delay_ms: 200 } }]);
    const start = performance.now();
    const r = await client.chat.completions.create(ask);
    expect(performance.now() - start).toBeGreaterThanOrEqual(195);
    expect(r.choices[0]!.message.content).toBe('late');
  });
});

describe('when a rule fires: counters, sessions, probability', () => {
  /** Statuses of `n` chat requests in a row (418 = the rule fired). */
  async function statuses(node: MockNode, n: number, headers: Record<string, string> = {}): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await postJson(`${node.url}/chat/completions`, ask, headers)).status);
    return out;
  }
  const teapot: FaultSpec = { type: 'status', status: 418 };
  const on = (c: string): RuleSpec['when'] => ({ path: CHAT, header: { 'x-case': c } });

  it('nth, every, first, after and times pick the right requests', async () => {
    const { node } = await rig([
      { name: 'nth', when: { ...on('nth'), nth: 2 }, fault: teapot },
      { name: 'every', when: { ...on('every'), nth: { every: 3 } }, fault: teapot },
      { name: 'first', when: { ...on('first'), nth: { first: 2 } }, fault: teapot },
      { name: 'after', when: { ...on('after'), nth: { after: 2 } }, fault: teapot },
      { name: 'window', when: { ...on('window'), nth: { after: 1, every: 2, first: 6 } }, fault: teapot },
      { name: 'times', when: on('times'), fault: teapot, times: 2 },
    ]);
    expect(await statuses(node, 4, { 'x-case': 'nth' })).toEqual([200, 418, 200, 200]);
    expect(await statuses(node, 7, { 'x-case': 'every' })).toEqual([200, 200, 418, 200, 200, 418, 200]);
    expect(await statuses(node, 4, { 'x-case': 'first' })).toEqual([418, 418, 200, 200]);
    expect(await statuses(node, 4, { 'x-case': 'after' })).toEqual([200, 200, 418, 418]);
    expect(await statuses(node, 8, { 'x-case': 'window' })).toEqual([200, 418, 200, 418, 200, 418, 200, 200]);
    expect(await statuses(node, 4, { 'x-case': 'times' })).toEqual([418, 418, 200, 200]);
    const faulted = node.journal().filter((e) => e.fault === 'status');
    expect(faulted.map((e) => e.rule)).toEqual(['nth', 'every', 'every', 'first', 'first', 'after', 'after', 'window', 'window', 'window', 'times', 'times']);
  });

  it('per: session keeps nth and times counters apart for each x-mock-session', async () => {
    const { node } = await rig([
      { name: 'second per session', when: { ...on('nth'), nth: 2 }, fault: teapot, per: 'session' },
      { name: 'once per session', when: on('times'), fault: teapot, times: 1, per: 'session' },
      { name: 'second overall', when: { ...on('global'), nth: 2 }, fault: teapot },
    ]);
    const seq: [string, number][] = [];
    for (const session of ['a', 'b', 'a', 'b', 'a', 'b']) seq.push([session, (await statuses(node, 1, { 'x-case': 'nth', 'x-mock-session': session }))[0]!]);
    expect(seq).toEqual([
      ['a', 200],
      ['b', 200],
      ['a', 418],
      ['b', 418],
      ['a', 200],
      ['b', 200],
    ]);
    expect(await statuses(node, 2, { 'x-case': 'times', 'x-mock-session': 'a' })).toEqual([418, 200]);
    expect(await statuses(node, 2, { 'x-case': 'times', 'x-mock-session': 'b' })).toEqual([418, 200]);
    expect(await statuses(node, 2, { 'x-case': 'times' })).toEqual([418, 200]);
    // Without per, sessions share one counter.
    expect(await statuses(node, 1, { 'x-case': 'global', 'x-mock-session': 'a' })).toEqual([200]);
    expect(await statuses(node, 1, { 'x-case': 'global', 'x-mock-session': 'b' })).toEqual([418]);
  });

  it('per: key counts each key on its own', async () => {
    const { node } = await rig([{ name: 'second per key', when: { path: CHAT, nth: 2 }, fault: teapot, per: 'key' }]);
    const created = (await (await postJson(`${node.origin}/__mock/keys`, { balance_msats: 10_000_000 })).json()) as { key: string };
    const other = { authorization: `Bearer ${created.key}` };
    expect([...(await statuses(node, 1)), ...(await statuses(node, 1, other)), ...(await statuses(node, 1)), ...(await statuses(node, 1, other))]).toEqual([
      200, 200, 418, 418,
    ]);
  });

  it('probability: 0.3 with a seed gives the same decisions on a fresh node; another seed, other decisions', async () => {
    const rules: RuleSpec[] = [{ name: 'flaky', when: { path: CHAT, probability: 0.3 }, fault: teapot }];
    const decisions = async (seed: number) => {
      const { node } = await rig(rules, {}, seed);
      return (await statuses(node, 30)).map((s) => (s === 418 ? 'F' : '.')).join('');
    };
    const first = await decisions(7);
    const again = await decisions(7);
    const other = await decisions(8);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    // Roughly 30 %: some fire and most do not.
    const fired = [...first].filter((c) => c === 'F').length;
    expect(fired).toBeGreaterThanOrEqual(3);
    expect(fired).toBeLessThanOrEqual(18);
  });

  it('the first matching rule that fires wins; a rule that does not fire lets the next one decide', async () => {
    const { node } = await rig([
      { name: 'only the 2nd', when: { path: CHAT, nth: 2 }, fault: { type: 'status', status: 418 } },
      { name: 'fallback', when: { path: CHAT }, fault: { type: 'status', status: 409, headers: { 'x-should-retry': 'false' } } },
    ]);
    expect(await statuses(node, 3)).toEqual([409, 418, 409]);
    expect(node.journal().map((e) => e.rule)).toEqual(['fallback', 'only the 2nd', 'fallback']);
  });
});
