import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockNode, runConformance, startMockNode } from '../../src/index.ts';
import { ALL_CHECKS } from '../../src/conformance/checks/index.ts';
import { type SseEvent, openSse } from '../../src/conformance/http.ts';
import { formatJson } from '../../src/conformance/reporters/json.ts';
import { formatJunit } from '../../src/conformance/reporters/junit.ts';
import { formatMarkdown } from '../../src/conformance/reporters/markdown.ts';
import { PARALLEL_CHECKS, exitCodeFor } from '../../src/conformance/runner.ts';
import type { Check, Report } from '../../src/conformance/types.ts';
import { closeHostileServers, freePort, httpServer, tcpServer } from '../helpers/hostile-servers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/routstr-mock.js');

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  await closeHostileServers();
});

async function mock(scenario: Record<string, unknown> = { version: 1 }): Promise<MockNode> {
  const node = await startMockNode({ port: 0, scenario });
  cleanups.push(() => node.close());
  return node;
}

function byId(report: Report) {
  return Object.fromEntries(report.results.map((r) => [r.id, r]));
}

describe('runConformance against the mock', () => {
  it('every free check passes against the default scenario, in well under the 10 s budget', async () => {
    const node = await mock();
    const started = Date.now();
    const report = await runConformance({ baseUrl: node.url });
    const elapsed = Date.now() - started;
    // Without a key the paid checks are skipped (their own tests run them with one).
    const free = report.results.filter((r) => !ALL_CHECKS.find((c) => c.id === r.id)!.paid);
    expect(free.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(free.length).toBeGreaterThanOrEqual(12);
    expect(report.results.filter((r) => r.status !== 'pass' && r.status !== 'skip')).toEqual([]);
    expect(report.unreachable).toBeUndefined();
    expect(exitCodeFor(report)).toBe(0);
    expect(elapsed).toBeLessThan(10_000); // the budget for a whole run; it takes ~0.2 s
    expect(report.node).toMatchObject({ url: node.url, name: 'Mock Routstr Node', version: '0.4.5' });
    expect(report.capabilities).toMatchObject({ routstr: true });
    expect(report.capabilities.chat).toContain('gpt-4o-mini');
    expect(report.capabilities.embedding).toContain('text-embedding-3-small');
    expect(report.capabilities.image).toContain('dall-e-3');
    expect(report.capabilities.transcription).toContain('whisper-1');
    expect(report.capabilities.speech).toContain('tts-1');
    expect(byId(report)['errors.invalid-key']!.variant).toMatch(/>= 0\.4\.5/);
    for (const r of free) expect(r.reason).toMatch(/expected .*, got /);
  });

  it('accepts the base URL without /v1 and with a trailing slash, and filters by area', async () => {
    const node = await mock();
    const report = await runConformance({ baseUrl: `${node.origin}/`, only: ['info', 'errors'], skip: ['errors'] });
    expect(report.node.url).toBe(node.url);
    expect(new Set(report.results.map((r) => r.area))).toEqual(new Set(['info']));
    expect(report.results.every((r) => r.status === 'pass')).toBe(true);
    await expect(runConformance({ baseUrl: node.url, only: ['nope'] })).rejects.toThrow(/unknown area "nope"/);
    await expect(runConformance({ baseUrl: 'not a url' })).rejects.toThrow(/not a URL/);
  });

  it('accepts the pre-0.4.5 error envelope and reports it as the variant', async () => {
    const node = await mock({ version: 1, node: { version: '0.4.4' } });
    const report = await runConformance({ baseUrl: node.url, only: ['errors'] });
    expect(report.results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(byId(report)['errors.invalid-key']!.variant).toMatch(/detail\.error only .*< 0\.4\.5/);
  });

  it('a chat endpoint that answers 404 fails the errors checks, and only those', async () => {
    const node = await mock({
      version: 1,
      rules: [
        {
          name: 'broken chat',
          when: { path: '/v1/chat/completions' },
          fault: { type: 'status', status: 404, body: { error: { message: 'gone', type: 'not_found', code: 404 } } },
        },
      ],
    });
    const report = await runConformance({ baseUrl: node.url });
    const results = byId(report);
    // Rules see malformed bodies too (a broken node answers them its own way), so errors.malformed-json fails as well.
    for (const id of ['errors.unknown-model', 'errors.missing-credentials', 'errors.invalid-key', 'errors.malformed-json', 'errors.x-cashu-too-small']) {
      expect(results[id]!.status, id).toBe('fail');
      expect(results[id]!.reason, id).toMatch(/^expected HTTP \d{3} .*, got HTTP 404/);
      expect(results[id]!.curl, id).toMatch(/^curl .*\/v1\/chat\/completions/);
    }
    for (const id of [
      'info.fields',
      'info.optional-fields',
      'models.list',
      'models.routstr-fields',
      'models.max-cost',
      'models.openai-fields',
      'errors.unknown-path',
    ]) {
      expect(results[id]!.status, id).toBe('pass');
    }
    expect(exitCodeFor(report)).toBe(1);
  });

  it('redacts the key from every output of a real run', async () => {
    const node = await mock();
    const key = 'sk-secret-conformance-key-1234567890';
    const paid: Check = {
      id: 'chat.echo-key',
      area: 'chat',
      severity: 'fail',
      title: 'fails and echoes the key',
      paid: true,
      estimateMsats: () => 1000,
      run: async (ctx) => ({
        status: 'fail',
        reason: `expected nothing, got ${ctx.key}`,
        actual: `Authorization: Bearer ${ctx.key}`,
        curl: `curl -H 'authorization: Bearer ${ctx.key}'`,
        spentMsats: 700,
      }),
    };
    const report = await runConformance({ baseUrl: node.url, key, maxSats: 5, checks: [paid] });
    expect(report.budget.spentMsats).toBe(700);
    for (const out of [formatJson(report), formatJunit(report), formatMarkdown(report)]) {
      expect(out).not.toContain(key);
      expect(out).not.toMatch(/cashu[AB][A-Za-z0-9_-]{12}/);
    }
  });
});

describe('budget and check isolation', () => {
  const base = { area: 'chat', severity: 'fail', title: 'a paid check', paid: true } as const;
  /** Paid checks with an estimate that spend `spent` msats after `takesMs`, noting their ids in `ran` as they end. */
  const paidCheck =
    (ran: string[], takesMs = 0) =>
    (id: string, estimate: number, spent: number): Check => ({
      ...base,
      id,
      estimateMsats: () => estimate,
      run: async () => {
        if (takesMs > 0) await new Promise((r) => setTimeout(r, takesMs));
        ran.push(id);
        return { status: 'pass', reason: 'expected x, got x', spentMsats: spent };
      },
    });

  it('skips paid checks without a key and over the budget, and tracks spend', async () => {
    const node = await mock();
    const ran: string[] = [];
    const make = paidCheck(ran);
    const checks = [make('chat.a', 3000, 2500), make('chat.b', 3000, 2000), make('chat.c', 2000, 1500)];
    const noKey = await runConformance({ baseUrl: node.url, maxSats: 100, checks });
    expect(noKey.results.map((r) => r.status)).toEqual(['skip', 'skip', 'skip']);
    expect(noKey.results[0]!.reason).toMatch(/needs --key/);

    const report = await runConformance({ baseUrl: node.url, key: 'sk-x', maxSats: 5, checks });
    // 5 sats: a (est 3, spends 2.5) runs; b (est 3 > 2.5 left) is skipped; c (est 2) runs.
    expect(ran).toEqual(['chat.a', 'chat.c']);
    expect(report.results.map((r) => r.status)).toEqual(['pass', 'skip', 'pass']);
    expect(report.results[1]!.reason).toMatch(/over budget: estimated 3 sats, 2 of --max-sats 5 left/);
    expect(report.budget).toEqual({ maxSats: 5, spentMsats: 4000 });
  });

  it('runs checks a few at a time, but runsAlone checks and the first use of a Cashu Bearer alone; results stay in order', async () => {
    const node = await mock();
    let running = 0;
    let most = 0;
    const overlapped = new Set<string>();
    const make = (id: string, extra: Partial<Check> = {}): Check => ({
      ...base,
      id,
      estimateMsats: () => 1000,
      ...extra,
      run: async () => {
        running++;
        most = Math.max(most, running);
        if (running > 1) overlapped.add(id);
        await new Promise((r) => setTimeout(r, 50 + 10 * (id.length % 3)));
        if (running > 1) overlapped.add(id);
        running--;
        return { status: 'pass', reason: 'expected x, got x', spentMsats: 1000 };
      },
    });
    const checks = [
      make('chat.first'),
      ...Array.from({ length: 8 }, (_, i) => make(`chat.p${i}`)),
      make('billing.alone', { area: 'billing', runsAlone: true }),
      make('chat.last'),
    ];
    const cashu = 'cashuBexampletoken0000000000000000';
    const report = await runConformance({ baseUrl: node.url, key: cashu, maxSats: 100, checks });
    expect(report.results.map((r) => r.id)).toEqual(checks.map((c) => c.id));
    expect(report.results.every((r) => r.status === 'pass')).toBe(true);
    expect(most).toBe(PARALLEL_CHECKS);
    // The first check pays with a Cashu Bearer the node has not seen (its first use redeems it): alone.
    expect(overlapped.has('chat.first')).toBe(false);
    expect(overlapped.has('billing.alone')).toBe(false);
    expect(overlapped.has('chat.p3')).toBe(true);
    expect(report.budget.spentMsats).toBe(11_000);
    most = 0;
    overlapped.clear();
    await runConformance({ baseUrl: node.url, key: 'sk-x', maxSats: 100, checks, parallel: 1 });
    expect(most).toBe(1);
    await expect(runConformance({ baseUrl: node.url, parallel: 0, checks })).rejects.toThrow(/--parallel must be an integer >= 1/);
  });

  it('a budget decision waits for the running checks: the same skips as one by one', async () => {
    const node = await mock();
    const make = paidCheck([], 30);
    // 10 sats: a, b, c reserve 3 each (1 left); d (est 2) waits for them, they spent 1 each (7 left): d runs.
    const checks = [make('chat.a', 3000, 1000), make('chat.b', 3000, 1000), make('chat.c', 3000, 1000), make('chat.d', 2000, 2000), make('chat.e', 9000, 0)];
    const report = await runConformance({ baseUrl: node.url, key: 'sk-x', maxSats: 10, checks });
    expect(report.results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'skip']);
    expect(report.results[4]!.reason).toMatch(/over budget: estimated 9 sats, 5 of --max-sats 10 left/);
    expect(report.budget.spentMsats).toBe(5000);
  });

  it('a check that hangs fails at its own timeout, a check that throws is an error, and the run goes on', async () => {
    const node = await mock();
    const checks: Check[] = [
      { ...base, paid: false, id: 'chat.hang', run: () => new Promise(() => undefined) },
      { ...base, paid: false, id: 'chat.throw', run: async () => Promise.reject(new Error('boom')) },
      { ...base, paid: false, id: 'chat.fine', run: async () => ({ status: 'pass', reason: 'expected x, got x' }) },
      { ...base, paid: false, severity: 'warn', id: 'chat.soft', run: async () => ({ status: 'fail', reason: 'expected x, got y' }) },
    ];
    const report = await runConformance({ baseUrl: node.url, timeoutMs: 300, checks });
    expect(report.results.map((r) => r.status)).toEqual(['fail', 'error', 'pass', 'warn']);
    expect(report.results[0]!.reason).toMatch(/within 300 ms/);
    expect(report.results[0]!.durationMs).toBeLessThan(1000);
    expect(report.results[1]!.reason).toMatch(/boom/);
    expect(exitCodeFor(report)).toBe(1);
    expect(exitCodeFor({ ...report, summary: { ...report.summary, fail: 0, error: 0 } })).toBe(0);
  });
});

describe('runConformance against hostile servers', () => {
  const timing = { timeoutMs: 1000, timeouts: { firstByte: 150, idle: 150 } };

  async function expectAllFail(url: string, pattern: RegExp): Promise<Report> {
    const started = Date.now();
    const report = await runConformance({ baseUrl: url, ...timing });
    expect(report.unreachable).toBeUndefined();
    const ran = report.results.filter((r) => r.status !== 'skip');
    // Without a Routstr /v1/info the Routstr-only checks skip; the eight others run.
    expect(ran.length).toBeGreaterThanOrEqual(8);
    for (const r of ran) {
      expect(['fail', 'warn'], r.id).toContain(r.status);
      expect(r.reason, r.id).toMatch(pattern);
      expect(r.durationMs, r.id).toBeLessThan(1000);
    }
    expect(byId(report)['errors.x-cashu-too-small']!.status).toBe('skip');
    expect(Date.now() - started).toBeLessThan(8000);
    expect(exitCodeFor(report)).toBe(1);
    return report;
  }

  it('a server that hangs after the headers: idle timeouts', async () => {
    const url = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data": [');
    });
    await expectAllFail(url, /got HTTP 200 then idle-timeout: no data for 150 ms/);
  });

  it('a server that never answers: first-byte timeouts', async () => {
    const url = await tcpServer(() => undefined);
    await expectAllFail(url, /first-byte-timeout: no response headers within 150 ms/);
  });

  it('a server that sends garbage bytes: protocol failures', async () => {
    const url = await tcpServer((s) => s.end(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a, 0x0d, 0x80, 0x81, 0x0a, 0x0d, 0x0a])));
    await expectAllFail(url, /got (protocol|reset|network)/);
  });

  it('a server that answers HTML 500s: status and JSON failures', async () => {
    const url = await httpServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html><body><h1>500 Internal Server Error</h1></body></html>');
    });
    const report = await expectAllFail(url, /got HTTP 500 with a body that is not JSON/);
    expect(formatJunit(report)).toContain('&lt;html&gt;');
  });

  it('a closed port is unreachable and runs nothing', async () => {
    const port = await freePort();
    const report = await runConformance({ baseUrl: `http://127.0.0.1:${port}` });
    expect(report.unreachable?.reason).toMatch(/connection refused/);
    expect(report.results).toEqual([]);
    expect(exitCodeFor(report)).toBe(3);
  });
});

describe('SSE reader', () => {
  it('yields events as they arrive, then reports an idle timeout when the stream stalls', async () => {
    const url = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': keep-alive\n\ndata: {"n":1}\n\n');
      setTimeout(() => res.write('event: error\ndata: {"n":2}\n\n'), 30);
    });
    const stream = await openSse({ url, timeouts: { firstByte: 500, idle: 200, total: 5000 } });
    if (!stream.ok) throw new Error(stream.message);
    const events: SseEvent[] = [];
    const started = Date.now();
    for await (const e of stream.events) events.push(e);
    expect(events).toEqual([{ data: '{"n":1}' }, { event: 'error', data: '{"n":2}' }]);
    expect(stream.comments).toEqual(['keep-alive']);
    expect(stream.failure()?.kind).toBe('idle-timeout');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(stream.raw()).toContain('data: {"n":1}');
  });

  it('ends cleanly at the end of the body; a total timeout stops an endless stream', async () => {
    const done = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: a\n\ndata: [DONE]\n\n');
    });
    const s1 = await openSse({ url: done, timeouts: { firstByte: 500, idle: 500, total: 2000 } });
    if (!s1.ok) throw new Error(s1.message);
    const data: string[] = [];
    for await (const e of s1.events) data.push(e.data);
    expect(data).toEqual(['a', '[DONE]']);
    expect(s1.failure()).toBeUndefined();

    const endless = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: more\n\n'), 10);
      res.on('close', () => clearInterval(timer));
    });
    const s2 = await openSse({ url: endless, timeouts: { firstByte: 500, idle: 500, total: 300 } });
    if (!s2.ok) throw new Error(s2.message);
    let n = 0;
    for await (const _ of s2.events) n++;
    expect(n).toBeGreaterThan(3);
    expect(s2.failure()?.kind).toBe('total-timeout');
  });
});

describe('check CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routstr-check-'));
  function run(args: string[], env: Record<string, string> = {}) {
    return spawnSync(process.execPath, [BIN, 'check', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, GITHUB_STEP_SUMMARY: '', ...env },
    });
  }

  it('check --mock exits 0 and writes JSON, JUnit and the step summary', () => {
    const json = join(dir, 'report.json');
    const junit = join(dir, 'junit.xml');
    const summary = join(dir, 'summary.md');
    const res = run(['--mock', '--json', json, '--junit', junit], { GITHUB_STEP_SUMMARY: summary });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('✓ errors.unknown-model');
    expect(res.stdout).toContain('all checks passed');
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.summary.fail).toBe(0);
    expect(readFileSync(junit, 'utf8')).toContain('<testsuite name="errors"');
    expect(readFileSync(summary, 'utf8')).toContain('✅ all checks passed');
  });

  it('an unreachable node exits 3; bad usage exits 2; --list prints every check', () => {
    expect(run(['http://127.0.0.1:1']).status).toBe(3);
    expect(run(['--bogus']).status).toBe(2);
    expect(run(['--only', 'nope', 'http://127.0.0.1:1']).status).toBe(2);
    expect(run([]).status).toBe(2);
    const list = run(['--list']);
    expect(list.status).toBe(0);
    for (const id of ['info.fields', 'models.max-cost', 'errors.x-cashu-too-small']) expect(list.stdout).toContain(id);
    expect(list.stdout).toMatch(/errors\.unknown-model\s+errors\s+fail\s+free/);
  });
});
