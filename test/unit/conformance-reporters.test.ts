import { describe, expect, it } from 'vitest';
import { curlLine } from '../../src/conformance/curl.ts';
import { redact, redactDeep } from '../../src/conformance/redact.ts';
import { formatResultLine, formatSummary } from '../../src/conformance/reporters/console.ts';
import { formatJson } from '../../src/conformance/reporters/json.ts';
import { formatJunit } from '../../src/conformance/reporters/junit.ts';
import { formatMarkdown } from '../../src/conformance/reporters/markdown.ts';
import type { CheckResult, Report } from '../../src/conformance/types.ts';

const SK = 'sk-live-9f8e7d6c5b4a39281706fedcba';
const CASHU = 'cashuBo2FteBtodHRwOi8vbWludC5tb2NrLmxvY2FsYXVjc2F0YXSBomFpSAC0ZmFrZWFwgaNhYQFhc3g';

function result(partial: Partial<CheckResult> & Pick<CheckResult, 'id' | 'area' | 'status'>): CheckResult {
  return { severity: 'fail', title: `title of ${partial.id}`, reason: 'expected a, got a', durationMs: 12, ...partial };
}

function sampleReport(): Report {
  const results: CheckResult[] = [
    result({ id: 'info.fields', area: 'info', status: 'pass', curl: `curl -H 'authorization: Bearer ${SK}' 'http://127.0.0.1:9/v1/info'` }),
    result({
      id: 'errors.invalid-key',
      area: 'errors',
      status: 'fail',
      reason: `expected HTTP 401, got HTTP 200 <html> & "quotes" for ${SK}`,
      expected: 'HTTP 401',
      actual: `HTTP 200 echoing x-cashu: ${CASHU}`,
      curl: `curl -sS -X POST 'http://127.0.0.1:9/v1/chat/completions' -H 'authorization: Bearer ${SK}' -H 'x-cashu: ${CASHU}'`,
    }),
    result({ id: 'errors.unknown-path', area: 'errors', status: 'error', reason: 'the check itself threw: boom \u0000\u0007 control chars' }),
    result({ id: 'models.openai-fields', area: 'models', severity: 'warn', status: 'warn', reason: 'expected object "list", got none' }),
    result({ id: 'errors.x-cashu-too-small', area: 'errors', status: 'skip', reason: 'GET /v1/info lists no mint' }),
  ];
  return {
    schemaVersion: 1,
    node: { url: 'http://127.0.0.1:9/v1', name: 'Test Node', version: '0.4.5' },
    sdk: { name: 'openai', version: '6.49.0' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.500Z',
    budget: { maxSats: 10, spentMsats: 2500 },
    capabilities: { chat: ['gpt-4o-mini'], embedding: [], image: [], transcription: [], speech: [], routstr: true },
    results,
    summary: { pass: 1, fail: 1, warn: 1, info: 0, skip: 1, error: 1 },
  };
}

/** A small XML well-formedness check: balanced tags, quoted attributes, only the five entities. */
function parseXml(xml: string): Array<{ name: string; attrs: Record<string, string>; text: string; parent?: string }> {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const elements: Array<{ name: string; attrs: Record<string, string>; text: string; parent?: string }> = [];
  const stack: Array<(typeof elements)[number]> = [];
  const token = /<\/?([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(body)) !== null) {
    consumed = token.lastIndex;
    if (m[4] !== undefined) {
      const text = m[4];
      for (const ent of text.match(/&[^;\s]*;?/g) ?? []) expect(['&amp;', '&lt;', '&gt;', '&quot;', '&apos;']).toContain(ent);
      if (stack.length > 0) stack[stack.length - 1]!.text += text;
      else expect(text.trim()).toBe('');
      continue;
    }
    const [full, name, rawAttrs] = m;
    if (full.startsWith('</')) {
      expect(stack.pop()?.name).toBe(name);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs!.matchAll(/([\w.-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    const el = { name: name!, attrs, text: '', parent: stack[stack.length - 1]?.name };
    elements.push(el);
    if (m[3] !== '/') stack.push(el);
  }
  expect(consumed).toBe(body.length);
  expect(stack).toEqual([]);
  return elements;
}

describe('redaction', () => {
  it('hides sk- keys, Cashu tokens and Bearer values, in strings and in nested values', () => {
    const text = `key ${SK} token ${CASHU} header Authorization: Bearer abc.def-123`;
    const out = redact(text);
    expect(out).not.toContain(SK);
    expect(out).not.toContain(CASHU);
    expect(out).not.toContain('abc.def-123');
    expect(out).toContain('[REDACTED]');
    expect(redact('an odd secret xyz-1234 here', ['xyz-1234'])).toBe('an odd secret [REDACTED] here');
    expect(redact("Expected an 'sk-...' API key or a 'cashu...' token.")).toBe("Expected an 'sk-...' API key or a 'cashu...' token.");
    const deep = redactDeep({ a: [{ b: SK }], n: 3 });
    expect(JSON.stringify(deep)).not.toContain(SK);
    expect(deep.n).toBe(3);
  });

  it('hides credentials a node echoes URL-encoded or glued to other text (issue 12)', () => {
    const cashuA = 'cashuAeyJ0b2tlbiI6W3sibWludCI6Imh0dHA6Ly9taW50In1dfQ+/==';
    const forms = [
      `auth=Bearer%20${SK}&x=1`,
      `auth=Bearer+${SK}`,
      `auth=bearer%09abc.def-123`,
      `key%3D${SK}`,
      `key=${SK}`,
      `id_${SK}`,
      `_${CASHU}`,
      `x${CASHU}y`,
      `token%3D${encodeURIComponent(cashuA)}`,
    ];
    for (const text of forms) {
      const out = redact(text);
      expect(out, text).toContain('[REDACTED]');
      for (const secret of [SK, SK.slice(3), CASHU, CASHU.slice(6), 'abc.def-123', encodeURIComponent(cashuA).slice(6)])
        expect(out, text).not.toContain(secret);
    }
    // An exact secret of no known shape, URL-encoded or form-encoded.
    expect(redact('k=my%20odd%2Fsecret and my+odd%2Fsecret', ['my odd/secret'])).toBe('k=[REDACTED] and [REDACTED]');
    // Ordinary words stay.
    expect(redact('a task-specific mask-based answer')).toBe('a task-specific mask-based answer');
  });

  it('curl lines reproduce the request with secrets redacted and quotes escaped', () => {
    const line = curlLine({
      url: 'http://127.0.0.1:9/v1/chat/completions',
      headers: { authorization: `Bearer ${SK}`, 'x-cashu': CASHU },
      body: `{"q":"it's"}`,
    });
    expect(line).toContain("-X POST 'http://127.0.0.1:9/v1/chat/completions'");
    expect(line).toContain(`--data-raw '{"q":"it'\\''s"}'`);
    expect(line).not.toContain(SK);
    expect(line).not.toContain(CASHU);
  });

  it('no reporter output contains a key or a token', () => {
    const report = sampleReport();
    const outputs = [formatJson(report), formatJunit(report), formatMarkdown(report), formatSummary(report), ...report.results.map(formatResultLine)];
    for (const out of outputs) {
      expect(out).not.toContain(SK);
      expect(out).not.toContain(CASHU);
      expect(out).not.toMatch(/cashuB[A-Za-z0-9]{12}/);
    }
  });
});

describe('JUnit reporter', () => {
  it('is well-formed, one testsuite per area and one testcase per check', () => {
    const xml = formatJunit(sampleReport());
    const els = parseXml(xml);
    const root = els[0]!;
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '5', failures: '1', errors: '1', skipped: '1' });
    const suites = els.filter((e) => e.name === 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual(['info', 'errors', 'models']);
    expect(suites.find((s) => s.attrs.name === 'errors')!.attrs).toMatchObject({ tests: '3', failures: '1', errors: '1', skipped: '1' });
    const cases = els.filter((e) => e.name === 'testcase');
    expect(cases).toHaveLength(5);
    expect(cases.map((c) => c.attrs.classname)).toEqual(['info', 'errors', 'errors', 'errors', 'models']);
    expect(cases[1]!.attrs.name).toBe('errors.invalid-key: title of errors.invalid-key');

    const failure = els.find((e) => e.name === 'failure')!;
    expect(failure.attrs.type).toBe('errors.invalid-key');
    expect(failure.attrs.message).toContain('expected HTTP 401, got HTTP 200 &lt;html&gt; &amp; &quot;quotes&quot;');
    expect(failure.text).toContain('expected: HTTP 401');
    expect(failure.text).toContain('actual: HTTP 200');
    expect(failure.text).toContain('reproduce: curl -sS -X POST');
    expect(els.find((e) => e.name === 'error')!.attrs.type).toBe('errors.unknown-path');
    expect(xml).not.toMatch(/[\u0000-\u0008]/);
    expect(els.find((e) => e.name === 'skipped')!.text).toBe('GET /v1/info lists no mint');
    expect(els.find((e) => e.name === 'system-out')!.text).toContain('warn: expected object');

    const props = Object.fromEntries(els.filter((e) => e.name === 'property' && e.parent === 'properties').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props['node.url']).toBe('http://127.0.0.1:9/v1');
    expect(props['sdk.version']).toBe('openai 6.49.0');
  });

  it('an unreachable node is one errored testcase', () => {
    const report = {
      ...sampleReport(),
      results: [],
      summary: { pass: 0, fail: 0, warn: 0, info: 0, skip: 0, error: 0 },
      unreachable: { reason: 'connection refused' },
    };
    const els = parseXml(formatJunit(report));
    expect(els[0]!.attrs).toMatchObject({ tests: '1', errors: '1' });
    expect(els.filter((e) => e.name === 'error')[0]!.text).toBe('connection refused');
  });
});

describe('JSON and Markdown reporters', () => {
  it('JSON is the Report, parseable, with schemaVersion, node, budget, results and summary', () => {
    const parsed = JSON.parse(formatJson(sampleReport())) as Report;
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.node.url).toBe('http://127.0.0.1:9/v1');
    expect(parsed.budget).toEqual({ maxSats: 10, spentMsats: 2500 });
    expect(parsed.results).toHaveLength(5);
    expect(parsed.results[1]).toMatchObject({ id: 'errors.invalid-key', area: 'errors', severity: 'fail', status: 'fail' });
    expect(parsed.summary.fail).toBe(1);
  });

  it('Markdown has the area table, the non-passing checks and the reproduce block', () => {
    const md = formatMarkdown(sampleReport());
    expect(md).toContain('## routstr-mock check: http://127.0.0.1:9/v1 (Test Node 0.4.5)');
    expect(md).toContain('❌ 2 check(s) failed');
    expect(md).toContain('| errors | 0 | 1 | 0 | 1 | 1 |');
    expect(md).toContain('| info | 1 | 0 | 0 | 0 | 0 |');
    expect(md).toContain('`errors.invalid-key`');
    expect(md).toContain('`models.openai-fields`');
    expect(md).not.toContain('`info.fields`');
    expect(md).toContain('<details><summary>Reproduce the failures</summary>');
  });

  it('console summary has a table by area and totals', () => {
    const out = formatSummary(sampleReport());
    expect(out).toMatch(/errors\s+0\s+1\s+0\s+1\s+1/);
    expect(out).toMatch(/total\s+1\s+1\s+1\s+1\s+1/);
    expect(formatResultLine(sampleReport().results[1]!)).toMatch(/^✗ errors\.invalid-key/);
  });
});

describe('text quoted from a node is escaped (issue 12)', () => {
  const FAKE = '\x1b[2J\x1b[1;32m✓ ALL CHECKS PASSED\x1b[0m\r\n✓ chat.schema ok\u202e';
  const MARKDOWN = '\n## ✅ all checks passed\n<img src=x onerror=alert(1)> [click](http://evil.example) **bold** `code` a|b ~~gone~~ &amp;';

  function hostileReport(): Report {
    const report = sampleReport();
    report.node.name = `Evil${FAKE}`;
    report.results[1] = { ...report.results[1]!, reason: `expected HTTP 401, got ${FAKE}${MARKDOWN}`, curl: "curl 'http://127.0.0.1:9/v1' ```\n# injected" };
    return report;
  }

  it('console lines show control characters as escapes and stay on their own lines', () => {
    const report = hostileReport();
    const line = formatResultLine(report.results[1]!);
    const summary = formatSummary(report);
    for (const out of [line, summary]) {
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E]/);
      expect(out).not.toMatch(/^\s*✓ ALL CHECKS PASSED/m);
      expect(out).not.toMatch(/^\s*✓ chat\.schema/m);
    }
    expect(line).toContain('\\x1b[2J\\x1b[1;32m✓ ALL CHECKS PASSED\\x1b[0m\\r\\n✓ chat.schema ok\\u202e');
    // The check's own structure: head, reason, reproduce; nothing else starts a line.
    expect(line.split('\n')).toHaveLength(3);
  });

  it('the Markdown summary renders node text literally: no ANSI, no new lines, headings, HTML, links or code spans', () => {
    const md = formatMarkdown(hostileReport());
    // eslint-disable-next-line no-control-regex
    expect(md).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
    expect(md).not.toMatch(/^#+ ✅/m);
    expect(md).not.toContain('<img');
    expect(md).not.toContain('[click](');
    expect(md).not.toContain('**bold**');
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt; \\[click\\](http://evil.example) \\*\\*bold\\*\\* \\`code\\` a\\|b \\~\\~gone\\~\\~ &amp;amp;');
    const row = md.split('\n').find((l) => l.includes('`errors.invalid-key`'))!;
    expect(row.split(/(?<!\\)\|/)).toHaveLength(5); // | status | check | reason | — the node's `|` does not add a cell
    expect(md.split('\n')[0]).toMatch(/^## routstr-mock check: http:\/\/127\.0\.0\.1:9\/v1 \(Evil\\\\x1b\\\[2J.*0\.4\.5\)$/);
    // The curl line's backticks cannot close the code fence around it.
    const fence = md
      .split('\n')
      .find((l) => /^`{3,}sh$/.test(l))!
      .slice(0, -2);
    expect(fence.length).toBeGreaterThan(3);
    expect(md.split('\n').filter((l) => l === fence)).toHaveLength(1);
  });

  it('JUnit XML stays well-formed with ANSI and other control characters', () => {
    const xml = formatJunit(hostileReport());
    const els = parseXml(xml);
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(els.find((e) => e.name === 'failure')!.attrs.message).toContain('✓ ALL CHECKS PASSED');
  });
});
