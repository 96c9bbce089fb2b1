import { describe, expect, it } from 'vitest';
import { MAX_TRACKED_KEYS, RateLimiter } from '../../src/limits/rate-limiter.ts';

/** Issue 12: a flood of new keys inside one window costs the limiter a bounded map. */
describe('rate limiter keys are bounded', () => {
  it('20 000 new keys in one window: at most MAX_TRACKED_KEYS tracked; a key in use keeps its count', () => {
    const limiter = new RateLimiter({ rpm: 10 });
    for (let i = 0; i < 20_000; i++) {
      // The regular client keeps coming back, so it is never the least recently used.
      if (i % 5000 === 0) expect(limiter.admit('regular', i / 1000).ok).toBe(true);
      limiter.admit(`flood-${i}`, i / 1000);
    }
    expect(limiter.trackedKeys).toBe(MAX_TRACKED_KEYS);
    expect(limiter.usage('regular', 25).requests).toBe(4);
    // The oldest flood keys are forgotten, the newest kept.
    expect(limiter.usage('flood-0', 25).requests).toBe(0);
    expect(limiter.usage('flood-19999', 25).requests).toBe(1);
  });
});
