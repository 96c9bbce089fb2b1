/**
 * A streaming client that stops reading without closing: the node stops writing when the socket
 * is full (backpressure), and after `stream.client_timeout_ms` with nothing taken it disconnects
 * the client, charges nothing and releases the reservation.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockNode, startMockNode } from '../../src/index.ts';

let node: MockNode | undefined;
afterEach(async () => {
  await node?.close();
  node = undefined;
});

// A long answer with logprobs (large frames): ~20 MB of stream, far more than loopback socket buffers hold.
const LONG = Array.from({ length: 1000 }, (_, i) => `Sentence ${i} of a very long answer about rivers and valleys.`).join(' ');
const REQUEST = {
  model: 'gpt-4o-mini',
  stream: true,
  max_tokens: 12_000,
  logprobs: true,
  top_logprobs: 5,
  messages: [{ role: 'user', content: 'Write a very long story about rivers and valleys.' }],
};

describe('stream.client_timeout_ms', () => {
  it('disconnects a client that stalls without closing, and charges nothing', async () => {
    node = await startMockNode({
      port: 0,
      scenario: {
        version: 1,
        stream: { ttft_ms: 0, tokens_per_second: 0, client_timeout_ms: 400 },
        rules: [{ when: { path: '/v1/chat/completions' }, reply: { content: LONG } }],
      },
    });
    const before = node.ledgerTotals();
    const body = JSON.stringify(REQUEST);
    const socket = net.connect({ port: node.port, host: '127.0.0.1' });
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > 16 * 1024) socket.pause(); // reads the headers and a few frames, then nothing more, and never closes
    });
    socket.on('error', () => undefined);
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer sk-test\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // The node gives up on the client (a paused socket does not even see the close, so ask the journal).
    let entry = node.journal().at(-1);
    for (let i = 0; i < 250 && entry?.outcome === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      entry = node.journal().at(-1);
    }
    socket.destroy();
    expect(entry).toMatchObject({ path: '/v1/chat/completions', status: 200, outcome: 'client_closed' });
    expect(entry!.duration_ms).toBeGreaterThanOrEqual(400);
    expect(received).toBeLessThan(16 * 1024 * 1024);
    for (let i = 0; i < 100 && node.ledgerTotals().openReservations > 0; i++) await new Promise((r) => setTimeout(r, 20));
    const after = node.ledgerTotals();
    expect(after.openReservations).toBe(0);
    expect(after.reserved).toBe(0);
    expect(after.charged).toBe(before.charged);
  });
});
