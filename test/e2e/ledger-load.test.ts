/**
 * The ledger under load with faults: 500 concurrent requests over 10 keys, a seeded share of them
 * failing before the headers or mid-stream, a share of the clients aborting, one Cashu token
 * redeemed by many requests at once. Afterwards every msat is accounted for, per key and in
 * total, nothing stays reserved, no balance is negative and no token is credited twice.
 * Only outcomes and the books are asserted, never timing.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MockNode } from '../../src/index.ts';
import { decodeToken, mintToken } from '../../src/payment/cashu.ts';
import { type JsonReply, callNode, startTestNode, type TestNode } from '../helpers/node.ts';

const KEYS = Array.from({ length: 10 }, (_, i) => `sk-load-${i}`);
const INITIAL = 20_000_000;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({
    seed: 11,
    stream: { ttft_ms: 5, tokens_per_second: 400, chunk_tokens: 1, usage_chunk: 'always' },
    keys: KEYS.map((key) => ({ key, balance_msats: INITIAL })),
    rules: [
      { name: 'upstream 502', when: { path: '/v1/chat/completions', probability: 0.08 }, fault: { type: 'upstream_error', status: 502 } },
      { name: 'throttled', when: { path: '/v1/chat/completions', probability: 0.05 }, fault: { type: 'rate_limit', retry_after_s: 1 } },
      { name: 'dropped stream', when: { path: '/v1/chat/completions', stream: true, probability: 0.1 }, fault: { type: 'disconnect', after_chunks: 3 } },
      { name: 'error frame', when: { path: '/v1/chat/completions', stream: true, probability: 0.1 }, fault: { type: 'stream_error', after_chunks: 2 } },
    ],
  });
});
afterAll(() => t.close());

type Outcome = { kind: 'reply'; key: string; reply: JsonReply } | { kind: 'aborted'; key: string } | { kind: 'dropped'; key: string };

/** A streamed chat the client abandons after its first bytes. */
async function abandon(node: MockNode, key: string): Promise<Outcome> {
  const controller = new AbortController();
  try {
    const res = await fetch(`${node.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(key) },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, max_tokens: 300, messages: [{ role: 'user', content: 'Write a long story about the sea.' }] }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.read().catch(() => undefined);
  } catch {
    // a fault may have ended it first; the books must not care
  }
  return { kind: 'aborted', key };
}

async function chat(node: MockNode, key: string, extra: Record<string, unknown>): Promise<Outcome> {
  try {
    const reply = await callNode(node, '/v1/chat/completions', {
      body: { model: 'gpt-4o-mini', max_tokens: 30, messages: [{ role: 'user', content: `Tell me about the sea, ${key}` }], ...extra },
      headers: bearer(key),
    });
    return { kind: 'reply', key, reply };
  } catch {
    // a disconnect fault drops the connection mid-stream
    return { kind: 'dropped', key };
  }
}

async function settled(node: MockNode): Promise<void> {
  for (let i = 0; i < 400 && node.ledgerTotals().openReservations > 0; i++) await new Promise((r) => setTimeout(r, 25));
}

describe('500 concurrent requests over 10 keys, with faults and client aborts', () => {
  it('keeps the books exact per key and in total; nothing reserved, nothing negative, no token credited twice', async () => {
    const node = t.node;
    const shared = mintToken({ amount: 5000, unit: 'sat', mint: node.scenario().node.mints[0]! });
    const sharedKey = `sk-${createHash('sha256').update(shared, 'utf8').digest('hex')}`;
    const before = node.ledgerTotals();

    const tasks: Promise<Outcome>[] = [];
    for (let i = 0; i < 470; i++) {
      const key = KEYS[i % KEYS.length]!;
      const kind = i % 10;
      if (kind < 5) tasks.push(chat(node, key, {}));
      else if (kind < 8) tasks.push(chat(node, key, { stream: true, max_tokens: 12 }));
      else if (kind === 8) tasks.push(abandon(node, key));
      else tasks.push(chat(node, key, { temperature: 7 })); // invalid: refused, never charged
    }
    // One Cashu token used as a Bearer credential by 30 requests at once: one account, credited once.
    for (let i = 0; i < 30; i++) tasks.push(chat(node, shared, {}));
    const outcomes = await Promise.all(tasks);
    await settled(node);

    // Every request ended as something the node says it can produce.
    for (const o of outcomes) {
      if (o.kind !== 'reply') continue;
      expect([200, 400, 402, 429, 502], `${o.reply.status} ${o.reply.text.slice(0, 200)}`).toContain(o.reply.status);
    }
    const statuses = outcomes.filter((o): o is Extract<Outcome, { kind: 'reply' }> => o.kind === 'reply').map((o) => o.reply.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(200);
    expect(statuses.filter((s) => s === 502).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);

    const after = node.ledgerTotals();
    expect(after.reserved).toBe(0);
    expect(after.openReservations).toBe(0);
    expect(after.initial + after.credited - after.charged - after.refunded).toBe(after.balances);
    expect(after.credited - before.credited).toBe(decodeToken(shared).amountMsats);

    // Per key: nothing negative, and what left the balances is exactly what the ledger charged.
    let total = 0;
    for (const key of [...KEYS, sharedKey]) {
      const info = await callNode(node, '/v1/balance/info', { headers: bearer(key) });
      expect(info.status).toBe(200);
      const balance = info.body.balance as number;
      expect(balance).toBeGreaterThanOrEqual(0);
      const start = key === sharedKey ? decodeToken(shared).amountMsats : INITIAL;
      const spent = start - balance;
      total += spent;
      expect(spent, key).toBeGreaterThanOrEqual(0);
    }
    expect(total).toBe(after.charged - before.charged);
  });
});
