import { describe, expect, it } from 'vitest';
import { MAX_CLIENT_COUNTERS, RuleEngine, requestFacts } from '../../src/scenario/rules.ts';
import type { RuleSpec } from '../../src/scenario/types.ts';

/** Issue 12: `per: key` / `per: session` counters cost a bounded map, whatever the clients send. */

const facts = (overrides: Partial<ReturnType<typeof requestFacts>>) => ({
  ...requestFacts('POST', '/v1/chat/completions', {}, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  ...overrides,
});
const second = (per: 'key' | 'session'): RuleSpec => ({ name: 'second', when: { nth: 2 }, per, fault: { type: 'timeout' } });
/** A 4 KB credential, distinct for each `i`. */
const longKey = (i: number) => `sk-${String(i).padStart(8, '0')}${'k'.repeat(4096)}`;

describe('per-client rule counters are bounded', () => {
  it('20 000 different 4 KB keys keep at most MAX_CLIENT_COUNTERS counters, each named in under 100 characters', () => {
    const engine = new RuleEngine([second('key')], 1, 0);
    for (let i = 0; i < 20_000; i++) expect(engine.decide(facts({ key: longKey(i) }), 0)).toBeUndefined();
    expect(engine.clientCounterNames()).toHaveLength(MAX_CLIENT_COUNTERS);
    for (const name of engine.clientCounterNames()) expect(name.length).toBeLessThan(100);
    // A long key is still counted on its own: its second request fires.
    expect(engine.decide(facts({ key: longKey(19_999) }), 0)?.name).toBe('second');
  });

  it('sessions too; short keys and sessions keep their own names', () => {
    const engine = new RuleEngine([second('session')], 1, 0);
    for (let i = 0; i < MAX_CLIENT_COUNTERS + 500; i++) engine.decide(facts({ session: `s${i}-${'x'.repeat(2048)}` }), 0);
    expect(engine.clientCounterNames()).toHaveLength(MAX_CLIENT_COUNTERS);
    const short = new RuleEngine([second('session')], 1, 0);
    short.decide(facts({ session: 'test-1' }), 0);
    expect(short.clientCounterNames()).toEqual(['0|session:test-1']);
  });

  it('the least recently used client is forgotten first and counts afresh; the others keep their counts', () => {
    const engine = new RuleEngine([second('key')], 1, 0);
    expect(engine.decide(facts({ key: 'old' }), 0)).toBeUndefined();
    expect(engine.decide(facts({ key: 'kept' }), 0)).toBeUndefined();
    for (let i = 0; i < MAX_CLIENT_COUNTERS - 2; i++) engine.decide(facts({ key: `k${i}` }), 0);
    // `kept` is used again (so it is recent), then one more new key pushes the oldest, `old`, out.
    expect(engine.decide(facts({ key: 'kept' }), 0)?.name).toBe('second');
    engine.decide(facts({ key: 'newest' }), 0);
    expect(engine.decide(facts({ key: 'old' }), 0)).toBeUndefined();
    expect(engine.decide(facts({ key: 'old' }), 0)?.name).toBe('second');
  });

  it('decisions are the same for the same seed and requests, long keys and evictions included', () => {
    const run = () => {
      const engine = new RuleEngine([{ when: { probability: 0.5 }, per: 'key', fault: { type: 'timeout' } }], 7, 0);
      return Array.from({ length: MAX_CLIENT_COUNTERS + 3000 }, (_, i) =>
        engine.decide(facts({ key: i % 3 === 0 ? longKey(i % 40) : `k${i % 12_000}` }), 0) ? 1 : 0,
      ).join('');
    };
    expect(run()).toBe(run());
  });
});
