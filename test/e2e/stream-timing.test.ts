import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedDuration, measureStream } from '../../bench/stream-timing.ts';
import { type MockNode, startMockNode } from '../../src/index.ts';
import { frameSchedule } from '../../src/responses/pacing.ts';

/**
 * Streaming physics, measured on the wire with raw fetch: time to the first content token, the
 * stream's total duration, seeded jitter and tokens per delta.
 *
 * The mock aims at 10 % or 20 ms of the configured figures; bench/stream-timing.ts measures that
 * precisely over many streams (figures in its header comment). This test shares 2 noisy cores with the rest of
 * the suite, so its margins are wide: 25 % or 60 ms, whichever is larger. It still catches pacing
 * that is off by a factor, missing, or counted from the wrong place.
 */

const TTFT = 300;
const TPS = 50;

const within = (actual: number, expected: number) => {
  const margin = Math.max(0.25 * expected, 60);
  expect(actual).toBeGreaterThanOrEqual(expected - margin);
  expect(actual).toBeLessThanOrEqual(expected + margin);
};

const chat = (content: string, maxTokens: number) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_tokens: maxTokens, logprobs: true });

async function node(stream: Record<string, unknown>): Promise<MockNode> {
  return startMockNode({ port: 0, scenario: { version: 1, stream: { chunk_tokens: 1, usage_chunk: 'always', ...stream } } });
}

describe('ttft_ms and tokens_per_second', () => {
  let n: MockNode;
  beforeAll(async () => {
    n = await node({ ttft_ms: TTFT, tokens_per_second: TPS });
    await measureStream(n.url, chat('warm up', 3));
  });
  afterAll(() => n?.close());

  it(`first content token after ~${TTFT} ms, the stream over after ttft + (n-1) × ${1000 / TPS} ms`, async () => {
    const m = await measureStream(n.url, chat('Tell me about lighthouses', 30));
    expect(m.completionTokens).toBeGreaterThan(5);
    within(m.ttft, TTFT);
    within(m.total, expectedDuration(TTFT, TPS, m.completionTokens));
    // One token per delta, at the configured pace on average.
    expect(m.frameTokens.every((t) => t === 1)).toBe(true);
    expect(m.arrivals).toHaveLength(m.completionTokens);
    const meanGap = (m.arrivals.at(-1)! - m.arrivals[0]!) / (m.arrivals.length - 1);
    within(meanGap, 1000 / TPS);
  });

  it('a short answer still waits for its first token', async () => {
    const m = await measureStream(n.url, chat('Hi', 2));
    within(m.ttft, TTFT);
  });
});

describe('jitter', () => {
  // 100 ms per token so that ±30 % (±30 ms) stands well above timer noise.
  const pacing = { ttft_ms: 50, tokens_per_second: 10 };
  let jittery: MockNode;
  let steady: MockNode;
  beforeAll(async () => {
    [jittery, steady] = await Promise.all([node({ ...pacing, jitter: 0.3 }), node({ ...pacing, jitter: 0 })]);
  });
  afterAll(() => Promise.all([jittery?.close(), steady?.close()]));

  const gapsOf = (arrivals: number[]) => arrivals.slice(1).map((t, i) => t - arrivals[i]!);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const spreadAround = (values: number[]) => values.map((v) => Math.abs(v - median(values)));

  it('is seeded: the same request gets the same gaps; jitter 0.3 varies them, jitter 0 does not', async () => {
    const request = chat('Describe a quiet harbour at dawn', 10);
    const [a, b, flat] = await Promise.all([measureStream(jittery.url, request), measureStream(jittery.url, request), measureStream(steady.url, request)]);
    const gapsA = gapsOf(a.arrivals);
    const gapsB = gapsOf(b.arrivals);
    expect(gapsA.length).toBeGreaterThanOrEqual(5);
    expect(gapsB).toHaveLength(gapsA.length);
    // Same request, same schedule: the two runs differ only by timer noise (medians: a busy machine
    // may deliver one frame late, which stretches one gap and shortens the next).
    expect(median(gapsA.map((g, i) => Math.abs(g - gapsB[i]!)))).toBeLessThan(15);
    // Varied gaps within ±30 % of 100 ms (plus noise), all but one of them.
    expect(Math.max(...gapsA) - Math.min(...gapsA)).toBeGreaterThan(20);
    expect(gapsA.filter((g) => g <= 70 - 20 || g >= 130 + 40).length).toBeLessThanOrEqual(1);
    // Without jitter the gaps are even: they stray from their median less than the jittered ones do from theirs.
    const flatGaps = gapsOf(flat.arrivals);
    expect(median(spreadAround(flatGaps))).toBeLessThan(median(spreadAround(gapsA)));
  });

  it('schedules match the pure pacing function exactly (same seed, same gaps; jitter bounded)', () => {
    const frames = Array.from({ length: 40 }, () => ({ tokens: 1 }));
    const one = frameSchedule(frames, { ttft_ms: 0, tokens_per_second: 10, jitter: 0.3 }, 1234);
    const two = frameSchedule(frames, { ttft_ms: 0, tokens_per_second: 10, jitter: 0.3 }, 1234);
    const other = frameSchedule(frames, { ttft_ms: 0, tokens_per_second: 10, jitter: 0.3 }, 99);
    expect(two).toEqual(one);
    expect(other).not.toEqual(one);
    const gaps = one.slice(1).map((t, i) => t - one[i]!);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(70 - 1e-9);
      expect(g).toBeLessThanOrEqual(130 + 1e-9);
    }
    expect(new Set(gaps.map((g) => Math.round(g))).size).toBeGreaterThan(10);
  });
});

describe('chunk_tokens', () => {
  it('puts chunk_tokens tokens in each delta and paces by tokens, not by deltas', async () => {
    const n = await node({ ttft_ms: 100, tokens_per_second: TPS, chunk_tokens: 3 });
    try {
      const m = await measureStream(n.url, chat('Tell me about lighthouses', 30));
      const t = m.completionTokens;
      expect(m.arrivals).toHaveLength(Math.ceil(t / 3));
      expect(m.frameTokens.slice(0, -1).every((k) => k === 3)).toBe(true);
      expect(m.frameTokens.reduce((a, b) => a + b, 0)).toBe(t);
      // The first delta is due when its third token is; the whole stream takes as long as with 1-token deltas.
      within(m.ttft, 100 + (2 * 1000) / TPS);
      within(m.total, expectedDuration(100, TPS, t));
      const meanGap = (m.arrivals.at(-2)! - m.arrivals[0]!) / (m.arrivals.length - 2);
      within(meanGap, (3 * 1000) / TPS);
    } finally {
      await n.close();
    }
  });
});
