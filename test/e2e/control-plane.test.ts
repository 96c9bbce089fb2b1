import OpenAI, { RateLimitError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockNode, startMockNode } from '../../src/index.ts';
import { isLoopback } from '../../src/node/control.ts';
import type { JournalEntry } from '../../src/node/journal.ts';
import { mintToken } from '../../src/payment/cashu.ts';
import type { LedgerTotals } from '../../src/payment/ledger.ts';
import { FAST_STREAM, postJson } from '../helpers/node.ts';

/**
 * The control plane under /__mock/: journal (filters, redaction), reset, scenario loading, funded
 * keys, queued one-shot faults, ledger totals, and who may call it (loopback, or the control token).
 */

const INITIAL_MSATS = 100_000_000;
const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Tell me about lighthouses' }] };

const running: MockNode[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.close()));
});

async function start(scenario: Record<string, unknown> = {}, options: { controlToken?: string } = {}): Promise<{ node: MockNode; client: OpenAI }> {
  const node = await startMockNode({ port: 0, scenario: { version: 1, stream: FAST_STREAM, ...scenario }, ...options });
  running.push(node);
  return { node, client: new OpenAI({ apiKey: 'sk-test', baseURL: node.url, maxRetries: 0, logLevel: 'off' }) };
}

/** A control-plane call; JSON bodies are sent as JSON, strings as they are (with the content type given). */
async function control(
  node: MockNode,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${node.origin}/__mock${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': typeof body === 'string' ? 'text/yaml' : 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function journal(node: MockNode, query = ''): Promise<JournalEntry[]> {
  const r = await control(node, 'GET', `/journal${query}`);
  expect(r.status).toBe(200);
  return (r.json as { entries: JournalEntry[] }).entries;
}

/** Waits until every journalled request has closed (status and duration are set on close). */
async function settled(node: MockNode): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (node.journal().every((e) => e.duration_ms !== undefined)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('requests did not close');
}

async function balanceOf(node: MockNode, key: string): Promise<{ status: number; balance?: number; reserved?: number }> {
  const res = await fetch(`${node.url}/balance/info`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as { balance?: number; reserved?: number };
  return { status: res.status, ...body };
}

describe('GET /__mock/journal', () => {
  it('filters by path, status, rule, fault, model, since and limit', async () => {
    const { node, client } = await start({
      rules: [{ name: 'no gpt-4', when: { path: '/v1/chat/completions', model: 'gpt-4' }, fault: { type: 'invalid_model' } }],
    });
    await client.chat.completions.create(ask);
    await expect(client.chat.completions.create({ ...ask, model: 'gpt-4' })).rejects.toThrow(/not found/);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    await client.models.list();
    await settled(node);

    const all = await journal(node);
    expect(all.map((e) => e.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions', '/v1/embeddings', '/v1/models']);
    expect(all[0]).toMatchObject({ method: 'POST', model: 'gpt-4o-mini', status: 200, retry_count: 0, outcome: 'completed' });
    expect(all[0]!.cost_msats).toBeGreaterThan(0);
    expect(all[1]).toMatchObject({ model: 'gpt-4', status: 400, rule: 'no gpt-4', fault: 'invalid_model', outcome: 'faulted' });

    expect((await journal(node, '?path=/v1/chat/completions')).map((e) => e.model)).toEqual(['gpt-4o-mini', 'gpt-4']);
    // With or without the /v1 prefix.
    expect(await journal(node, '?path=/chat/completions')).toHaveLength(2);
    expect((await journal(node, '?status=400')).map((e) => e.model)).toEqual(['gpt-4']);
    expect((await journal(node, '?status=200')).map((e) => e.path)).toEqual(['/v1/chat/completions', '/v1/embeddings', '/v1/models']);
    expect((await journal(node, `?rule=${encodeURIComponent('no gpt-4')}`)).map((e) => e.model)).toEqual(['gpt-4']);
    expect((await journal(node, '?fault=invalid_model')).map((e) => e.status)).toEqual([400]);
    expect(await journal(node, '?fault=rate_limit')).toEqual([]);
    expect((await journal(node, '?model=text-embedding-3-small')).map((e) => e.path)).toEqual(['/v1/embeddings']);
    expect((await journal(node, `?since=${encodeURIComponent(between)}`)).map((e) => e.path)).toEqual(['/v1/embeddings', '/v1/models']);
    expect(await journal(node, `?since=${Date.parse(between)}`)).toHaveLength(2);
    expect((await journal(node, '?limit=2')).map((e) => e.path)).toEqual(['/v1/embeddings', '/v1/models']);
    expect((await journal(node, '?path=/v1/chat/completions&status=200&limit=5')).map((e) => e.model)).toEqual(['gpt-4o-mini']);
    // Control-plane calls are not journalled.
    expect(all.some((e) => e.path.startsWith('/__mock'))).toBe(false);
  });

  it('refuses bad filter values with a clear message', async () => {
    const { node } = await start();
    for (const [query, wanted] of [
      ['?limit=0', /limit must be a positive integer/],
      ['?limit=abc', /limit must be a positive integer/],
      ['?status=ok', /status must be an HTTP status code/],
      ['?since=yesterday', /since must be an ISO time or epoch milliseconds/],
    ] as const) {
      const r = await control(node, 'GET', `/journal${query}`);
      expect(r.status, query).toBe(400);
      expect(r.json.error.message).toMatch(wanted);
    }
  });

  it('never shows a full credential: sk- keys, Bearer cashu tokens and X-Cashu tokens are redacted', async () => {
    const { node } = await start();
    const created = (await control(node, 'POST', '/keys', { balance_msats: 5_000_000 })).json as { key: string };
    const mint = node.scenario().node.mints[0]!;
    const bearerToken = mintToken({ amount: 2_000, unit: 'sat', mint });
    const xcashuToken = mintToken({ amount: 2_000, unit: 'sat', mint, format: 'A' });
    const secrets = ['sk-test', created.key, bearerToken, xcashuToken];

    expect((await postJson(`${node.url}/chat/completions`, ask)).status).toBe(200);
    expect((await postJson(`${node.url}/chat/completions`, ask, { authorization: `Bearer ${created.key}` })).status).toBe(200);
    expect((await postJson(`${node.url}/chat/completions`, ask, { authorization: `Bearer ${bearerToken}` })).status).toBe(200);
    const xcashu = await fetch(`${node.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-cashu': xcashuToken },
      body: JSON.stringify(ask),
    });
    expect(xcashu.status).toBe(200);
    // Change and refund tokens come back in responses; they must not reach the journal either.
    const change = xcashu.headers.get('x-cashu');
    if (change) secrets.push(change);
    await xcashu.text();
    expect((await balanceOf(node, created.key)).status).toBe(200);
    await settled(node);

    const r = await control(node, 'GET', '/journal');
    const entries = (r.json as { entries: JournalEntry[] }).entries;
    expect(entries).toHaveLength(5);
    for (const secret of secrets) expect(r.text).not.toContain(secret);
    // No full-looking credential of any kind anywhere in the JSON.
    expect(r.text).not.toMatch(/sk-[0-9a-f]{20,}/);
    expect(r.text).not.toMatch(/cashu[AB][A-Za-z0-9_-]{20,}/);
    // Still enough to tell the callers apart (the created key calls twice).
    expect(new Set(entries.map((e) => e.key)).size).toBe(4);
    expect(entries[4]!.key).toBe(entries[1]!.key);
    expect(entries[2]!.key).toMatch(/^cashuB…\(\d+ chars\)$/);
    expect(entries[3]!.key).toMatch(/^cashuA…\(\d+ chars\)$/);
  });

  it('DELETE /__mock/journal empties it', async () => {
    const { node, client } = await start();
    await client.models.list();
    expect(await journal(node)).toHaveLength(1);
    expect((await control(node, 'DELETE', '/journal')).json).toEqual({ ok: true });
    expect(await journal(node)).toEqual([]);
    await client.models.list();
    expect(await journal(node)).toHaveLength(1);
  });
});

describe('POST /__mock/reset', () => {
  it('puts balances back to the scenario’s, restarts counters and drops created keys, queued faults and the journal', async () => {
    const { node, client } = await start({
      rules: [{ name: 'second', when: { path: '/v1/chat/completions', nth: 2 }, fault: { type: 'status', status: 418 } }],
    });
    const created = (await control(node, 'POST', '/keys', { balance_msats: 1_000_000 })).json as { key: string };
    await client.chat.completions.create(ask);
    await expect(client.chat.completions.create(ask)).rejects.toMatchObject({ status: 418 });
    await client.chat.completions.create(ask);
    expect((await control(node, 'POST', '/faults', { fault: { type: 'invalid_api_key' }, count: 5, when: { path: '/v1/chat/completions' } })).status).toBe(200);
    await settled(node);
    expect((await balanceOf(node, 'sk-test')).balance).toBeLessThan(INITIAL_MSATS);

    expect((await control(node, 'POST', '/reset')).json).toEqual({ ok: true });
    expect(await journal(node)).toEqual([]);
    expect((await control(node, 'GET', '/faults')).json).toEqual({ queued: [] });
    expect((await balanceOf(node, 'sk-test')).balance).toBe(INITIAL_MSATS);
    expect((await balanceOf(node, created.key)).status).toBe(401);
    const totals = (await control(node, 'GET', '/ledger')).json as LedgerTotals;
    expect(totals).toMatchObject({ charged: 0, reserved: 0, balances: totals.initial });
    // The counter starts again: the 2nd request after the reset is the one that fails.
    await client.chat.completions.create(ask);
    await expect(client.chat.completions.create(ask)).rejects.toMatchObject({ status: 418 });
    await client.chat.completions.create(ask);
  });
});

describe('POST /__mock/scenario', () => {
  const yaml = `version: 1
name: from-yaml
stream: { ttft_ms: 0, tokens_per_second: 0 }
keys:
  - { key: sk-yaml, balance_msats: 7000000 }
rules:
  - name: yaml rule
    when: { path: /v1/chat/completions, message: /forbidden/i }
    fault: { type: key_expired }
`;

  it('loads YAML text (text/yaml): new keys, new rules, same node', async () => {
    const { node } = await start();
    const r = await control(node, 'POST', '/scenario', yaml);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, name: 'from-yaml', rules: 1 });
    expect(node.scenario().name).toBe('from-yaml');
    expect((await control(node, 'GET', '/scenario')).json.name).toBe('from-yaml');
    const client = new OpenAI({ apiKey: 'sk-yaml', baseURL: node.url, maxRetries: 0, logLevel: 'off' });
    expect((await client.chat.completions.create(ask)).choices[0]!.message.content).toBeTruthy();
    await expect(client.chat.completions.create({ ...ask, messages: [{ role: 'user', content: 'Something FORBIDDEN' }] })).rejects.toMatchObject({
      status: 403,
      code: 'key_expired',
    });
    // The keys section replaces the default one; sections it does not set (models) are inherited.
    expect((await balanceOf(node, 'sk-test')).status).toBe(401);
    expect((await balanceOf(node, 'sk-yaml')).balance).toBeLessThan(7_000_000);
    expect(node.scenario().models.some((m) => m.id === 'gpt-4o-mini')).toBe(true);
  });

  it('loads JSON (application/json)', async () => {
    const { node, client } = await start();
    const scenario = {
      version: 1,
      name: 'from-json',
      rules: [{ name: 'json rule', when: { path: '/v1/embeddings' }, fault: { type: 'status', status: 418 } }],
    };
    const r = await control(node, 'POST', '/scenario', scenario);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, name: 'from-json', rules: 1 });
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).rejects.toMatchObject({ status: 418 });
    await client.chat.completions.create(ask);
  });

  it('an invalid scenario → 400 with located problems, and the old scenario keeps answering', async () => {
    const { node, client } = await start({
      name: 'the-old-one',
      rules: [{ name: 'old rule', when: { path: '/v1/embeddings' }, fault: { type: 'status', status: 418 } }],
    });
    const bad = `version: 1
name: broken
rules:
  - when: { path: /v1/chat/completions }
    fault: { type: rate_limit, status: 500 }
  - fault: { type: melt_down }
`;
    const r = await control(node, 'POST', '/scenario', bad);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/invalid scenario/);
    const problems = r.json.error.problems as { line: number; col: number; message: string }[];
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(problems.some((p) => p.line === 6 && /must be one of/.test(p.message))).toBe(true);

    const alsoBad = await control(node, 'POST', '/scenario', {
      version: 1,
      rules: [{ when: { path: '/v1/chat/completions' }, fault: { type: 'rate_limit', status: 500 } }],
    });
    expect(alsoBad.status).toBe(400);
    expect(alsoBad.json.error.problems[0].message).toBe(
      'fault type "rate_limit" takes no "status" (it takes: retry_after_s, retry_after_ms, message, headers)',
    );

    // A one-line text body is YAML, never a file path or a shipped scenario's name.
    for (const text of ['/etc/passwd', 'default', 'version: 2']) {
      const one = await control(node, 'POST', '/scenario', text);
      expect(one.status, text).toBe(400);
      expect(JSON.stringify(one.json)).not.toContain('root:');
    }
    const notAnObject = await control(node, 'POST', '/scenario', [1, 2]);
    expect(notAnObject.status).toBe(400);

    expect(node.scenario().name).toBe('the-old-one');
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).rejects.toMatchObject({ status: 418 });
    await client.chat.completions.create(ask);
  });
});

describe('POST /__mock/keys', () => {
  it('creates a funded key usable at once, random or named', async () => {
    const { node } = await start();
    const random = await control(node, 'POST', '/keys', { balance_msats: 3_000_000 });
    expect(random.status).toBe(200);
    expect(random.json.key).toMatch(/^sk-[0-9a-f]{64}$/);
    expect(random.json.balance_msats).toBe(3_000_000);
    const client = new OpenAI({ apiKey: random.json.key, baseURL: node.url, maxRetries: 0, logLevel: 'off' });
    const r = await client.chat.completions.create(ask);
    expect(r.choices[0]!.message.content).toBeTruthy();
    await settled(node);
    const cost = node.journal()[0]!.cost_msats!;
    expect((await balanceOf(node, random.json.key)).balance).toBe(3_000_000 - cost);

    const named = await control(node, 'POST', '/keys', { key: 'sk-named-by-test', balance_msats: 1_234_000 });
    expect(named.json).toEqual({ key: 'sk-named-by-test', balance_msats: 1_234_000 });
    expect((await balanceOf(node, 'sk-named-by-test')).balance).toBe(1_234_000);
  });

  it('a key too poor for the reservation gets the real 402', async () => {
    const { node } = await start();
    const { key } = (await control(node, 'POST', '/keys', { balance_msats: 3 })).json as { key: string };
    const client = new OpenAI({ apiKey: key, baseURL: node.url, maxRetries: 0, logLevel: 'off' });
    await expect(client.chat.completions.create(ask)).rejects.toMatchObject({ status: 402, code: 'insufficient_balance' });
  });

  it('refuses a bad balance or key', async () => {
    const { node } = await start();
    for (const body of [
      { balance_msats: -1 },
      { balance_msats: 1.5 },
      { balance_msats: '100' },
      { key: 'not-a-key', balance_msats: 1 },
      { key: 42, balance_msats: 1 },
    ]) {
      const r = await control(node, 'POST', '/keys', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.message).toMatch(/balance_msats must be a non-negative integer|key must be an API key/);
    }
  });
});

describe('POST /__mock/faults', () => {
  const nextTwoChats = { fault: { type: 'rate_limit', retry_after_ms: 10 }, count: 2, when: { path: '/v1/chat/completions' } };

  it('"the next 2 chat requests fail with 429"; an embeddings request in between is not affected', async () => {
    const { node, client } = await start();
    const queued = await control(node, 'POST', '/faults', nextTwoChats);
    expect(queued.status).toBe(200);
    expect(queued.json.queued).toEqual([{ fault: nextTwoChats.fault, remaining: 2 }]);

    const first = await client.chat.completions.create(ask).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RateLimitError);
    expect((first as RateLimitError).headers.get('retry-after-ms')).toBe('10');
    const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'in between' });
    expect(embedding.data).toHaveLength(1);
    expect((await control(node, 'GET', '/faults')).json.queued).toEqual([{ fault: nextTwoChats.fault, remaining: 1 }]);
    await expect(client.chat.completions.create(ask)).rejects.toBeInstanceOf(RateLimitError);
    expect((await client.chat.completions.create(ask)).choices[0]!.message.content).toBeTruthy();
    expect((await control(node, 'GET', '/faults')).json.queued).toEqual([]);

    await settled(node);
    const entries = await journal(node);
    expect(entries.map((e) => [e.path, e.status, e.fault ?? null])).toEqual([
      ['/v1/chat/completions', 429, 'rate_limit'],
      ['/v1/embeddings', 200, null],
      ['/v1/chat/completions', 429, 'rate_limit'],
      ['/v1/chat/completions', 200, null],
    ]);
    expect(entries[0]!.rule).toBe('queued fault');
    expect((await journal(node, '?rule=queued%20fault')).map((e) => e.status)).toEqual([429, 429]);
  });

  it('with the SDK’s default retries, one call rides out both 429s (retry counts 0, 1, 2)', async () => {
    const { node } = await start();
    await control(node, 'POST', '/faults', nextTwoChats);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: node.url, logLevel: 'off' });
    const started = performance.now();
    const r = await client.chat.completions.create(ask);
    expect(r.choices[0]!.message.content).toBeTruthy();
    expect(performance.now() - started).toBeLessThan(1000);
    await settled(node);
    expect((await journal(node)).map((e) => [e.retry_count, e.status])).toEqual([
      [0, 429],
      [1, 429],
      [2, 200],
    ]);
  });

  it('queued faults come before the scenario’s rules, and count defaults to 1', async () => {
    const { node, client } = await start({
      rules: [{ name: 'scenario rule', when: { path: '/v1/chat/completions' }, fault: { type: 'status', status: 418 } }],
    });
    await control(node, 'POST', '/faults', { fault: { type: 'key_expired' } });
    await expect(client.chat.completions.create(ask)).rejects.toMatchObject({ status: 403 });
    await expect(client.chat.completions.create(ask)).rejects.toMatchObject({ status: 418 });
  });

  it('invalid queued faults → 400 with a clear message, and nothing is queued', async () => {
    const { node } = await start();
    const cases: [unknown, RegExp][] = [
      [{}, /body\.fault must be an object with a "type"/],
      [{ fault: 'rate_limit' }, /body\.fault must be an object with a "type"/],
      [{ fault: { type: 'melt_down' } }, /^\/fault\/type must be one of "insufficient_balance", "rate_limit"/],
      [{ fault: { retry_after_ms: 10 } }, /^\/fault is missing required key "type"/],
      [{ fault: { type: 'rate_limit', status: 500 } }, /^fault type "rate_limit" takes no "status"/],
      [{ fault: { type: 'rate_limit', retry_after_ms: -5 } }, /^\/fault\/retry_after_ms must be >= 0/],
      [{ fault: { type: 'rate_limit' }, when: { pth: '/v1/chat/completions' } }, /^unknown key "pth" in \/when/],
      [{ fault: { type: 'rate_limit' }, when: { message: '/(unclosed/' } }, /invalid regular expression/],
      [{ fault: { type: 'rate_limit' }, count: 0 }, /^count must be a positive integer/],
      [{ fault: { type: 'rate_limit' }, count: 'two' }, /^count must be a positive integer/],
    ];
    for (const [body, message] of cases) {
      const r = await control(node, 'POST', '/faults', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.message, JSON.stringify(body)).toMatch(message);
    }
    const notJson = await control(node, 'POST', '/faults', 'fault: rate_limit');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.message).toMatch(/send a JSON object/);
    expect((await control(node, 'GET', '/faults')).json).toEqual({ queued: [] });
  });
});

describe('GET /__mock/ledger', () => {
  it('adds up: initial + credited − charged − refunded = balances; nothing left reserved', async () => {
    const { node, client } = await start();
    const before = (await control(node, 'GET', '/ledger')).json as LedgerTotals;
    expect(before).toEqual({ initial: 2 * INITIAL_MSATS, credited: 0, charged: 0, refunded: 0, balances: 2 * INITIAL_MSATS, reserved: 0, openReservations: 0 });
    await client.chat.completions.create(ask);
    await control(node, 'POST', '/keys', { balance_msats: 5_000 });
    await settled(node);
    const after = (await control(node, 'GET', '/ledger')).json as LedgerTotals;
    expect(after.charged).toBe(node.journal()[0]!.cost_msats);
    expect(after.initial).toBe(2 * INITIAL_MSATS + 5_000);
    expect(after.balances).toBe(after.initial + after.credited - after.charged - after.refunded);
    expect(after).toMatchObject({ reserved: 0, openReservations: 0 });
    expect(after).toEqual(node.ledgerTotals());
  });
});

describe('who may call the control plane', () => {
  it('with a control token: 401 without it or with a wrong one; 200 with x-mock-control-token or Bearer', async () => {
    const { node, client } = await start({}, { controlToken: 't0ken' });
    for (const path of ['/journal', '/ledger', '/scenario', '/faults']) {
      const r = await control(node, 'GET', path);
      expect(r.status, path).toBe(401);
      expect(r.json.error.message).toMatch(/control token/);
    }
    expect((await control(node, 'POST', '/reset')).status).toBe(401);
    expect((await control(node, 'POST', '/keys', { balance_msats: 1 })).status).toBe(401);
    expect((await control(node, 'GET', '/journal', undefined, { 'x-mock-control-token': 'wrong' })).status).toBe(401);
    expect((await control(node, 'GET', '/journal', undefined, { authorization: 'Bearer t0ken-but-longer' })).status).toBe(401);
    // An API key is not the control token.
    expect((await control(node, 'GET', '/journal', undefined, { authorization: 'Bearer sk-test' })).status).toBe(401);

    expect((await control(node, 'GET', '/journal', undefined, { 'x-mock-control-token': 't0ken' })).status).toBe(200);
    expect((await control(node, 'GET', '/ledger', undefined, { authorization: 'Bearer t0ken' })).status).toBe(200);
    const created = await control(node, 'POST', '/keys', { balance_msats: 1_000 }, { 'x-mock-control-token': 't0ken' });
    expect(created.status).toBe(200);
    // The API itself needs no control token.
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
  });

  it('without a token, loopback callers are served', async () => {
    const { node } = await start();
    expect((await control(node, 'GET', '/health')).json).toEqual({ ok: true });
  });

  it('isLoopback: 127.0.0.0/8 and ::1 (also IPv4-mapped), nothing else', () => {
    for (const address of ['127.0.0.1', '127.255.255.254', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::FFFF:127.0.0.2']) {
      expect(isLoopback(address), address).toBe(true);
    }
    for (const address of [
      undefined,
      '',
      '0.0.0.0',
      '10.0.0.1',
      '192.168.1.10',
      '128.0.0.1',
      '::',
      '::2',
      '::ffff:10.0.0.1',
      '::ffff:7f00:1',
      'fe80::1',
      '127.0.0.1.evil.example',
      '1127.0.0.1',
      '127.0.0.256',
      'localhost',
    ]) {
      expect(isLoopback(address), String(address)).toBe(false);
    }
  });
});
