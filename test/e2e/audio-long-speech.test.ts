import { performance } from 'node:perf_hooks';
import { parseBuffer } from 'music-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/payment/cashu.ts';
import { MAX_SPEECH_SECONDS } from '../../src/requests/audio.ts';
import { type TestNode, callNode, postJson, startTestNode } from '../helpers/node.ts';
import { PROMPT_PING, pingVerdict, startPinger } from '../helpers/pinger.ts';

/**
 * The longest speech one request may ask for takes seconds to synthesize and encode as mp3. The
 * node must go on serving everyone else meanwhile, and a client that gives up must not be answered
 * nor charged. Timing bounds are loose (the machine is shared): blocking code misses them by
 * seconds, cooperative code by two orders of magnitude.
 */

let t: TestNode;

beforeAll(async () => {
  t = await startTestNode();
});
afterAll(() => t.close());

/** The API's longest input, 4096 characters, at the speed that makes it just under MAX_SPEECH_SECONDS. */
const LONG_INPUT = `${'The quick brown fox jumps over the lazy dog. Then, after a short rest, it ran back home to sleep! '.repeat(42).slice(0, 4095)}.`;
const SPEED = 2.3;
const SECONDS = LONG_INPUT.length / 15 / SPEED;
const LONG_SPEECH = { model: 'tts-1', voice: 'alloy', input: LONG_INPUT, speed: SPEED };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a long mp3 speech request', () => {
  it('is the longest the API allows', () => {
    expect(LONG_INPUT.length).toBe(4096);
    expect(LONG_INPUT.trim().length).toBe(4096);
    expect(SECONDS).toBeLessThanOrEqual(MAX_SPEECH_SECONDS);
    expect(SECONDS).toBeGreaterThan(MAX_SPEECH_SECONDS - 2);
  });

  it(`holds up no other request: GET /v1/models every 20 ms answers promptly meanwhile; two at once give the same valid mp3`, { timeout: 60_000 }, async () => {
    const pinger = startPinger(`${t.node.url}/models`, 20);
    await sleep(100);
    const started = performance.now();
    const say = async () => {
      const res = await postJson(`${t.node.url}/audio/speech`, LONG_SPEECH);
      return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const [a, b] = await Promise.all([say(), say()]);
    const elapsed = performance.now() - started;
    const latencies = await pinger.stop();

    expect(a.status).toBe(200);
    expect(a.type).toBe('audio/mpeg');
    const meta = await parseBuffer(a.bytes, { mimeType: 'audio/mpeg' }, { duration: true });
    expect(meta.format.container).toBe('MPEG');
    expect(meta.format.sampleRate).toBe(24_000);
    expect(meta.format.numberOfChannels).toBe(1);
    expect(meta.format.duration).toBeGreaterThan(SECONDS * 0.98);
    expect(meta.format.duration).toBeLessThan(SECONDS * 1.05);
    // Same request, same bytes, though the two were made at the same time, slices interleaved.
    expect(b.status).toBe(200);
    expect(b.bytes.equals(a.bytes)).toBe(true);

    // Pings went on the whole time, and every one was answered promptly.
    expect(latencies.length).toBeGreaterThan((elapsed / 20) * 0.5);
    expect(latencies.filter((ms) => ms < 0)).toEqual([]);
    const { slowest, fifthSlowest } = pingVerdict(latencies);
    const context = `slowest ${Math.round(slowest)} ms, fifth-slowest ${Math.round(fifthSlowest)} ms of ${latencies.length} GET /v1/models during ${Math.round(elapsed)} ms of speech`;
    expect(fifthSlowest, context).toBeLessThan(PROMPT_PING.fifthSlowestMs);
    expect(slowest, context).toBeLessThan(PROMPT_PING.slowestMs);
  });

  it('stops when the client goes away: no answer, no charge (an X-Cashu token is refunded whole), an idle node', async () => {
    const mint = t.node.scenario().node.mints[0]!;
    const token = mintToken({ amount: 500, unit: 'sat', mint });
    const before = t.node.ledgerTotals();
    const controller = new AbortController();
    const request = fetch(`${t.node.url}/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-cashu': token },
      body: JSON.stringify(LONG_SPEECH),
      signal: controller.signal,
    });
    await sleep(300);
    controller.abort();
    await expect(request).rejects.toThrow();

    // The node notices at its next pause and releases the payment.
    for (let i = 0; i < 250 && t.node.ledgerTotals().refunded === before.refunded; i++) await sleep(20);
    const after = t.node.ledgerTotals();
    expect(after.charged).toBe(before.charged);
    expect(after.refunded - before.refunded).toBe(500_000);
    expect(after.reserved).toBe(0);
    const entry = t.node
      .journal()
      .filter((e) => e.path === '/v1/audio/speech')
      .at(-1);
    expect(entry).toMatchObject({ status: 0, outcome: 'client_closed' });
    // The refund is there to collect, as after any failed X-Cashu request.
    const refund = await callNode(t.node, '/v1/balance/refund', { method: 'POST', headers: { 'x-cashu': token } });
    expect(refund.status).toBe(200);
    expect(refund.body.sats).toBe('500');

    // And the synthesis stopped: the node's event loop (this process's) is mostly idle.
    const idleFrom = performance.eventLoopUtilization();
    await sleep(300);
    expect(performance.eventLoopUtilization(idleFrom).utilization).toBeLessThan(0.5);
  });
});
