import { describe, expect, it } from 'vitest';
import { mockNodesClosedAfterEach } from '../helpers/node.ts';
import { type MockNode, runConformance } from '../../src/index.ts';
import { audioChecks } from '../../src/conformance/checks/audio.ts';
import { billingChecks } from '../../src/conformance/checks/billing.ts';
import { decodeFloat32Base64, embeddingsChecks } from '../../src/conformance/checks/embeddings.ts';
import { imageMagic, imagesChecks } from '../../src/conformance/checks/images.ts';
import { xcashuChecks } from '../../src/conformance/checks/xcashu.ts';
import type { Check, Report } from '../../src/conformance/types.ts';
import { decodeToken, mintToken } from '../../src/payment/cashu.ts';

const CHECKS: readonly Check[] = [...embeddingsChecks, ...imagesChecks, ...audioChecks, ...billingChecks, ...xcashuChecks];

const mock = mockNodesClosedAfterEach();

function run(node: MockNode, only: string[], key = 'sk-test'): Promise<Report> {
  return runConformance({ baseUrl: node.url, key, maxSats: 100_000, only, checks: CHECKS, timeoutMs: 10_000 });
}

function statuses(report: Report): Record<string, string> {
  return Object.fromEntries(report.results.map((r) => [r.id, r.status]));
}

function explain(report: Report): string {
  return report.results.map((r) => `${r.id}: ${r.status} — ${r.reason}`).join('\n');
}

async function cashuKey(node: MockNode, amount = 2000): Promise<string> {
  const info = (await (await fetch(`${node.url}/info`)).json()) as { mints: string[] };
  return mintToken({ amount, unit: 'sat', mint: info.mints[0]! });
}

/** The x-cashu and billing checks with a Cashu key, collecting the refund tokens the runner hands back. */
async function runWithCashu(node: MockNode, key: string): Promise<{ report: Report; refunds: string[] }> {
  const refunds: string[] = [];
  const report = await runConformance({
    baseUrl: node.url,
    key,
    maxSats: 100_000,
    only: ['x-cashu', 'billing'],
    checks: CHECKS,
    timeoutMs: 10_000,
    onRefundToken: (t) => refunds.push(t),
  });
  return { report, refunds };
}

describe('paid media, billing and X-Cashu checks against a healthy mock', () => {
  it('passes every embeddings, images, audio and billing check, and reports what it spent', async () => {
    const node = await mock();
    const report = await run(node, ['embeddings', 'images', 'audio', 'billing']);
    const ids = report.results.map((r) => r.id);
    expect(ids).toEqual([...embeddingsChecks, ...imagesChecks, ...audioChecks, ...billingChecks].map((c) => c.id));
    for (const r of report.results) expect(r.status, explain(report)).toBe('pass');
    expect(report.budget.spentMsats).toBeGreaterThan(0);
    const delta = report.results.find((r) => r.id === 'billing.balance-delta')!;
    expect(delta.spentMsats).toBeGreaterThan(0);
  });

  it('x-cashu: gets change for a Cashu key and spends it; the token never appears in the report', async () => {
    const node = await mock();
    const token = await cashuKey(node);
    const report = await run(node, ['x-cashu'], token);
    expect(statuses(report), explain(report)).toEqual({ 'x-cashu.change': 'pass', 'x-cashu.change-spendable': 'pass' });
    expect(JSON.stringify(report)).not.toContain(token);
    expect(JSON.stringify(report)).not.toMatch(/cashu[AB][A-Za-z0-9_-]{20,}/);
  });

  it('skips x-cashu with an sk- key, saying why', async () => {
    const node = await mock();
    const report = await run(node, ['x-cashu'], 'sk-test');
    for (const r of report.results) {
      expect(r.status).toBe('skip');
      expect(r.reason).toMatch(/Cashu token/);
    }
  });

  it('a Cashu key pays the x-cashu checks, the Bearer checks draw on their change, and the rest comes back as a refund token', async () => {
    const node = await mock();
    const token = await cashuKey(node, 2000);
    const { report, refunds } = await runWithCashu(node, token);
    expect(statuses(report), explain(report)).toEqual({
      'x-cashu.change': 'pass',
      'x-cashu.change-spendable': 'pass',
      'billing.balance-delta': 'pass',
      'billing.cost-metadata': 'pass',
    });
    expect(refunds).toHaveLength(1);
    expect(report.leftover).toMatchObject({ refunded: true });
    // Nothing lost on the way but rounding: X-Cashu change comes in whole sats (the node keeps the
    // sub-sat rest), so each of the two X-Cashu payments may keep up to 999 msats beyond its cost.
    const charged = (await (await fetch(`${node.origin}/__mock/journal`)).json()) as { entries: { cost_msats?: number }[] };
    const spent = charged.entries.reduce((sum, e) => sum + (e.cost_msats ?? 0), 0);
    const unaccounted = 2_000_000 - decodeToken(refunds[0]!).amountMsats - spent;
    expect(unaccounted).toBeGreaterThanOrEqual(0);
    expect(unaccounted).toBeLessThan(2 * 1000);
    expect(JSON.stringify(report)).not.toContain(refunds[0]!);
  });

  it('skips paid checks over the sats budget instead of failing them', async () => {
    const node = await mock();
    const report = await runConformance({ baseUrl: node.url, key: 'sk-test', maxSats: 1, only: ['images'], checks: CHECKS });
    for (const r of report.results) expect(r.status, explain(report)).toBe('skip');
    expect(report.results[0]!.reason).toMatch(/over budget/);
  });
});

describe('paid media, billing and X-Cashu checks against broken mocks', () => {
  it('embeddings: a vector that is not base64 (nor floats) fails every embeddings check', async () => {
    const body = {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: 'not-base64!' }],
      model: 'x',
      usage: { prompt_tokens: 1, total_tokens: 1 },
    };
    const node = await mock({ rules: [{ when: { path: '/v1/embeddings' }, fault: { type: 'status', status: 200, body } }] });
    const report = await run(node, ['embeddings']);
    expect(statuses(report), explain(report)).toEqual({
      'embeddings.schema': 'fail',
      'embeddings.base64': 'fail',
      'embeddings.batch': 'fail',
      'embeddings.dimensions': 'fail',
    });
    expect(report.results.find((r) => r.id === 'embeddings.base64')!.reason).toMatch(/base64/);
  });

  it('embeddings: base64 whose bytes are not a multiple of 4 fails embeddings.base64 only', async () => {
    const body = { object: 'list', data: [{ object: 'embedding', index: 0, embedding: 'AAAAAAA=' }], model: 'x', usage: { prompt_tokens: 1, total_tokens: 1 } };
    const node = await mock({ rules: [{ when: { path: '/v1/embeddings' }, fault: { type: 'status', status: 200, body } }] });
    const report = await runConformance({
      baseUrl: node.url,
      key: 'sk-test',
      maxSats: 1000,
      checks: embeddingsChecks.filter((c) => c.id === 'embeddings.base64'),
    });
    expect(report.results[0], explain(report)).toMatchObject({ status: 'fail', reason: expect.stringMatching(/multiple of 4/) });
  });

  it('images: a node without image models reports images as skipped, not failed', async () => {
    const models = [
      {
        id: 'gpt-4o-mini',
        name: 'GPT-4o-mini',
        sats_per_million_tokens: { prompt: 150, completion: 600 },
        context_length: 128000,
        max_completion_tokens: 16384,
      },
    ];
    const node = await mock({ extends: 'none', models, keys: [{ key: 'sk-test', balance_msats: 100_000_000 }], node: { mints: ['http://mint.mock.local'] } });
    const report = await run(node, ['images', 'embeddings', 'audio']);
    expect(report.results.length).toBeGreaterThan(0);
    for (const r of report.results) expect(r.status, explain(report)).toBe('skip');
    expect(report.results.find((r) => r.id === 'images.schema')!.reason).toMatch(/no image model/);
  });

  it('images: b64_json that is not an image fails images.format', async () => {
    const body = { created: 1, data: [{ b64_json: Buffer.from('hello, not a png').toString('base64') }] };
    const node = await mock({ rules: [{ when: { path: '/v1/images/generations' }, fault: { type: 'status', status: 200, body } }] });
    const report = await run(node, ['images']);
    expect(statuses(report)['images.format'], explain(report)).toBe('fail');
    expect(statuses(report)['images.n']).toBe('fail');
  });

  it('audio: a transcription endpoint answering 500 fails every audio check', async () => {
    const body = { error: { message: 'boom', type: 'upstream_error', code: 'upstream_error' } };
    const node = await mock({ rules: [{ when: { path: '/v1/audio/transcriptions' }, fault: { type: 'status', status: 500, body } }] });
    const report = await run(node, ['audio']);
    expect(statuses(report), explain(report)).toEqual({
      'audio.transcription': 'fail',
      'audio.verbose-json': 'fail',
      'audio.text': 'fail',
      'audio.unsupported-format': 'fail',
    });
  });

  it('billing: a chat answer reporting a cost the balance never paid fails balance-delta', async () => {
    const body = {
      id: 'chatcmpl-x',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, cost: { total_msats: 999 } },
    };
    const node = await mock({ rules: [{ when: { path: '/v1/chat/completions' }, fault: { type: 'status', status: 200, body } }] });
    const report = await run(node, ['billing']);
    expect(statuses(report), explain(report)).toEqual({ 'billing.balance-delta': 'fail', 'billing.cost-metadata': 'pass' });
    expect(report.results[0]!.reason).toMatch(/999/);
  });

  it('billing: a chat answer without any cost metadata fails both billing checks; only older fields warn', async () => {
    const answer = (usage: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      id: 'chatcmpl-x',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage,
      ...extra,
    });
    const bare = await mock({
      rules: [
        {
          when: { path: '/v1/chat/completions' },
          fault: { type: 'status', status: 200, body: answer({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 }) },
        },
      ],
    });
    const report = await run(bare, ['billing']);
    expect(statuses(report), explain(report)).toEqual({ 'billing.balance-delta': 'fail', 'billing.cost-metadata': 'fail' });
    const older = await mock({
      rules: [
        {
          when: { path: '/v1/chat/completions' },
          fault: { type: 'status', status: 200, body: answer({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 }, { cost: { total_msats: 3 } }) },
        },
      ],
    });
    const warned = await run(older, ['billing']);
    expect(statuses(warned)['billing.cost-metadata'], explain(warned)).toBe('warn');
  });

  it('x-cashu: a node that redeems the token, its upstream fails and it refunds in X-Cashu: an upstream error, the run goes on with the refund', async () => {
    // The refund a real node sends back after an upstream failure: a fresh token of the same value.
    const mint = await mock();
    const refund = await cashuKey(mint, 2000);
    const node = await mock({
      rules: [
        {
          when: { path: '/v1/chat/completions', header: { 'x-routstr-check': 'x-cashu.change' } },
          fault: {
            type: 'status',
            status: 502,
            headers: { 'x-cashu': refund },
            body: { error: { message: 'Error forwarding request to upstream', type: 'upstream_error', code: 502 } },
          },
        },
      ],
    });
    const { report, refunds } = await runWithCashu(node, await cashuKey(node));
    expect(statuses(report), explain(report)).toEqual({
      'x-cashu.change': 'error',
      'x-cashu.change-spendable': 'pass',
      'billing.balance-delta': 'pass',
      'billing.cost-metadata': 'pass',
    });
    expect(report.results[0]!.reason).toMatch(/refund token of 2000000 msats/);
    expect(refunds).toHaveLength(1);
  });

  it('x-cashu: a 200 without an X-Cashu change header fails x-cashu.change', async () => {
    const body = {
      id: 'chatcmpl-x',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    };
    const node = await mock({ rules: [{ when: { path: '/v1/chat/completions' }, fault: { type: 'status', status: 200, body } }] });
    const report = await run(node, ['x-cashu'], await cashuKey(node));
    expect(statuses(report), explain(report)).toEqual({ 'x-cashu.change': 'fail', 'x-cashu.change-spendable': 'skip' });
  });
});

describe('decoders', () => {
  it('decodes little-endian float32 base64 and rejects bad lengths and characters', () => {
    const floats = new Float32Array([0.5, -1.25, 3]);
    const b64 = Buffer.from(floats.buffer).toString('base64');
    expect(Array.from(decodeFloat32Base64(b64) as Float32Array)).toEqual([0.5, -1.25, 3]);
    expect(decodeFloat32Base64('AAAAAAA=')).toMatch(/multiple of 4/);
    expect(decodeFloat32Base64('not-base64!')).toMatch(/not valid base64/);
    expect(decodeFloat32Base64([1, 2])).toMatch(/array/);
  });

  it('recognises PNG, JPEG and WebP magic bytes', () => {
    expect(imageMagic(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('png');
    expect(imageMagic(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(imageMagic(new Uint8Array(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')))).toBe('webp');
    expect(imageMagic(new Uint8Array(Buffer.from('GIF89a')))).toBeUndefined();
  });
});
