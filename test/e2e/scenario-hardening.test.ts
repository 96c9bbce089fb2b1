import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type MockNode, startMockNode } from '../../src/index.ts';
import { buildApp } from '../../src/node/app.ts';
import { NodeContext } from '../../src/node/context.ts';
import { Journal } from '../../src/node/journal.ts';
import { DEFAULT_REPLAY } from '../../src/node/replay.ts';
import { formatProblem, lintScenario, loadScenario } from '../../src/scenario/loader.ts';
import { MAX_REGEX_PROGRAM, parseRegex } from '../../src/scenario/regex.ts';
import { type FuzzNode, spawnFuzzNode } from '../helpers/fuzz-runner.ts';
import { FAST_STREAM } from '../helpers/node.ts';

/**
 * Scenarios that validated and then broke the node (issue 12): catastrophic regexes matched
 * before auth, values and headers that made every answer a 500 or a hang. Each is refused at load
 * with `file:line:col`, by `scenario lint` and by the control plane (400 with problems); what the
 * node still gets wrong on its own is reported on stderr.
 */

const chat = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

describe('scenario regexes are matched in linear time', () => {
  let child: FuzzNode | undefined;
  afterEach(() => {
    child?.kill();
    child = undefined;
  });

  it('a catastrophic pattern against a hostile 40-character message answers at once, matches correctly, and the node stays responsive', async () => {
    // In a child process: before re2js this request held the node's event loop for hours.
    child = await spawnFuzzNode({
      version: 1,
      stream: FAST_STREAM,
      rules: [{ name: 'all a', when: { message: '/(a+)+$/' }, fault: { type: 'status', status: 418, body: 'matched' } }],
    });
    const post = (content: string) =>
      fetch(`${child!.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
        body: JSON.stringify(chat(content)),
        signal: AbortSignal.timeout(10_000),
      });
    const hostile = post(`${'a'.repeat(40)}!`);
    // Meanwhile another client is served.
    const models = await fetch(`${child.origin}/v1/models`, { signal: AbortSignal.timeout(10_000) });
    expect(models.status).toBe(200);
    const noMatch = await hostile;
    expect(noMatch.status).toBe(200);
    expect(((await noMatch.json()) as { object: string }).object).toBe('chat.completion');
    const match = await post('a'.repeat(40));
    expect(match.status).toBe(418);
    expect(await match.text()).toBe('matched');
  }, 30_000);

  it('keeps /pattern/flags with i, m and s; a path stays a path', () => {
    expect(parseRegex('/weather/i')!.test('WEATHER today')).toBe(true);
    expect(parseRegex('/^b$/m')!.test('a\nb\nc')).toBe(true);
    expect(parseRegex('/^b$/')!.test('a\nb\nc')).toBe(false);
    expect(parseRegex('/a.b/s')!.test('a\nb')).toBe(true);
    expect(parseRegex('/a.b/')!.test('a\nb')).toBe(false);
    expect(parseRegex('/\\bstall\\b/iu')!.test('please STALL now')).toBe(true);
    expect(parseRegex('/v1/chat/completions')).toBeUndefined();
    // A regex reads the first 65 536 characters of a text: linear time is still time on 32 MB.
    expect(parseRegex('/^a+b/')!.test(`${'a'.repeat(70_000)}b`)).toBe(false);
    expect(parseRegex('/needle/')!.test(`needle${'a'.repeat(70_000)}`)).toBe(true);
  });

  it('refuses at load, where it is written, what RE2 cannot match in linear time', () => {
    const cases: [string, RegExp][] = [
      ['"/(\\\\w)\\\\1/"', /invalid escape sequence: `\\1`.*no backreferences or lookaround/],
      ['"/foo(?=bar)/"', /unsupported Perl syntax: `\(\?=`.*no backreferences or lookaround/],
      ['"/(?<!x)y/"', /no backreferences or lookaround/],
      ['"/(.*a){200}/"', new RegExp(`pattern too big: it compiles to \\d+ steps per character, at most ${MAX_REGEX_PROGRAM}`)],
      ['"/abc/y"', /unsupported flag "y"/],
    ];
    for (const [pattern, message] of cases) {
      const problems = lintScenario(`version: 1\nrules:\n  - when:\n      message: ${pattern}\n    fault: { type: rate_limit }\n`);
      expect(problems, pattern).toHaveLength(1);
      expect(formatProblem(problems[0]!), pattern).toMatch(/^<inline>:4:16 invalid regular expression /);
      expect(problems[0]!.message, pattern).toMatch(message);
    }
    // Header and system conditions too.
    expect(lintScenario('version: 1\nrules:\n  - when: { header: { x-a: "/(a)\\\\1/" } }\n')[0]).toMatchObject({ line: 3 });
    expect(lintScenario('version: 1\nrules:\n  - when: { system: "/(?!a)/" }\n')[0]).toMatchObject({ line: 3 });
  });
});

/** A scenario of one rule, the offending line last so its position is known: line 4. */
const oneRule = (rule: string) => `version: 1\nrules:\n  - name: hostile\n${rule}\n`;

const REFUSED: [name: string, yaml: string, message: RegExp][] = [
  [
    'a fault header value past Latin-1',
    oneRule('    fault: { type: status, status: 200, headers: { x-note: "日本" } }'),
    /must be Latin-1 text without control characters/,
  ],
  [
    'CR/LF in a fault header value',
    oneRule('    fault: { type: status, status: 200, headers: { x-note: "a\\r\\nset-cookie: x=1" } }'),
    /without control characters/,
  ],
  ['a space in a fault header name', oneRule('    fault: { type: rate_limit, headers: { "x note": "a" } }'), /invalid header name "x note"/],
  [
    'a framing header',
    oneRule('    fault: { type: status, status: 200, headers: { transfer-encoding: gzip } }'),
    /"transfer-encoding" is set by the node itself/,
  ],
  ['a bad header in a recording', oneRule('    reply: { recorded: { status: 200, headers: { "x-é€": a }, body: {} } }'), /invalid header name/],
  ['status 100', oneRule('    fault: { type: status, status: 100 }'), /\/rules\/0\/fault\/status must be >= 200/],
  ['status 101', oneRule('    fault: { type: upstream_error, status: 101 }'), /\/rules\/0\/fault\/status must be >= 200/],
  ['a recorded 1xx', oneRule('    reply: { recorded: { status: 103, body: {} } }'), /\/rules\/0\/reply\/recorded\/status must be >= 200/],
  [
    'text/event-stream with body: null',
    oneRule('    fault: { type: status, status: 200, headers: { content-type: text/event-stream }, body: null }'),
    /content-type "text\/event-stream" needs a text body/,
  ],
  [
    'a text type over an error object',
    oneRule('    fault: { type: rate_limit, headers: { Content-Type: text/plain } }'),
    /cannot be sent with the rate_limit error object/,
  ],
  ['delay_ms 2^31', oneRule('    fault: { type: timeout, mode: delay, delay_ms: 2147483648 }'), /delay_ms must be <= 2147483647/],
  ['a reply delay past the timer limit', oneRule('    reply: { delay_ms: 1e12 }'), /delay_ms must be <= 2147483647/],
  ['a paced stream starting in 2^31 ms', oneRule('    reply: { stream: { ttft_ms: 2147483648 } }'), /ttft_ms must be <= 2147483647/],
  [
    'a recorded event at 2^31 ms',
    oneRule('    reply: { recorded: { status: 200, events: [{ at_ms: 2147483648, data: "[DONE]" }] } }'),
    /at_ms must be <= 2147483647/,
  ],
  ['an infinite retry', oneRule('    fault: { type: rate_limit, retry_after_s: .inf }'), /retry_after_s must be a finite number, not Infinity/],
  [
    'a body 200 levels deep',
    oneRule(`    fault: { type: status, status: 200, body: ${'['.repeat(200)}${']'.repeat(200)} }`),
    /nested more than 128 levels deep/,
  ],
  [
    'a body too deep for the YAML parser',
    oneRule(`    fault: { type: status, status: 200, body: ${'['.repeat(20_000)}${']'.repeat(20_000)} }`),
    /nested too deep to parse/,
  ],
];

describe('scenarios that validated and then failed are refused at load', () => {
  it.each(REFUSED)('%s: lint names file:line:col', (_name, yaml, message) => {
    const problems = lintScenario(yaml);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.line).toBe(4);
    expect(problems[0]!.col).toBeGreaterThan(1);
    expect(formatProblem(problems[0]!)).toMatch(/^<inline>:4:\d+ /);
    expect(problems[0]!.message).toMatch(message);
  });

  it('`scenario lint` prints each as file:line:col and exits 1', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'routstr-lint-')), 'hostile.yaml');
    writeFileSync(file, 'version: 1\nrules:\n  - when: { message: "/(a+)+$/" }\n    fault: { type: status, status: 101, headers: { "x-a": "日本" } }\n');
    const bin = fileURLToPath(new URL('../../bin/routstr-mock.js', import.meta.url));
    const run = spawnSync(process.execPath, [bin, 'scenario', 'lint', file], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(1);
    const out = run.stdout + run.stderr;
    expect(out).toContain(`${file}:4:36 /rules/0/fault/status must be >= 200`);
    expect(out).toContain(`${file}:4:59 /rules/0/fault/headers/x-a must be Latin-1 text`);
  });

  it('a stream client timeout past the timer limit', () => {
    expect(lintScenario('version: 1\nstream:\n  client_timeout_ms: 4294967296\n')[0]).toMatchObject({
      line: 3,
      message: expect.stringMatching(/<= 2147483647/),
    });
  });

  const running: MockNode[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((n) => n.close()));
  });

  it('the control plane answers each with 400 and its problems, and the old scenario keeps answering', async () => {
    const node = await startMockNode({ port: 0, scenario: { version: 1, name: 'before', stream: FAST_STREAM } });
    running.push(node);
    const send = (body: string, type: string) => fetch(`${node.origin}/__mock/scenario`, { method: 'POST', headers: { 'content-type': type }, body });
    for (const [name, yaml, message] of REFUSED) {
      const r = await send(yaml, 'application/yaml');
      expect(r.status, name).toBe(400);
      const body = (await r.json()) as { error: { problems: { line: number; message: string }[] } };
      expect(body.error.problems[0], name).toMatchObject({ line: 4, message: expect.stringMatching(message) });
    }
    // A recorded body 100 000 levels deep, as JSON (which parses it): refused, not a 500 on every request after.
    const depth = 100_000;
    const deep = `{"version":1,"rules":[{"reply":{"recorded":{"status":200,"body":${'['.repeat(depth)}${']'.repeat(depth)}}}}]}`;
    const r = await send(deep, 'application/json');
    expect(r.status).toBe(400);
    expect(JSON.stringify(await r.json())).toMatch(/nested more than 128 levels deep/);

    expect(node.scenario().name).toBe('before');
    const answer = await fetch(`${node.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
      body: JSON.stringify(chat('hello')),
    });
    expect(answer.status).toBe(200);
    expect((await fetch(`${node.origin}/__mock/scenario`)).status).toBe(200);
  });

  it('what is still allowed loads: Latin-1 and tab in values, a JSON type over an object, a text type over a text body, 24 days of delay', () => {
    const fine = loadScenario(
      [
        'version: 1',
        'rules:',
        '  - fault: { type: status, status: 299, headers: { x-note: "café\\tbar", content-type: application/problem+json }, body: { a: 1 } }',
        '  - fault: { type: status, status: 200, headers: { content-type: text/event-stream }, body: "data: [DONE]\\n\\n" }',
        '  - fault: { type: timeout, mode: delay, delay_ms: 2147483647 }',
        '  - reply: { recorded: { status: 200, headers: { content-type: application/json }, body: { a: [[[1]]] } } }',
        '',
      ].join('\n'),
    );
    expect(fine.rules).toHaveLength(4);
  });
});

describe('paced streams slower than the timer limit', () => {
  it('wait (and the client can leave) instead of firing a timer that overflowed at once, over and over', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    // One token in 10^9 seconds: the second chunk is due in 10^12 ms, past setTimeout's 2^31 − 1.
    const node = await startMockNode({ port: 0, scenario: { version: 1, stream: { ttft_ms: 0, tokens_per_second: 1e-9, chunk_tokens: 1 } } });
    const client = new AbortController();
    try {
      const res = await fetch(`${node.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
        body: JSON.stringify({ ...chat('hello'), stream: true }),
        signal: client.signal,
      });
      expect(res.status).toBe(200);
      const first = await res.body!.getReader().read();
      expect(new TextDecoder().decode(first.value)).toContain('"role":"assistant"');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
      client.abort();
      await node.close();
    }
  });
});

describe('the node’s own 5xx', () => {
  it('are reported on stderr with the request and the stack', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const scenario = loadScenario({ version: 1 });
    const app = buildApp({
      context: () => new NodeContext(scenario, DEFAULT_REPLAY),
      journal: new Journal(),
      control: { loadScenario: () => scenario, reset: () => {} },
    });
    // A route with a bug, standing for any the node may have.
    app.get('/v1/broken', async () => {
      throw new TypeError('a bug in the node');
    });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address() as { port: number };
      const r = await fetch(`http://127.0.0.1:${address.port}/v1/broken?x=1`);
      expect(r.status).toBe(500);
      expect(((await r.json()) as { detail: string }).detail).toMatch(/Internal server error/);
      const id = r.headers.get('x-routstr-request-id');
      const line = written.find((l) => l.startsWith('routstr-mock: internal error'));
      expect(line).toBeDefined();
      expect(line).toContain(`GET /v1/broken (request ${id}): TypeError: a bug in the node`);
      expect(line).toMatch(/\n\s+at /);
    } finally {
      spy.mockRestore();
      await app.close();
    }
  });
});
