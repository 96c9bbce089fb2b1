/**
 * The runner against a node that is not ours: a small OpenAI-compatible server written here with
 * plain node:http (no mock code), shaped like a typical third-party proxy, that gets some things
 * right and violates the spec in known ways. Each violation must be reported, on the check that
 * concerns it, and what it does right must pass.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/index.ts';
import type { CheckResult, Report } from '../../src/conformance/types.ts';

const KEY = 'tp-secret-key-0123456789';
const MODEL = 'tiny-chat';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => resolve(text));
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

let chunkCounter = 0;

/** Known violations: see the `it` titles below. */
async function thirdParty(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').replace(/\?.*$/, '');
  if (req.method === 'GET' && path === '/v1/models') {
    // OpenAI's list shape, no Routstr fields (fine for a plain OpenAI-compatible node).
    return json(res, 200, { object: 'list', data: [{ id: MODEL, object: 'model', created: 1700000000, owned_by: 'acme' }] });
  }
  if (req.method === 'POST' && path === '/v1/chat/completions') {
    const text = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Violation: malformed JSON crashes into an HTML 500.
      res.writeHead(500, { 'content-type': 'text/html' });
      return void res.end('<html><body>Internal Server Error</body></html>');
    }
    const auth = req.headers.authorization;
    // Violation: a missing key gets a plain-text 401, not a JSON error envelope.
    if (!auth) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      return void res.end('Unauthorized');
    }
    // Violation: a wrong key gets 403 instead of 401.
    if (auth !== `Bearer ${KEY}`) return json(res, 403, { error: { message: 'Forbidden', type: 'auth_error', code: 'forbidden' } });
    if (body.model !== MODEL)
      return json(res, 404, { error: { message: `model ${String(body.model)} not found`, type: 'invalid_request_error', code: 'model_not_found' } });
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 64;
    const words = ['Hello', ' from', ' a', ' third', ' party', '.'].slice(0, Math.max(1, Math.min(6, maxTokens)));
    const finish = words.length < 6 ? 'length' : 'stop';
    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (choice: Record<string, unknown>) =>
        // Violation: every chunk gets a new id.
        res.write(
          `data: ${JSON.stringify({ id: `chatcmpl-tp-${chunkCounter++}`, object: 'chat.completion.chunk', created: 1700000000, model: MODEL, choices: [choice] })}\n\n`,
        );
      send({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });
      for (const w of words) send({ index: 0, delta: { content: w }, finish_reason: null });
      send({ index: 0, delta: {}, finish_reason: finish });
      // Violation: no data: [DONE] at the end.
      return void res.end();
    }
    // Violations: no `object`, and usage.total_tokens is not prompt + completion.
    return json(res, 200, {
      id: 'chatcmpl-tp',
      created: 1700000000,
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: finish, logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: words.length, total_tokens: 10 },
    });
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('Not Found');
}

let server: Server;
let report: Report;
let results: Record<string, CheckResult>;

beforeAll(async () => {
  server = createServer((req, res) => void thirdParty(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  report = await runConformance({ baseUrl: url, key: KEY, maxSats: 10, timeoutMs: 5000 });
  results = Object.fromEntries(report.results.map((r) => [r.id, r]));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function explain(): string {
  return report.results.map((r) => `${r.id}: ${r.status} — ${r.reason}`).join('\n');
}

describe('runConformance against a third-party OpenAI-compatible server', () => {
  it('reports it as a plain OpenAI-compatible node: Routstr-only checks skipped, not failed', () => {
    expect(report.capabilities.routstr).toBe(false);
    expect(results['info.fields']!.status, explain()).toBe('info');
    for (const id of ['models.routstr-fields', 'models.max-cost', 'errors.x-cashu-too-small', 'billing.balance-delta', 'billing.cost-metadata']) {
      expect(results[id]!.status, id).toBe('skip');
      expect(results[id]!.reason, id).toMatch(/not a Routstr node/);
    }
    expect(results['images.schema']!.status).toBe('skip');
  });

  it('a plain-text 401 for a missing key fails errors.missing-credentials', () => {
    expect(results['errors.missing-credentials']).toMatchObject({ status: 'fail', reason: expect.stringMatching(/not JSON|Unauthorized|envelope/i) });
  });

  it('a 403 for a wrong key fails errors.invalid-key', () => {
    expect(results['errors.invalid-key']).toMatchObject({ status: 'fail', reason: expect.stringMatching(/403/) });
  });

  it('an HTML 500 for malformed JSON fails errors.malformed-json', () => {
    expect(results['errors.malformed-json']).toMatchObject({ status: 'fail', reason: expect.stringMatching(/500/) });
  });

  it('a chat completion without `object` warns on chat.schema (spec-only: no client needs it); a wrong total fails chat.usage', () => {
    expect(results['chat.schema']).toMatchObject({ status: 'warn', reason: expect.stringMatching(/required property 'object'/) });
    expect(results['chat.usage']).toMatchObject({ status: 'fail', reason: expect.stringMatching(/total/) });
  });

  it('a stream without [DONE] fails stream.done, new ids per chunk fail stream.ids-stable', () => {
    expect(results['stream.done']).toMatchObject({ status: 'fail', reason: expect.stringMatching(/no \[DONE\]/) });
    expect(results['stream.ids-stable']).toMatchObject({ status: 'fail', reason: expect.stringMatching(/id takes \d+ values/) });
  });

  it('what it does right passes: model list, max_tokens, role first, one finish, SDK assembly, unknown paths', () => {
    for (const id of [
      'models.list',
      'models.openai-fields',
      'chat.max-tokens',
      'stream.role-first',
      'stream.finish-once',
      'stream.content-type',
      'stream.sdk-assembly',
    ]) {
      expect(results[id]!.status, `${id}\n${explain()}`).toBe('pass');
    }
  });

  it('never shows the key', () => {
    expect(JSON.stringify(report)).not.toContain(KEY);
  });
});
