import { describe, expect, it } from 'vitest';
import { RateLimiter, WINDOW_MS, formatReset } from '../../src/limits/rate-limiter.ts';

/** A fake clock: every call passes `now` explicitly, so time only moves when the test says so. */
function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
      return now;
    },
  };
}

describe('formatReset (OpenAI / Go duration style)', () => {
  it.each([
    [0, '0s'],
    [-5, '0s'],
    [1, '1ms'],
    [250, '250ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [20_000, '20s'],
    [59_999, '59.999s'],
    [60_000, '1m0s'],
    [61_500, '1m1.5s'],
    [360_000, '6m0s'],
    [3_600_000, '1h0m0s'],
    [0.2, '1ms'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatReset(ms)).toBe(text);
  });
});

describe('RateLimiter: requests per minute (rolling 60 s window)', () => {
  it('admits rpm requests, refuses the next until the oldest leaves the window', () => {
    const c = clock();
    const limiter = new RateLimiter({ rpm: 3 });
    expect(limiter.admit('k', c.now())).toEqual({ ok: true });
    c.advance(10_000);
    expect(limiter.admit('k', c.now())).toEqual({ ok: true });
    c.advance(10_000);
    expect(limiter.admit('k', c.now())).toEqual({ ok: true });
    c.advance(5_000);
    // 25 s after the first request: it leaves the window 35 s from now.
    expect(limiter.admit('k', c.now())).toEqual({ ok: false, metric: 'requests', limit: 3, used: 3, retryAfterMs: 35_000 });
    // A refusal does not count: the wait stays consistent.
    c.advance(34_999);
    expect(limiter.check('k', c.now())).toMatchObject({ ok: false, retryAfterMs: 1 });
    c.advance(1);
    expect(limiter.admit('k', c.now())).toEqual({ ok: true });
    // Next slot: the second request (at +10 s) leaves at +70 s, i.e. 10 s after now (+60 s).
    expect(limiter.check('k', c.now())).toMatchObject({ ok: false, retryAfterMs: 10_000 });
  });

  it('waiting exactly retryAfterMs is always enough', () => {
    const c = clock();
    const limiter = new RateLimiter({ rpm: 5 });
    let admitted = 0;
    for (let i = 0; i < 200; i++) {
      c.advance(((i * 7919) % 13_000) + 1);
      const v = limiter.admit('k', c.now());
      if (v.ok) {
        admitted++;
        continue;
      }
      expect(v.retryAfterMs).toBeGreaterThanOrEqual(1);
      expect(v.retryAfterMs).toBeLessThanOrEqual(WINDOW_MS);
      c.advance(v.retryAfterMs);
      expect(limiter.admit('k', c.now())).toEqual({ ok: true });
      admitted++;
    }
    expect(admitted).toBeGreaterThan(0);
  });

  it('never admits more than rpm in any 60 s', () => {
    const c = clock();
    const limiter = new RateLimiter({ rpm: 4 });
    const admittedAt: number[] = [];
    for (let i = 0; i < 500; i++) {
      c.advance(((i * 104_729) % 9_000) + 1);
      if (limiter.admit('k', c.now()).ok) admittedAt.push(c.now());
    }
    for (let i = 4; i < admittedAt.length; i++) expect(admittedAt[i]! - admittedAt[i - 4]!).toBeGreaterThanOrEqual(WINDOW_MS);
  });

  it('keys are independent', () => {
    const c = clock();
    const limiter = new RateLimiter({ rpm: 1 });
    expect(limiter.admit('a', c.now()).ok).toBe(true);
    expect(limiter.admit('a', c.now()).ok).toBe(false);
    expect(limiter.admit('b', c.now()).ok).toBe(true);
    expect(limiter.usage('a', c.now())).toEqual({ requests: 1, tokens: 0 });
    expect(limiter.usage('c', c.now())).toEqual({ requests: 0, tokens: 0 });
  });

  it('check changes nothing', () => {
    const c = clock();
    const limiter = new RateLimiter({ rpm: 1 });
    for (let i = 0; i < 5; i++) expect(limiter.check('k', c.now()).ok).toBe(true);
    expect(limiter.usage('k', c.now()).requests).toBe(0);
  });

  it('headers count down and reset when the newest request leaves the window', () => {
    const c = clock();
    const limiter = new RateLimiter({ rpm: 3 });
    expect(limiter.headers('k', c.now())).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '3',
      'x-ratelimit-reset-requests': '0s',
    });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      limiter.admit('k', c.now());
      remaining.push(limiter.headers('k', c.now())['x-ratelimit-remaining-requests']!);
      c.advance(500);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    // Newest at +1000 ms, now +1500 ms: back to 3 in 59.5 s.
    expect(limiter.headers('k', c.now())['x-ratelimit-reset-requests']).toBe('59.5s');
    c.advance(59_000);
    // The first two (at +0, +500) have left; one remains.
    expect(limiter.headers('k', c.now())).toMatchObject({ 'x-ratelimit-remaining-requests': '2', 'x-ratelimit-reset-requests': '500ms' });
    c.advance(500);
    expect(limiter.headers('k', c.now())).toMatchObject({ 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '0s' });
  });

  it('only the configured limits get headers', () => {
    expect(Object.keys(new RateLimiter({ tpm: 100 }).headers('k', 0)).sort()).toEqual([
      'x-ratelimit-limit-tokens',
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-reset-tokens',
    ]);
    expect(new RateLimiter({}).enabled).toBe(false);
    expect(new RateLimiter({ rpm: 1 }).enabled).toBe(true);
  });
});

describe('RateLimiter: tokens per minute (counted after the fact)', () => {
  it('admits while the window holds fewer than tpm tokens, then waits for enough to leave', () => {
    const c = clock();
    const limiter = new RateLimiter({ tpm: 1000 });
    expect(limiter.admit('k', c.now()).ok).toBe(true);
    limiter.record('k', 400, c.now());
    c.advance(10_000);
    expect(limiter.admit('k', c.now()).ok).toBe(true);
    limiter.record('k', 400, c.now());
    c.advance(10_000);
    expect(limiter.admit('k', c.now()).ok).toBe(true);
    // The last response overshoots, as after-the-fact counting allows.
    limiter.record('k', 700, c.now());
    expect(limiter.usage('k', c.now()).tokens).toBe(1500);
    expect(limiter.headers('k', c.now())).toEqual({
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '1m0s',
    });
    c.advance(5_000);
    // 1500 used; dropping the first (400) leaves 1100, still ≥ 1000; dropping the second leaves 700.
    // The second was recorded at +10 s, so it leaves at +70 s: 45 s from now (+25 s).
    expect(limiter.admit('k', c.now())).toEqual({ ok: false, metric: 'tokens', limit: 1000, used: 1500, retryAfterMs: 45_000 });
    c.advance(45_000);
    expect(limiter.admit('k', c.now()).ok).toBe(true);
    expect(limiter.headers('k', c.now())['x-ratelimit-remaining-tokens']).toBe('300');
  });

  it('ignores zero and negative token counts, and tokens when no tpm is set', () => {
    const limiter = new RateLimiter({ tpm: 10 });
    limiter.record('k', 0, 0);
    limiter.record('k', -5, 0);
    expect(limiter.usage('k', 0).tokens).toBe(0);
    const rpmOnly = new RateLimiter({ rpm: 10 });
    rpmOnly.record('k', 1000, 0);
    expect(rpmOnly.usage('k', 0).tokens).toBe(0);
  });

  it('reports the limit that frees last when both are hit', () => {
    const c = clock();
    const limiter = new RateLimiter({ rpm: 2, tpm: 100 });
    limiter.admit('k', c.now());
    limiter.record('k', 50, c.now());
    c.advance(1_000);
    limiter.admit('k', c.now());
    c.advance(1_000);
    limiter.record('k', 60, c.now());
    c.advance(1_000);
    limiter.record('k', 100, c.now());
    // Requests: 2 of 2, the first leaves in 57 s. Tokens: 210 of 100; only when the last record
    // (made now) leaves does the sum fall under 100, in 60 s. The later one is the answer.
    expect(limiter.check('k', c.now())).toEqual({ ok: false, metric: 'tokens', limit: 100, used: 210, retryAfterMs: 60_000 });
  });
});

describe('RateLimiter: memory', () => {
  it('drops idle keys once many are tracked', () => {
    const c = clock();
    const limiter = new RateLimiter({ rpm: 10 });
    for (let i = 0; i < 1500; i++) limiter.admit(`cashu-${i}`, c.now());
    expect(limiter.trackedKeys).toBe(1500);
    c.advance(WINDOW_MS + 1);
    limiter.admit('fresh', c.now());
    expect(limiter.trackedKeys).toBe(1);
  });
});
