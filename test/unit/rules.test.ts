import { describe, expect, it } from 'vitest';
import { RuleEngine, countMatches, normalisePath, requestFacts } from '../../src/scenario/rules.ts';
import { parseRegex } from '../../src/scenario/regex.ts';
import type { RuleSpec } from '../../src/scenario/types.ts';

const facts = (overrides: Partial<ReturnType<typeof requestFacts>> = {}) => ({
  ...requestFacts('POST', '/v1/chat/completions', { authorization: 'Bearer sk-a' }, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  ...overrides,
});

describe('rule matching', () => {
  it('normalises paths with and without /v1 and queries', () => {
    expect(normalisePath('/v1/chat/completions?x=1')).toBe('/chat/completions');
    expect(normalisePath('/chat/completions')).toBe('/chat/completions');
    expect(normalisePath('/v1')).toBe('/');
  });

  it('extracts the facts rules look at', () => {
    const f = requestFacts(
      'post',
      '/v1/chat/completions',
      { authorization: 'Bearer sk-a', 'x-mock-session': 's1' },
      {
        model: 'm',
        stream: true,
        tools: [{ type: 'function', function: { name: 'get_weather' } }],
        messages: [
          { role: 'system', content: 'Be brief' },
          { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
          { role: 'tool', tool_call_id: 'c', content: '{}' },
        ],
      },
    );
    expect(f).toMatchObject({
      method: 'POST',
      path: '/chat/completions',
      model: 'm',
      key: 'sk-a',
      stream: true,
      message: 'Weather in Oslo?',
      system: 'Be brief',
      tools: ['get_weather'],
      toolResult: true,
      session: 's1',
    });
  });

  it('counts nth, every, first and after', () => {
    const fired = (nth: Parameters<typeof countMatches>[0]) => [1, 2, 3, 4, 5, 6].filter((n) => countMatches(nth, n));
    expect(fired(3)).toEqual([3]);
    expect(fired({ every: 2 })).toEqual([2, 4, 6]);
    expect(fired({ first: 2 })).toEqual([1, 2]);
    expect(fired({ after: 4 })).toEqual([5, 6]);
    expect(fired({ every: 2, after: 2 })).toEqual([4, 6]);
  });

  it('parses /regex/flags and leaves other strings alone', () => {
    expect(parseRegex('/weather/i')?.test('WEATHER')).toBe(true);
    expect(parseRegex('weather')).toBeUndefined();
  });

  it('first matching rule that fires wins; times spends a rule', () => {
    const rules: RuleSpec[] = [
      { name: 'once', when: { message: 'HI' }, fault: { type: 'timeout' }, times: 1 },
      { name: 'always', fault: { type: 'invalid_model' } },
    ];
    const engine = new RuleEngine(rules, 1, 0);
    expect(engine.decide(facts(), 0)?.name).toBe('once');
    expect(engine.decide(facts(), 0)?.name).toBe('always');
  });

  it('keeps counters per key or per session when asked', () => {
    const engine = new RuleEngine([{ name: 'second', when: { nth: 2 }, per: 'key', fault: { type: 'timeout' } }], 1, 0);
    expect(engine.decide(facts({ key: 'a' }), 0)).toBeUndefined();
    expect(engine.decide(facts({ key: 'b' }), 0)).toBeUndefined();
    expect(engine.decide(facts({ key: 'a' }), 0)?.name).toBe('second');
    expect(engine.decide(facts({ key: 'b' }), 0)?.name).toBe('second');
  });

  it('seeded probability gives the same decisions for the same seed, other ones for another seed', () => {
    const run = (seed: number) => {
      const engine = new RuleEngine([{ when: { probability: 0.3 }, fault: { type: 'timeout' } }], seed, 0);
      return Array.from({ length: 60 }, () => (engine.decide(facts(), 0) ? 1 : 0)).join('');
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
    const hits = run(7)
      .split('')
      .filter((c) => c === '1').length;
    expect(hits).toBeGreaterThan(5);
    expect(hits).toBeLessThan(35);
  });

  it('honours the time window', () => {
    const engine = new RuleEngine([{ when: { window: { from_ms: 100, until_ms: 200 } }, fault: { type: 'timeout' } }], 1, 1000);
    expect(engine.decide(facts(), 1050)).toBeUndefined();
    expect(engine.decide(facts(), 1150)).toBeDefined();
    expect(engine.decide(facts(), 1250)).toBeUndefined();
  });
});
