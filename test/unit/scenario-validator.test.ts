import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIOS_DIR, parseText } from '../../src/scenario/loader.ts';
import precompiled from '../../src/scenario/scenario-validator.generated.js';
import { GENERATED_VALIDATOR_URL, compileScenarioValidator, scenarioValidatorSource } from '../../src/scenario/validator-source.ts';

const compiled = compileScenarioValidator();

/** What each validator says about `data`: the verdict and the errors, exactly. */
function verdicts(data: unknown) {
  const ok = precompiled(data);
  const errors = structuredClone(precompiled.errors);
  const expectedOk = compiled(data);
  return { precompiled: { ok, errors }, compiled: { ok: expectedOk, errors: structuredClone(compiled.errors) } };
}

function shipped(dir: string): [string, Record<string, unknown>][] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [f, parseText(readFileSync(join(dir, f), 'utf8'), f).raw]);
}

const SHIPPED = [...shipped(SCENARIOS_DIR), ...shipped(join(SCENARIOS_DIR, 'broken'))];

/** Hand-made scenarios that break the schema in one or several ways at once (allErrors). */
const INVALID: [string, unknown][] = [
  ['not an object', []],
  ['null', null],
  ['no version', {}],
  ['wrong version and unknown keys', { version: 2, colour: 'red', shade: 'dark' }],
  ['bad enum, seed out of range, btc_usd 0', { version: 1, extends: 'some', seed: 2 ** 32, btc_usd: 0 }],
  ['node fields', { version: 1, node: { version: 'v1', mints: ['', 3], child_key_cost_msats: -1.5, extra: true } }],
  [
    'models',
    {
      version: 1,
      models: [
        { name: 'no id' },
        { id: '', kind: 'video', sats_per_million_tokens: { prompt: -1 }, dimensions: 20000, tokenizer: 'p50k', aliases: [''] },
        { id: 'ok', context_length: 0, max_completion_tokens: 1.5, created: '2024' },
        'not a model',
      ],
    },
  ],
  ['keys', { version: 1, keys: [{ key: 'pk-1', balance_msats: 1 }, { key: 'sk-2' }, { balance_msats: -1 }] }],
  ['stream', { version: 1, stream: { ttft_ms: 'fast', usage_chunk: 'sometimes', client_timeout_ms: 0, chunk_tokens: 0 } }],
  ['limits', { version: 1, limits: {} }],
  ['limits values', { version: 1, limits: { rpm: 0, tpm: 'lots', burst: 1 } }],
  [
    'rules',
    {
      version: 1,
      rules: [
        { when: { path: '', header: { 'x-a': '' }, stream: 'yes', tools: [''], shape: 1 }, times: 0, per: 'user' },
        { fault: { status: 99 } },
        { fault: { type: 'nope', after_chunks: -1, mode: 'later', headers: { a: 1 } } },
        { reply: { recorded: { events: [{}], body: 1, disconnect: 'yes' } } },
        { when: { fingerprint: 'messages=zz' } },
        7,
      ],
    },
  ],
  // minLength counts code points (ajv's ucs2length helper): a lone emoji is one character, '' none.
  ['strings by code point', { version: 1, models: [{ id: '\u{1F600}' }, { id: '' }], node: { mints: ['\u{1F600}'] } }],
];

describe('scenario-validator.generated.js', () => {
  it('is what `npm run gen:validator` writes today (stale after a schema change or an ajv upgrade: run it)', () => {
    const onDisk = readFileSync(GENERATED_VALIDATOR_URL, 'utf8');
    const fresh = scenarioValidatorSource();
    if (onDisk !== fresh) expect.fail('src/scenario/scenario-validator.generated.js is stale or edited by hand: run `npm run gen:validator`');
  });

  it('imports nothing but ajv runtime helpers, as ES module imports', () => {
    const source = readFileSync(GENERATED_VALIDATOR_URL, 'utf8');
    expect(source).not.toMatch(/\brequire\s*\(/);
    const imports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports).toEqual(['ajv/dist/runtime/ucs2length.js']);
  });

  it.each(SHIPPED)('accepts the shipped scenario %s, as the compiled schema does', (_name, raw) => {
    const { precompiled: got, compiled: want } = verdicts(raw);
    expect(want.ok).toBe(true);
    expect(got).toEqual(want);
  });

  it.each(INVALID)('rejects %s with exactly the errors of the compiled schema', (_name, data) => {
    const { precompiled: got, compiled: want } = verdicts(data);
    expect(want.ok).toBe(false);
    expect(got).toEqual(want);
  });

  it('agrees with the compiled schema on every one-value mutation of the shipped scenarios', () => {
    const wrongValues: unknown[] = [null, -1, 0, 1.5, '', 'x', '\u{1F600}', true, [], {}, [1], { zz: 1 }];
    let checked = 0;
    let rejected = 0;
    const visit = (root: unknown, node: unknown) => {
      if (node === null || typeof node !== 'object') return;
      const entries = Array.isArray(node) ? node.map((v, i) => [i, v] as const) : Object.entries(node);
      for (const [key, value] of entries) {
        for (const wrong of wrongValues) {
          (node as Record<string | number, unknown>)[key] = wrong;
          const { precompiled: got, compiled: want } = verdicts(root);
          expect(got).toEqual(want);
          checked++;
          if (!want.ok) rejected++;
        }
        (node as Record<string | number, unknown>)[key] = value;
        visit(root, value);
      }
      if (!Array.isArray(node)) {
        (node as Record<string, unknown>).zz_unknown = 1;
        const { precompiled: got, compiled: want } = verdicts(root);
        expect(got).toEqual(want);
        delete (node as Record<string, unknown>).zz_unknown;
      }
    };
    for (const [, raw] of SHIPPED) {
      const copy = structuredClone(raw);
      visit(copy, copy);
      expect(copy).toEqual(raw);
    }
    expect(checked).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(checked / 5);
  });
});
