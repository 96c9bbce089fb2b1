import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIOS_DIR, ScenarioError, lintScenario, loadScenario, loadScenarioInBackground, parseText } from '../../src/scenario/loader.ts';
import { ModelIndex } from '../../src/scenario/model-index.ts';

function problemsOf(yaml: string) {
  return lintScenario(yaml.startsWith('\n') ? yaml : `\n${yaml}`);
}

describe('scenario loader', () => {
  it('loads the default scenario with priced models of every kind', () => {
    const s = loadScenario('default');
    expect(s.seed).toBe(42);
    expect(new Set(s.models.map((m) => m.kind))).toEqual(new Set(['chat', 'embedding', 'image', 'transcription', 'speech']));
    for (const m of s.models) expect(m.sats_per_million_tokens.prompt).toBeGreaterThan(0);
  });

  it('inherits unset sections from the default scenario; extends: none starts empty', () => {
    const small = loadScenario('version: 1\nname: tiny\nseed: 9\nkeys: [{ key: sk-a, balance_msats: 5 }]\n');
    expect(small.name).toBe('tiny');
    expect(small.seed).toBe(9);
    expect(small.keys).toEqual([{ key: 'sk-a', balance_msats: 5 }]);
    expect(small.models.length).toBe(loadScenario('default').models.length);
    const bare = loadScenario('version: 1\nextends: none\nmodels: [{ id: m1 }]\n');
    expect(bare.models.map((m) => m.id)).toEqual(['m1']);
    expect(bare.keys).toEqual([]);
  });

  it('the --seed override wins over the file', () => {
    expect(loadScenario('default', { seed: 5 }).seed).toBe(5);
  });

  it('reports an unknown key at its line and column', () => {
    const problems = problemsOf('version: 1\nmodels:\n  - id: a\n    colour: red\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 5, col: 5 });
    expect(problems[0]!.message).toContain('unknown key "colour"');
  });

  it('reports wrong types and bad enum values where they are', () => {
    const problems = problemsOf('version: 1\nstream:\n  ttft_ms: fast\n  usage_chunk: sometimes\n');
    expect(problems.map((p) => [p.line, p.col])).toEqual([
      [4, 12],
      [5, 16],
    ]);
    expect(problems[1]!.message).toContain('"always", "requested"');
  });

  it('reports YAML syntax errors and duplicate model ids', () => {
    expect(problemsOf('version: 1\nmodels: [\n')[0]!.message).toBeTruthy();
    const dup = problemsOf('version: 1\nmodels:\n  - id: a\n  - id: A\n');
    expect(dup[0]).toMatchObject({ line: 5, message: 'duplicate model id "A"' });
  });

  it('refuses a version other than 1 and never half-loads', () => {
    expect(() => loadScenario('version: 2\n')).toThrow(ScenarioError);
    expect(() => loadScenario('/no/such/file.yaml')).toThrow(/no such scenario file/);
  });

  it('keeps positions for nested paths', () => {
    const source = parseText('version: 1\nkeys:\n  - key: sk-a\n    balance_msats: 1\n', 'x.yaml');
    expect(source.locate(['keys', 0, 'balance_msats'])).toEqual({ line: 4, col: 20 });
  });
});

describe('loadScenarioInBackground (YAML parsed on a worker thread)', () => {
  /** What loadScenario gives (a Scenario, or the problems it throws), for comparison. */
  const outcome = async (load: () => unknown) => {
    try {
      return { scenario: await load() };
    } catch (err) {
      return err instanceof ScenarioError ? { problems: err.problems } : { thrown: `${(err as Error).name}: ${(err as Error).message}` };
    }
  };

  it('gives exactly what loadScenario gives for every shipped and broken scenario, as text', { timeout: 60_000 }, async () => {
    const files = [
      ...readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.yaml')),
      ...readdirSync(join(SCENARIOS_DIR, 'broken'))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join('broken', f)),
    ];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(join(SCENARIOS_DIR, file), 'utf8');
      expect(await outcome(() => loadScenarioInBackground(text, { seed: 3 })), file).toEqual(await outcome(() => loadScenario(text, { seed: 3 })));
    }
  });

  it('gives the same values, problems and positions for odd YAML, broken YAML and invalid scenarios', async () => {
    const texts = [
      'version: 1\nbtc_usd: .inf\nstream: &s { ttft_ms: 5 }\nrules:\n  - when: { path: /v1/chat/completions }\n    reply: { content: "-0 and \\u00e9", delay_ms: 0x10 }\n',
      'version: 1\nmodels:\n  - id: a\n    colour: red\n',
      'version: 1\nstream:\n  ttft_ms: fast\n  usage_chunk: sometimes\n',
      'version: 1\nmodels: [\n',
      'version: 1\nversion: 1\n',
      'version: 1\nmodels:\n  - id: a\n  - id: A\n',
      'version: 1\nrules:\n  - when: { message: "/(/" }\n    fault: { type: rate_limit }\n',
      'version: 1\nrules: *nowhere\n',
      '- just\n- a list\n',
      '{"version": 1, "seed": 9}',
    ];
    for (const text of texts) {
      expect(await outcome(() => loadScenarioInBackground(text)), text).toEqual(await outcome(() => loadScenario(text)));
    }
  });

  it('loads paths, names and objects as loadScenario does', async () => {
    expect(await loadScenarioInBackground('rate-limit')).toEqual(loadScenario('rate-limit'));
    expect(await loadScenarioInBackground({ seed: 4 })).toEqual(loadScenario({ seed: 4 }));
  });
});

describe('rule validation', () => {
  it('names an unknown fault type with its position', () => {
    const problems = problemsOf('version: 1\nrules:\n  - fault: { type: explode }\n');
    expect(problems[0]).toMatchObject({ line: 4, col: 20 });
    expect(problems[0]!.message).toContain('/rules/0/fault/type must be one of');
    expect(problems[0]!.message).toContain('"rate_limit"');
  });

  it('reports a bad regex where it is written', () => {
    const problems = problemsOf('version: 1\nrules:\n  - when:\n      message: "/(unclosed/i"\n    fault: { type: rate_limit }\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 5, col: 16 });
    expect(problems[0]!.message).toMatch(/invalid regular expression/);
  });

  it('refuses a parameter the fault type does not take, and unknown keys in when', () => {
    const wrongParam = problemsOf('version: 1\nrules:\n  - fault: { type: invalid_api_key, after_chunks: 2 }\n');
    expect(wrongParam[0]!.message).toBe('fault type "invalid_api_key" takes no "after_chunks" (it takes: nothing)');
    expect(wrongParam[0]).toMatchObject({ line: 4, col: 37 });
    const unknownWhen = problemsOf('version: 1\nrules:\n  - when: { colour: red }\n    fault: { type: timeout }\n');
    expect(unknownWhen[0]).toMatchObject({ line: 4, col: 13, message: 'unknown key "colour" in /rules/0/when' });
  });

  it('accepts the DESIGN example rules and refuses a rule with both reply and fault', () => {
    const example = `version: 1
rules:
  - name: weather tool
    when: { path: /v1/chat/completions, model: gpt-4o-mini, tools: [get_weather], message: "/weather/i" }
    reply: { tool_calls: [{ name: get_weather, arguments: { location: Tokyo } }] }
  - name: every third call is throttled
    when: { path: /v1/chat/completions, nth: { every: 3 } }
    fault: { type: rate_limit, retry_after_s: 2 }
  - when: { model: gpt-4o-mini, probability: 0.05 }
    fault: { type: upstream_error, status: 502 }
  - when: { stream: true, message: "/story/" }
    fault: { type: disconnect, after_chunks: 5 }
    times: 1
`;
    expect(problemsOf(example)).toEqual([]);
    expect(loadScenario(example).rules).toHaveLength(4);
    const both = problemsOf('version: 1\nrules:\n  - reply: { content: hi }\n    fault: { type: timeout }\n');
    expect(both[0]!.message).toBe('a rule has either a reply or a fault, not both');
  });
});

describe('model lookup', () => {
  const index = new ModelIndex(loadScenario('version: 1\nextends: none\nmodels: [{ id: gpt-4o-mini, aliases: [mini] }]\n').models);
  it('is case-insensitive, follows aliases and strips date suffixes', () => {
    expect(index.find('GPT-4o-Mini')?.id).toBe('gpt-4o-mini');
    expect(index.find('mini')?.id).toBe('gpt-4o-mini');
    expect(index.find('gpt-4o-mini-2024-07-18')?.id).toBe('gpt-4o-mini');
    expect(index.find('gpt-4o-mini-20240718')?.id).toBe('gpt-4o-mini');
    expect(index.find('gpt-4o')).toBeUndefined();
  });
});
