import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { coverageOf, coverageSummary } from '../../src/record/coverage.ts';
import { FINGERPRINT_PATTERN, canonicalJson, collapseWhitespace, fingerprintRequest, parseFingerprint } from '../../src/record/fingerprint.ts';
import fc from 'fast-check';
import {
  REDACTED_KEY,
  REDACTED_TOKEN,
  SecretScrubber,
  isRecordedHeader,
  modelsFromListing,
  recordedRule,
  reportedCostMsats,
} from '../../src/record/recording.ts';
import { ScenarioWriter } from '../../src/record/writer.ts';
import { lintScenario } from '../../src/scenario/loader.ts';
import { RuleEngine, requestFacts } from '../../src/scenario/rules.ts';
import type { RuleSpec } from '../../src/scenario/types.ts';

const tool = (name: string, description = 'Get the weather') => ({
  type: 'function',
  function: { name, description, parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } },
});

const chat = (body: Record<string, unknown>) => fingerprintRequest('/v1/chat/completions', { model: 'gpt-4o-mini', ...body });

describe('request fingerprints', () => {
  it('lists the parts of the endpoint, `-` for an absent one', () => {
    const fp = chat({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(fp.text).toMatch(/^messages=[0-9a-f]{8} tools=- format=- params=-$/);
    expect(new RegExp(FINGERPRINT_PATTERN).test(fp.text)).toBe(true);
    const emb = fingerprintRequest('/embeddings', { model: 'e', input: 'x', dimensions: 8 });
    expect(emb.text).toMatch(/^input=[0-9a-f]{8} params=[0-9a-f]{8}$/);
    expect(parseFingerprint(fp.text)).toEqual(fp.parts);
  });

  it('ignores whitespace differences in message text, tool descriptions and tool arguments', () => {
    const a = chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Tokyo?' },
      ],
    });
    const b = chat({
      messages: [
        { role: 'system', content: '  Be\n brief. ' },
        { role: 'user', content: 'Weather   in\tTokyo?' },
      ],
    });
    expect(b.text).toBe(a.text);
    expect(chat({ messages: [{ role: 'user', content: 'Weather in Kyoto?' }] }).parts.messages).not.toBe(a.parts.messages);
    expect(chat({ tools: [tool('w', 'Get  the\nweather')], messages: [] }).parts.tools).toBe(chat({ tools: [tool('w')], messages: [] }).parts.tools);
  });

  it('treats text-only content parts like the same text as a string', () => {
    const parts = chat({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hello' },
            { type: 'text', text: 'there' },
          ],
        },
      ],
    });
    expect(parts.parts.messages).toBe(chat({ messages: [{ role: 'user', content: 'Hello there' }] }).parts.messages);
  });

  it('ignores key order everywhere: the body, tool schemas, arguments, response formats', () => {
    const schema = { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'string' } } } } };
    const reordered = { json_schema: { schema: { properties: { a: { type: 'string' } }, type: 'object' }, name: 'x' }, type: 'json_schema' };
    expect(chat({ messages: [], response_format: reordered, temperature: 0.5, n: 2 }).text).toBe(
      chat({ n: 2, temperature: 0.5, response_format: schema, messages: [] }).text,
    );
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const call = (args: string) => ({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: args } }],
    });
    expect(chat({ messages: [call('{"location":"Tokyo","unit":"c"}')] }).parts.messages).toBe(
      chat({ messages: [call('{ "unit": "c",  "location": "Tokyo" }')] }).parts.messages,
    );
  });

  it('ignores volatile tool call ids but keeps which result answers which call', () => {
    const turn = (ids: [string, string], answered: 0 | 1) =>
      chat({
        messages: [
          { role: 'user', content: 'Weather in Tokyo and Oslo?' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: ids[0], type: 'function', function: { name: 'w', arguments: '{"location":"Tokyo"}' } },
              { id: ids[1], type: 'function', function: { name: 'w', arguments: '{"location":"Oslo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: ids[answered], content: '21 degrees' },
        ],
      }).parts.messages;
    expect(turn(['call_abc', 'call_def'], 0)).toBe(turn(['call_XYZ', 'call_123'], 0));
    expect(turn(['call_abc', 'call_def'], 0)).not.toBe(turn(['call_abc', 'call_def'], 1));
  });

  it('ignores the declaration order of tools, `user`, `model` and `stream`; keeps other parameters', () => {
    const base = { messages: [{ role: 'user', content: 'Hi' }] };
    expect(chat({ ...base, tools: [tool('a'), tool('b')] }).parts.tools).toBe(chat({ ...base, tools: [tool('b'), tool('a')] }).parts.tools);
    expect(chat({ ...base, user: 'u-1', stream: true }).text).toBe(chat({ ...base, user: 'u-2' }).text);
    expect(chat({ ...base, max_tokens: 5 }).parts.params).not.toBe(chat(base).parts.params);
    expect(chat({ ...base, max_tokens: 5 }).parts.messages).toBe(chat(base).parts.messages);
  });
});

describe('when.fingerprint and the nearest rule', () => {
  const facts = (content: string, model = 'gpt-4o-mini') =>
    requestFacts('POST', '/v1/chat/completions', { authorization: 'Bearer sk-a' }, { model, messages: [{ role: 'user', content }] });

  it('matches every part a rule lists, and only those', () => {
    const fp = fingerprintRequest('/chat/completions', facts('Hello').body).text;
    const rules: RuleSpec[] = [
      { name: 'exact', when: { model: 'gpt-4o-mini', fingerprint: fp }, fault: { type: 'timeout' } },
      { name: 'messages only', when: { fingerprint: `messages=${parseFingerprint(fp).messages}` }, fault: { type: 'timeout' } },
    ];
    const engine = new RuleEngine(rules, 1, 0);
    expect(engine.decide(facts('Hello'), 0)?.name).toBe('exact');
    expect(engine.decide(facts('Hello', 'gpt-4o'), 0)?.name).toBe('messages only');
    expect(engine.decide(facts('Goodbye'), 0)).toBeUndefined();
  });

  it('names the nearest rule and the parts that differ; counts hits', () => {
    const fp = fingerprintRequest('/chat/completions', facts('Hello').body).text;
    const engine = new RuleEngine(
      [
        { name: 'embeddings', when: { path: '/embeddings', model: 'e' }, fault: { type: 'timeout' } },
        { name: 'hello', when: { path: '/chat/completions', model: 'gpt-4o-mini', stream: false, fingerprint: fp }, fault: { type: 'timeout' } },
      ],
      1,
      0,
    );
    expect(engine.nearest(facts('Goodbye'))).toEqual({
      index: 1,
      name: 'hello',
      differs: [{ field: 'messages', request: expect.any(String), rule: parseFingerprint(fp).messages }],
    });
    expect(engine.nearest(facts('Hello', 'gpt-4o'))?.differs).toEqual([{ field: 'model', request: 'gpt-4o', rule: 'gpt-4o-mini' }]);
    engine.decide(facts('Hello'), 0);
    expect(engine.coverage().map((r) => r.hits)).toEqual([0, 1]);
    const coverage = coverageOf('x.yaml', engine.coverage(), [
      {
        method: 'POST',
        path: '/chat/completions',
        model: 'gpt-4o-mini',
        stream: false,
        fingerprint: fp,
        count: 2,
        first_at: '',
        nearest: engine.nearest(facts('Goodbye')),
      },
    ]);
    expect(coverage.never_hit.map((r) => r.name)).toEqual(['embeddings']);
    expect(coverageSummary(coverage)).toBe(
      'coverage: 1 of 2 rules hit; never hit: rule 1 "embeddings"; 2 requests matched no rule: POST /chat/completions gpt-4o-mini (nearest rule 2 "hello", differs in messages); details: GET /__mock/coverage',
    );
  });
});

describe('recording an exchange', () => {
  it('never keeps credentials: only the headers that matter; tokens and keys in bodies become placeholders', () => {
    expect(
      [
        'content-type',
        'x-routstr-cost-msats',
        'x-routstr-input-cost-msats',
        'retry-after',
        'retry-after-ms',
        'x-ratelimit-remaining-requests',
        'x-routstr-error-scope',
      ].every(isRecordedHeader),
    ).toBe(true);
    expect(['x-cashu', 'authorization', 'set-cookie', 'x-routstr-request-id', 'date'].some(isRecordedHeader)).toBe(false);
    const scrub = new SecretScrubber(['sk-test']);
    const token = `cashuB${'o2F0'.repeat(20)}`;
    const key = `sk-${'a1'.repeat(32)}`;
    expect(scrub.value({ refund_token: token, note: `use ${key} or sk-test.`, word: 'a risk-test and task-testing', short: 'sk-testing' })).toEqual({
      refund_token: REDACTED_TOKEN,
      note: `use ${REDACTED_KEY} or ${REDACTED_KEY}.`,
      word: 'a risk-test and task-testing',
      short: 'sk-testing',
    });
  });

  it('turns an exchange into a rule: the match keys, the reply as recorded, a comment line', () => {
    const body = { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Tell me a story' }] };
    const chunk = { id: 'c1', choices: [{ index: 0, delta: { content: 'Once' } }] };
    const usage = { id: 'c1', choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, cost: { total_msats: 7 } } };
    const result = recordedRule(
      { method: 'POST', url: '/v1/chat/completions', body },
      {
        status: 200,
        headers: { 'content-type': 'text/event-stream', 'x-cashu': 'cashuBsecret', date: 'now' },
        events: [
          { at_ms: 101.4, data: JSON.stringify(chunk) },
          { at_ms: 140, data: JSON.stringify(usage) },
          { at_ms: 141, data: '[DONE]' },
        ],
        duration_ms: 150,
      },
      new SecretScrubber(),
    );
    if ('unrecordable' in result) throw new Error(result.unrecordable);
    expect(result.rule).toEqual({
      name: 'chat/completions gpt-4o-mini stream: Tell me a story',
      when: { path: '/chat/completions', model: 'gpt-4o-mini', stream: true, fingerprint: fingerprintRequest('/chat/completions', body).text },
      reply: {
        recorded: {
          status: 200,
          headers: { 'content-type': 'text/event-stream' },
          events: [
            { at_ms: 101, data: chunk },
            { at_ms: 140, data: usage },
            { at_ms: 141, data: '[DONE]' },
          ],
        },
      },
    });
    expect(result.comment).toBe('POST /v1/chat/completions · gpt-4o-mini · stream · "Tell me a story" → 200, 3 events over 141 ms, cost 7 msats');
    expect(lintScenario({ version: 1, rules: [result.rule] })).toEqual([]);
  });

  it('reads the reported cost from the body, the last stream event that has one, or the header', () => {
    expect(reportedCostMsats({}, { cost: { total_msats: 12 } })).toBe(12);
    expect(reportedCostMsats({}, { usage: { cost: { total_msats: 5 } } })).toBe(5);
    expect(reportedCostMsats({}, undefined, [{ data: {} }, { data: { usage: { cost: { total_msats: 9 } } } }, { data: '[DONE]' }])).toBe(9);
    expect(reportedCostMsats({ 'x-routstr-cost-msats': '4' }, { usage: { cost: 0.001 } })).toBe(4);
    expect(reportedCostMsats({}, { usage: { total_tokens: 3 } })).toBeUndefined();
  });

  it('keeps a /v1/models listing as scenario models', () => {
    const listing = {
      data: [
        { id: 'm1', sats_pricing: { prompt: 0.00015, completion: 0.0006 }, context_length: 1000, top_provider: { max_completion_tokens: 100 } },
        { id: 'e1', architecture: { output_modalities: ['embeddings'] }, sats_pricing: { prompt: 0.00002, completion: 0 } },
        { name: 'no id' },
      ],
    };
    const models = modelsFromListing(listing);
    expect(models).toEqual([
      { id: 'm1', sats_per_million_tokens: { prompt: 150, completion: 600 }, context_length: 1000, max_completion_tokens: 100 },
      { id: 'e1', kind: 'embedding', sats_per_million_tokens: { prompt: 20, completion: 0 } },
    ]);
    expect(lintScenario({ version: 1, models })).toEqual([]);
  });
});

describe('the scenario writer', () => {
  const rule = (content: string, status = 200): RuleSpec => ({
    name: `chat: ${content}`,
    when: {
      path: '/chat/completions',
      model: 'm',
      stream: false,
      fingerprint: fingerprintRequest('/chat/completions', { messages: [{ role: 'user', content }] }).text,
    },
    reply: {
      recorded: {
        status,
        headers: { 'content-type': 'application/json' },
        body: { choices: [{ message: { content } }], data: [{ embedding: [0.1, -0.2, 0.3] }] },
      },
    },
  });

  it('appends readable rules to an existing file, keeping what is there; a request recorded again becomes a sequence', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'routstr-writer-')), 's.yaml');
    writeFileSync(
      file,
      '# my scenario\nversion: 1\nkeys:\n  - { key: sk-mine, balance_msats: 5 }\nrules:\n  # hand-written\n  - when: { message: slow }\n    reply: { delay_ms: 10 }\n',
    );
    const writer = new ScenarioWriter(file);
    writer.append(rule('a', 502), 'POST /v1/chat/completions · a → 502');
    writer.append(rule('b'), 'POST /v1/chat/completions · b → 200');
    writer.append(rule('a'), 'POST /v1/chat/completions · a → 200');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# my scenario');
    expect(text).toContain('# hand-written');
    expect(text).toContain('  # POST /v1/chat/completions · b → 200\n  - name: "chat: b"');
    expect(text).toContain('headers: { content-type: application/json }');
    expect(text).toContain('embedding: [ 0.1, -0.2, 0.3 ]');
    const rules = (parse(text) as { rules: RuleSpec[] }).rules;
    expect(rules.map((r) => [r.name, r.times])).toEqual([
      [undefined, undefined],
      ['chat: a', 1],
      ['chat: b', undefined],
      ['chat: a', undefined],
    ]);
    // `times` sits right after `when`.
    expect(Object.keys(rules[1]!)).toEqual(['name', 'when', 'times', 'reply']);
    expect(lintScenario(file)).toEqual([]);

    const again = new ScenarioWriter(file, { reRecord: true });
    again.write();
    expect((parse(readFileSync(file, 'utf8')) as { rules: RuleSpec[]; keys: unknown[] }).rules).toEqual([
      { when: { message: 'slow' }, reply: { delay_ms: 10 } },
    ]);
  });
});

describe('scenario checks of recorded rules', () => {
  it('refuses a recorded reply mixed with other reply keys, a body with events, and a malformed fingerprint', () => {
    const problems = lintScenario(
      'version: 1\nrules:\n  - when: { fingerprint: "messages=xyz" }\n    reply: { content: hi, recorded: { status: 200, body: {}, events: [] } }\n',
    ).map((p) => p.message);
    expect(problems).toEqual([expect.stringMatching(/^\/rules\/0\/when\/fingerprint must be parts like "messages=1a2b3c4d/)]);
    const mixed = lintScenario('version: 1\nrules:\n  - reply: { content: hi, recorded: { status: 200, body: {}, events: [] } }\n').map(
      (p) => `${p.line}:${p.col} ${p.message}`,
    );
    expect(mixed).toEqual([
      '3:14 reply.recorded replays a recorded answer as it was: it takes no "content" beside it',
      '3:62 a recorded reply has either a body or stream events, not both',
    ]);
  });
});

describe('collapseWhitespace', () => {
  it('gives what replace(/\\s+/g, " ").trim() gives, for any text', () => {
    const whitespace = [
      ' ',
      '\t',
      '\n',
      '\r',
      '\v',
      '\f',
      '\u00a0',
      '\u1680',
      '\u2000',
      '\u200a',
      '\u2028',
      '\u2029',
      '\u202f',
      '\u205f',
      '\u3000',
      '\ufeff',
      '\u0085',
      '\u200b',
    ];
    const char = fc.oneof(fc.constantFrom(...whitespace), fc.constantFrom('a', 'é', 'ÿ', 'Ā', '日', '🎉'), fc.string({ maxLength: 1, unit: 'binary' }));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 60 }), (chars) => {
        const text = chars.join('');
        expect(collapseWhitespace(text)).toBe(text.replace(/\s+/g, ' ').trim());
      }),
      { numRuns: 5000 },
    );
    expect(collapseWhitespace('a\nb')).toBe('a b');
    expect(collapseWhitespace('plain words')).toBe('plain words');
  });
});
