import { readFileSync } from 'node:fs';
import net from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockNode, startMockNode } from '../../src/index.ts';

/**
 * Clients that stop reading. Raw sockets each ask for a long stream, read its first bytes, then
 * stop reading (socket.pause()) for a few seconds without closing, then go away. The node must
 * stay responsive, its retained memory must stay bounded, and when the clients go away every
 * reservation is released and the books balance (initial + credited − refunded = balances +
 * charged).
 *
 * Loopback sockets take up to net.ipv4.tcp_wmem's maximum (4 MB on the dev VM) per connection
 * into the kernel before a write is refused, so a 4 000-token stream (~1 MB) never reaches the
 * writer's backpressure: the kernel holds all of it. The second test sends streams 2 MB larger
 * than that (~26 000 tokens of ~230 bytes a frame, a model made for it) paced at 20 000 tokens/s,
 * and checks that the writer waits for 'drain' with little queued in the process: the stream stays
 * unfinished, its reservation held, until the client hangs up. (Only 3 of them: the node keeps a
 * whole stream's frames in memory while it is open, about 1.1 kB a token.)
 */

const FAST = { ttft_ms: 0, tokens_per_second: 0, chunk_tokens: 1, usage_chunk: 'always' } as const;
/** Bytes each client reads before it stops: the headers and the first frames. */
const READ_BEFORE_PAUSE = 16 * 1024;
const PAUSE_MS = 3000;
/** Growth of memory (after a full GC) allowed while the clients stall. */
const MEMORY_BOUND = 150 * 1024 * 1024;

// ~4 400 tokens of text, so every stream runs to its max_tokens (finish_reason "length").
const LONG_REPLY = Array.from({ length: 400 }, (_, i) => `Sentence ${i} of a very long answer about rivers and valleys.`).join(' ');
const LONGER_REPLY = Array.from({ length: 3500 }, (_, i) => `Sentence ${i} of a very long answer about rivers and valleys.`).join(' ');
/** A model that may answer tens of thousands of tokens (gpt-4o-mini stops at 16 384). */
const LONG_MODEL = { id: 'long-writer', sats_per_million_tokens: { prompt: 150, completion: 600 }, context_length: 200_000, max_completion_tokens: 100_000 };

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function retained(): { heap: number; rss: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

interface SlowClient {
  socket: net.Socket;
  head: string;
}

/** Opens a raw HTTP/1.1 connection, sends a streamed chat request, resolves after READ_BEFORE_PAUSE bytes with the socket paused. */
function slowClient(port: number, request: Record<string, unknown>): Promise<SlowClient> {
  const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, ...request });
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const client: SlowClient = { socket, head: '' };
    let received = 0;
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (client.head.length < 2048) client.head += chunk.toString('latin1');
      if (received >= READ_BEFORE_PAUSE) {
        socket.pause();
        socket.removeAllListeners('data');
        resolve(client);
      }
    });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer sk-test\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}

/** Tokens of a stream that is 2 MB larger than what the kernel takes in for a connection. */
function tokensPastKernelBuffers(): number {
  let wmemMax = 4 * 1024 * 1024;
  try {
    wmemMax = Number(readFileSync('/proc/sys/net/ipv4/tcp_wmem', 'utf8').trim().split(/\s+/)[2]) || wmemMax;
  } catch {
    // not Linux: assume 4 MB
  }
  return Math.min(90_000, Math.ceil((wmemMax + 2e6) / 230));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stall {
  /** Largest growth over the baseline seen while the clients stalled. */
  heap: number;
  rss: number;
  /** Bytes the node's sockets still hold in the process (written but not yet taken by the kernel), at the end of the stall. */
  queued: number;
  /** Bytes the node handed to its sockets so far. */
  written: number;
}

/** A node whose every streamed chat answers with `reply`, and the server-side sockets it accepted. */
async function slowClientNode(stream: Record<string, unknown>, reply: string, model = 'gpt-4o-mini') {
  const node = await startMockNode({
    port: 0,
    scenario: {
      version: 1,
      stream,
      ...(model === LONG_MODEL.id ? { models: [LONG_MODEL] } : {}),
      rules: [{ when: { path: '/v1/chat/completions', stream: true }, reply: { content: reply } }],
    },
  });
  const sockets: net.Socket[] = [];
  node.app.server.on('connection', (s: net.Socket) => sockets.push(s));
  // Warm-up: one short stream read whole (tokenizer, JIT), so the baseline is not a cold process.
  const res = await fetch(`${node.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ model, stream: true, max_tokens: 50, logprobs: true, top_logprobs: 5, messages: [{ role: 'user', content: 'warm up' }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
  return { node, port: Number(new URL(node.origin).port), sockets };
}

/** Stalls the clients for PAUSE_MS, checking meanwhile that the node answers and measuring its memory. */
async function stall(node: MockNode, sockets: net.Socket[], baseline: { heap: number; rss: number }): Promise<Stall> {
  const peaks = { heap: 0, rss: 0 };
  const started = Date.now();
  while (Date.now() - started < PAUSE_MS) {
    await sleep(500);
    const m = retained();
    peaks.heap = Math.max(peaks.heap, m.heap - baseline.heap);
    peaks.rss = Math.max(peaks.rss, m.rss - baseline.rss);
    const models = await fetch(`${node.url}/models`);
    expect(models.status).toBe(200);
  }
  const live = sockets.filter((s) => !s.destroyed);
  return { ...peaks, queued: live.reduce((a, s) => a + s.writableLength, 0), written: live.reduce((a, s) => a + s.bytesWritten, 0) };
}

/** Destroys the clients and waits until the node has let go of every stream. */
async function hangUp(node: MockNode, clients: SlowClient[]) {
  for (const c of clients) c.socket.destroy();
  for (let i = 0; i < 200 && node.ledgerTotals().openReservations > 0; i++) await sleep(25);
  const t = node.ledgerTotals();
  expect(t.openReservations).toBe(0);
  expect(t.reserved).toBe(0);
  expect(t.balances + t.charged).toBe(t.initial + t.credited - t.refunded);
  return t;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

describe('slow clients', () => {
  let node: MockNode | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  it('20 unpaced 4 000-token streams whose clients stop reading: the node answers, memory stays bounded, the books balance', async () => {
    const started = await slowClientNode(FAST, LONG_REPLY);
    node = started.node;
    expect(node.ledgerTotals().openReservations).toBe(0);
    const baseline = retained();

    const clients = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        slowClient(started.port, { max_tokens: 4000, messages: [{ role: 'user', content: `Please write at length, client ${i}` }] }),
      ),
    );
    for (const c of clients) expect(c.head).toMatch(/^HTTP\/1\.1 200 /);
    const s = await stall(node, started.sockets, baseline);
    console.log(
      `unpaced: ${mb(s.written)} written to 20 stalled sockets, ${mb(s.queued)} of it still in the process; growth after GC: heap+external ${mb(s.heap)}, rss ${mb(s.rss)}`,
    );
    expect(s.heap).toBeLessThan(MEMORY_BOUND);
    expect(s.rss).toBeLessThan(MEMORY_BOUND);

    await hangUp(node, clients);
  }, 30_000);

  it('3 paced streams larger than the socket buffers whose clients stop reading: the writer waits for drain (little queued, stream unfinished, reservation held); hanging up releases them uncharged', async () => {
    const maxTokens = tokensPastKernelBuffers();
    // At 20 000 tokens/s each stream would be over in about 1.3 s if read; the stall lasts 3 s.
    const started = await slowClientNode({ ...FAST, tokens_per_second: 20_000 }, LONGER_REPLY, LONG_MODEL.id);
    node = started.node;
    const before = node.ledgerTotals();
    const baseline = retained();

    const clients = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        slowClient(started.port, { model: LONG_MODEL.id, max_tokens: maxTokens, messages: [{ role: 'user', content: `Please write at length, client ${i}` }] }),
      ),
    );
    for (const c of clients) expect(c.head).toMatch(/^HTTP\/1\.1 200 /);
    const s = await stall(node, started.sockets, baseline);
    const stalled = node.ledgerTotals();
    console.log(
      `paced: ${maxTokens} tokens a stream; ${mb(s.written)} written to 3 stalled sockets, ${mb(s.queued)} of it still in the process; growth after GC: heap+external ${mb(s.heap)}, rss ${mb(s.rss)}`,
    );
    // Still streaming well after they would have ended: nothing settled, every reservation held.
    expect(stalled.openReservations).toBe(3);
    expect(stalled.charged).toBe(before.charged);
    // Backpressure: the rest of each stream is not queued in the process, a batch or so is.
    expect(s.queued).toBeLessThan(3 * 1.5 * 1024 * 1024);
    expect(s.heap).toBeLessThan(MEMORY_BOUND);
    expect(s.rss).toBeLessThan(MEMORY_BOUND);

    const after = await hangUp(node, clients);
    // Streams cut by the client are not charged.
    expect(after.charged).toBe(before.charged);
  }, 30_000);
});
