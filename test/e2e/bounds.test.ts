import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockNode, type MockNode } from '../../src/index.ts';
import { buildApp } from '../../src/node/app.ts';
import { NodeContext } from '../../src/node/context.ts';
import { Journal } from '../../src/node/journal.ts';
import { loadScenario } from '../../src/scenario/loader.ts';
import { heavyWorkSlots } from '../../src/limits/heavy-work.ts';
import { KEPT_TEXT_LONGEST } from '../../src/limits/client-strings.ts';
import type { Release } from '../../src/limits/semaphore.ts';
import { type Json, callNode, postJson } from '../helpers/node.ts';

/**
 * Issue 12: whatever a client sends, what the node keeps of it stays small, heavy work is capped
 * per node, and a client cannot hold a socket for ever by sending its request slowly.
 */

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

async function node(options: Parameters<typeof startMockNode>[0] = {}): Promise<MockNode> {
  const n = await startMockNode({ port: 0, ...options });
  open.push(n);
  return n;
}

/** Every string anywhere in a JSON value. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

describe('client strings the node keeps are bounded', () => {
  it('a 2 MiB model name, path, key and session are kept (journal, coverage) and quoted (errors) to a few hundred characters', async () => {
    const n = await node({
      scenario: { version: 1, rules: [{ name: 'only gpt-4o', when: { model: 'gpt-4o' }, per: 'session', fault: { type: 'status', status: 418 } }] },
    });
    const hugeModel = `m${'x'.repeat(2 * 1024 * 1024)}`;
    const hugeKey = `sk-${'k'.repeat(4 * 1024)}`;
    for (let i = 0; i < 3; i++) {
      const res = await postJson(
        `${n.url}/chat/completions`,
        { model: `${i}${hugeModel}`, messages: [{ role: 'user', content: 'hi' }] },
        { authorization: `Bearer ${hugeKey}`, 'x-mock-session': 's'.repeat(4 * 1024) },
      );
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text.length).toBeLessThan(1000);
      expect((JSON.parse(text) as Json).error.type).toBe('invalid_model');
    }
    const longPath = `/v1/${'p'.repeat(10_000)}`;
    const missing = await callNode(n, longPath);
    expect(missing.status).toBe(404);
    expect(missing.text.length).toBeLessThan(1000);

    const journal = await callNode(n, '/__mock/journal');
    expect(journal.status).toBe(200);
    const entries = journal.body.entries as Json[];
    expect(entries.length).toBe(4);
    expect(entries[0]!.model).toMatch(/^0mxxx.*…\(2097154 characters\)$/);
    for (const s of stringsIn(entries)) expect(s.length).toBeLessThanOrEqual(KEPT_TEXT_LONGEST);
    expect(n.journal().map((e) => e.path.length)).toEqual([20, 20, 20, expect.any(Number)]);

    const coverage = await callNode(n, '/__mock/coverage');
    expect(coverage.status).toBe(200);
    expect((coverage.body.unmatched as Json[]).length).toBe(3);
    for (const s of stringsIn(coverage.body)) expect(s.length).toBeLessThanOrEqual(KEPT_TEXT_LONGEST);
    expect(coverage.text.length).toBeLessThan(10_000);
  });
});

describe('heavy work is capped per node, on every mount', () => {
  /** A node whose heavy-work slots the test holds, so it can see who waits for them. */
  async function watchedNode() {
    const heavyWork = heavyWorkSlots();
    const context = new NodeContext(loadScenario({ version: 1, keys: [{ key: 'sk-test', balance_msats: 1e12 }] }));
    const app = buildApp({
      context: () => context,
      journal: new Journal(),
      control: { loadScenario: async () => context.scenario, reset: () => {} },
      heavyWork,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    open.push(app);
    const address = app.server.address() as net.AddressInfo;
    return { origin: `http://127.0.0.1:${address.port}`, heavyWork };
  }

  /** Resolves once `probe()` holds, polling (no timing assumed); fails after 30 s. */
  async function until(probe: () => boolean): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error('condition not met in 30 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const cases = [
    { slots: 'embeddings', path: '/embeddings', body: { model: 'text-embedding-3-small', input: 'hello there' } },
    { slots: 'speech', path: '/audio/speech', body: { model: 'tts-1', voice: 'alloy', input: 'Hello there.', response_format: 'wav' } },
    { slots: 'pictures', path: '/images/generations', body: { model: 'dall-e-3', prompt: 'a lighthouse', size: '1024x1024', response_format: 'b64_json' } },
  ] as const;

  for (const c of cases) {
    it(`${c.slots}: requests to /v1${c.path} and ${c.path} wait for the same slots, in turn, then are answered`, async () => {
      const { origin, heavyWork } = await watchedNode();
      const slots = heavyWork[c.slots];
      // The test takes every slot: the node's requests must queue behind it, whichever mount they came in by.
      const held: Release[] = [];
      for (let i = 0; i < slots.size; i++) held.push(await slots.acquire());
      const send = (prefix: string) =>
        postJson(`${origin}${prefix}${c.path}`, c.body).then(async (res) => ({ status: res.status, bytes: (await res.arrayBuffer()).byteLength }));
      const answers = Promise.all([send('/v1'), send('')]);
      await until(() => slots.waiting === 2);
      expect(slots.running).toBe(slots.size);
      for (const release of held) release();
      const done = await answers;
      expect(done.map((a) => a.status)).toEqual([200, 200]);
      await until(() => slots.running === 0 && slots.waiting === 0);
    });
  }
});

describe('a client sending its request slowly is cut off', () => {
  /** Opens a raw socket, writes `head`, then one byte every 100 ms; resolves with what the node answered once it closes. */
  function drip(port: number, head: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let answer = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
      const dripping = setInterval(() => socket.writable && socket.write('a'), 100);
      // Generous: the node's deadline is 2 s; this only stops a test that would otherwise hang.
      const giveUp = setTimeout(() => {
        socket.destroy();
        reject(new Error(`still open after 40 s; answered so far: ${JSON.stringify(answer)}`));
      }, 40_000);
      socket.on('data', (d) => (answer += d.toString()));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(dripping);
        clearTimeout(giveUp);
        resolve(answer);
      });
    });
  }

  it('a body dripped past the request timeout gets 408 and the socket is closed; so do headers past the headers timeout', { timeout: 60_000 }, async () => {
    const n = await node({ timeouts: { headersMs: 1000, requestMs: 2000 } });
    const [body, headers] = await Promise.all([
      drip(n.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{'),
      drip(n.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: '),
    ]);
    expect(body).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(body).toContain('"detail":"Request Timeout"');
    expect(headers).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    // The node still serves.
    expect((await callNode(n, '/v1/models')).status).toBe(200);
  });

  it('by default: headers within 60 s, the whole request within 300 s', async () => {
    const n = await node();
    expect(n.app.server.headersTimeout).toBe(60_000);
    expect(n.app.server.requestTimeout).toBe(300_000);
  });
});
