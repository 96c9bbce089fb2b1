import { describe, expect, it } from 'vitest';
import { mockNodesClosedAfterEach } from '../helpers/node.ts';
import { type MockNode, startMockNode } from '../../src/index.ts';
import { MAX_TOKENS_PROMPT, chatChecks } from '../../src/conformance/checks/chat.ts';
import { streamChecks } from '../../src/conformance/checks/stream.ts';
import { TOOL_NAME, toolsChecks } from '../../src/conformance/checks/tools.ts';
import { runConformance } from '../../src/conformance/runner.ts';
import type { CheckResult, Report } from '../../src/conformance/types.ts';

const CHECKS = [...chatChecks, ...streamChecks, ...toolsChecks];
const FAST = { ttft_ms: 0, tokens_per_second: 0 };

const mock = mockNodesClosedAfterEach();

async function run(node: MockNode, maxSats = 1000): Promise<Report> {
  return runConformance({ baseUrl: node.url, key: 'sk-test', maxSats, only: ['chat', 'stream', 'tools'], checks: CHECKS, timeoutMs: 5000 });
}

function byId(report: Report): Record<string, CheckResult> {
  return Object.fromEntries(report.results.map((r) => [r.id, r]));
}

describe('paid chat, stream and tools checks', () => {
  it('all pass against the default mock (the forced usage chunk is a warning), in a few seconds', async () => {
    const node = await mock();
    const started = Date.now();
    const report = await run(node);
    const elapsed = Date.now() - started;
    expect(report.results.map((r) => r.id)).toEqual(CHECKS.map((c) => c.id));
    const results = byId(report);
    expect(results['stream.usage']!.status).toBe('warn');
    expect(results['stream.usage']!.reason).toContain('unrequested usage chunk (Routstr forces usage)');
    // DESIGN "Decisions": known Routstr deviations (metadata.routstr, as real nodes send it) are named warnings.
    for (const id of ['chat.schema', 'stream.schema']) {
      if (results[id]!.status === 'warn') expect(results[id]!.variant).toBe('deviations: metadata.routstr');
    }
    const notPassing = report.results.filter((r) => !['stream.usage', 'chat.schema', 'stream.schema'].includes(r.id) && r.status !== 'pass');
    expect(notPassing).toEqual([]);
    expect(report.budget.spentMsats).toBeGreaterThan(0);
    expect(report.budget.spentMsats).toBeLessThanOrEqual(1000 * 1000);
    expect(elapsed).toBeLessThan(5000);
  });

  it('stream.usage passes when the node sends usage only on request (plain OpenAI behaviour)', async () => {
    const node = await mock({ stream: { ...FAST, usage_chunk: 'requested' } });
    const report = await runConformance({ baseUrl: node.url, key: 'sk-test', maxSats: 1000, checks: streamChecks.filter((c) => c.id === 'stream.usage') });
    expect(report.results[0]).toMatchObject({ id: 'stream.usage', status: 'pass', variant: 'usage chunk: only when requested (OpenAI behaviour)' });
  });

  it('skips every paid check without a key or over budget, and when no chat model is known', async () => {
    const node = await mock();
    const noKey = await runConformance({ baseUrl: node.url, maxSats: 1000, checks: CHECKS });
    expect(noKey.results.every((r) => r.status === 'skip')).toBe(true);
    const broke = await runConformance({ baseUrl: node.url, key: 'sk-test', maxSats: 0, checks: CHECKS });
    expect(broke.results.every((r) => r.status === 'skip' && r.reason.startsWith('over budget'))).toBe(true);
    expect(broke.budget.spentMsats).toBe(0);
    const noModels = await mock({ models: [] });
    const report = await runConformance({ baseUrl: noModels.url, key: 'sk-test', maxSats: 1000, checks: CHECKS });
    expect(report.results.length).toBe(CHECKS.length);
    expect(report.results.every((r) => r.status === 'skip' && r.reason.includes('no chat model'))).toBe(true);
  });

  it('a malformed SSE frame fails stream.framing and the SDK assembly, not the non-stream checks', async () => {
    const node = await mock({ rules: [{ when: { path: '/v1/chat/completions', stream: true }, fault: { type: 'malformed', after_chunks: 2 } }] });
    const results = byId(await run(node));
    expect(results['stream.framing']!.status).toBe('fail');
    expect(results['stream.framing']!.reason).toMatch(/not a JSON object/);
    expect(results['stream.sdk-assembly']!.status).toBe('fail');
    expect(results['chat.usage']!.status).toBe('pass');
    expect(results['tools.call']!.status).toBe('pass');
  });

  it('a stream cut after 3 chunks fails stream.done (the SDK alone would not notice)', async () => {
    const node = await mock({ rules: [{ when: { path: '/v1/chat/completions', stream: true }, fault: { type: 'disconnect', after_chunks: 3 } }] });
    const results = byId(await run(node));
    expect(results['stream.done']!.status).toBe('fail');
    expect(results['stream.done']!.reason).toMatch(/no \[DONE\]/);
    expect(results['stream.finish-once']!.status).toBe('fail');
    expect(results['stream.content-type']!.status).toBe('pass');
    expect(results['chat.schema']!.status).not.toBe('fail');
  });

  it('a node that ignores max_tokens fails chat.max-tokens only', async () => {
    const node = await mock({ rules: [{ when: { message: MAX_TOKENS_PROMPT }, reply: { finish_reason: 'stop', content: 'x' } }] });
    const results = byId(await run(node));
    expect(results['chat.max-tokens']!.status).toBe('fail');
    expect(results['chat.max-tokens']!.reason).toContain('finish_reason "stop"');
    expect(results['chat.usage']!.status).toBe('pass');
  });

  it('a 200 with a body of the wrong shape fails chat.schema and chat.usage', async () => {
    const body = {
      id: 42,
      object: 'chat.completion',
      choices: [{ index: 0, message: { content: 'hi' } }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 4 },
    };
    const node = await mock({ rules: [{ when: { path: '/v1/chat/completions', stream: false }, fault: { type: 'status', status: 200, body } }] });
    const results = byId(await run(node));
    expect(results['chat.schema']!.status).toBe('fail');
    expect(results['chat.schema']!.reason).toMatch(/\/id|created|model/);
    expect(results['chat.usage']!.status).toBe('fail');
    expect(results['chat.usage']!.reason).toContain('total 4');
    expect(results['stream.done']!.status).toBe('pass');
  });

  it('a node that refuses json_object with 400 gets an info note, not a failure', async () => {
    const node = await mock({
      rules: [
        {
          when: { message: 'Answer in JSON' },
          fault: { type: 'status', status: 400, body: { error: { message: 'no json mode', type: 'invalid_request_error', code: null } } },
        },
      ],
    });
    const results = byId(await run(node));
    expect(results['chat.json-object']!.status).toBe('info');
    expect(results['chat.json-object']!.reason).toMatch(/expected .*, got HTTP 400/);
  });

  it('tool arguments that break the tool schema fail tools.call and tools.stream', async () => {
    const node = await mock({
      rules: [{ when: { tools: [TOOL_NAME], tool_result: false }, reply: { tool_calls: [{ name: TOOL_NAME, arguments: { city: 5 } }] } }],
    });
    const results = byId(await run(node));
    expect(results['tools.call']!.status).toBe('fail');
    expect(results['tools.call']!.reason).toMatch(/do not match the tool schema/);
    expect(results['tools.stream']!.status).toBe('fail');
    expect(results['chat.usage']!.status).toBe('pass');
  });
});

describe('upstream failures', () => {
  it.each([
    [502, /HTTP 502 upstream_error, the provider's status passed through \(older nodes\)/],
    [424, /424 UPSTREAM_UNAVAILABLE with X-Routstr-Error-Scope \(newer nodes\)/],
  ])('an upstream %i is an error naming the variant (the check could not judge the node), not a failure', async (status, variant) => {
    const node = await startMockNode({
      port: 0,
      scenario: {
        version: 1,
        stream: { ttft_ms: 0, tokens_per_second: 0 },
        rules: [{ when: { path: '/v1/chat/completions', header: { 'x-routstr-check': 'chat.usage' } }, fault: { type: 'upstream_error', status } }],
      },
    });
    try {
      const report = await runConformance({ baseUrl: node.url, key: 'sk-test', maxSats: 1000, only: ['chat'] });
      const usage = report.results.find((r) => r.id === 'chat.usage')!;
      expect(usage.status).toBe('error');
      expect(usage.variant).toMatch(variant);
      expect(report.results.filter((r) => r.id !== 'chat.usage').every((r) => r.status === 'pass' || r.status === 'warn')).toBe(true);
    } finally {
      await node.close();
    }
  });
});
