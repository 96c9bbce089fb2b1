import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockNode, startMockNode } from '../../src/index.ts';
import { isControlUrl, isLoopbackHost, isLoopbackOrigin } from '../../src/node/control.ts';
import { FAST_STREAM } from '../helpers/node.ts';

/**
 * The control plane against web pages (issue 12): the exact requests a page a developer visits
 * could send, over raw HTTP (fetch may not set Host). A page's simple requests (text/plain, forms,
 * no preflight) and a DNS-rebinding page (its own name in Host) must change and read nothing,
 * and a /__mock URL however encoded is the control plane, never a journaled API request.
 */

const running: MockNode[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.close()));
});

async function start(options: { controlToken?: string } = {}): Promise<MockNode> {
  const node = await startMockNode({ port: 0, scenario: { version: 1, stream: FAST_STREAM }, ...options });
  running.push(node);
  return node;
}

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One raw HTTP request; `host` defaults to the node's own address, as a tool sends it. */
function raw(node: MockNode, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: node.port,
        method,
        path,
        headers: { host: `127.0.0.1:${node.port}`, ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const EVIL = { origin: 'http://evil.example' };
const corsHeaders = (r: RawReply) => Object.keys(r.headers).filter((h) => h.startsWith('access-control-'));

async function keyWorks(node: MockNode, key: string): Promise<boolean> {
  return (await raw(node, 'GET', '/v1/balance/info', { authorization: `Bearer ${key}` })).status === 200;
}

describe('the control plane refuses what a web page can send', () => {
  it('simple requests from another origin (text/plain, forms, no body) change nothing and carry no CORS headers', async () => {
    const node = await start();
    const before = JSON.stringify(node.scenario());
    const attempts: [string, string, Record<string, string>, string?][] = [
      ['POST', '/__mock/keys', { ...EVIL, 'content-type': 'text/plain' }, '{"key":"sk-evil","balance_msats":1000000000}'],
      ['POST', '/__mock/keys', { ...EVIL, 'content-type': 'application/x-www-form-urlencoded' }, '{"key":"sk-evil","balance_msats":1000000000}'],
      ['POST', '/__mock/scenario', { ...EVIL, 'content-type': 'text/plain' }, 'version: 1\nextends: none\nname: pwned\n'],
      ['POST', '/__mock/faults', { ...EVIL, 'content-type': 'text/plain' }, '{"fault":{"type":"invalid_api_key"},"count":100}'],
      ['POST', '/__mock/reset', EVIL],
      ['GET', '/__mock/scenario', EVIL],
      ['GET', '/__mock/journal', { origin: 'null' }],
    ];
    for (const [method, path, headers, body] of attempts) {
      const r = await raw(node, method, path, headers, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.json.error.message, path).toMatch(/refuses requests from web pages/);
      expect(corsHeaders(r), path).toEqual([]);
      expect(r.headers['x-routstr-request-id'], path).toBeTruthy();
    }
    expect(await keyWorks(node, 'sk-evil')).toBe(false);
    expect(JSON.stringify(node.scenario())).toBe(before);
    expect((await raw(node, 'GET', '/__mock/faults')).json).toEqual({ queued: [] });
  });

  it('takes JSON and YAML bodies only, whoever sends them: text/plain, forms and untyped bodies are a 415', async () => {
    const node = await start();
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const r = await raw(node, 'POST', '/__mock/keys', type ? { 'content-type': type } : {}, '{"key":"sk-plain","balance_msats":1000}');
      expect(r.status, String(type)).toBe(415);
      expect(r.json.error, String(type)).toMatchObject({ type: 'control_error', message: expect.stringMatching(/application\/json/) });
    }
    expect(await keyWorks(node, 'sk-plain')).toBe(false);
    const yaml = await raw(node, 'POST', '/__mock/scenario', { 'content-type': 'text/plain' }, 'version: 1\nname: plain\n');
    expect(yaml.status).toBe(415);
    expect(node.scenario().name).not.toBe('plain');

    // What tools send still works.
    expect((await raw(node, 'POST', '/__mock/keys', { 'content-type': 'application/json' }, '{"key":"sk-json","balance_msats":1000}')).status).toBe(200);
    expect(await keyWorks(node, 'sk-json')).toBe(true);
    for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml; charset=utf-8']) {
      const r = await raw(node, 'POST', '/__mock/scenario', { 'content-type': type }, `version: 1\nname: ${type.split(';')[0]!.replace('/', '-')}\n`);
      expect(r.status, type).toBe(200);
    }
    expect((await raw(node, 'POST', '/__mock/reset')).status).toBe(200);
  });

  it('answers no CORS preflight, so a page cannot send JSON either', async () => {
    const node = await start();
    const preflight = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' };
    const fromPage = await raw(node, 'OPTIONS', '/__mock/keys', { ...EVIL, ...preflight });
    expect(fromPage.status).toBe(403);
    expect(corsHeaders(fromPage)).toEqual([]);
    // Even from a loopback page: no preflight answer, no CORS headers.
    const local = await raw(node, 'OPTIONS', '/__mock/keys', { origin: 'http://localhost:3000', ...preflight });
    expect(local.status).toBe(405);
    expect(corsHeaders(local)).toEqual([]);
  });

  it('refuses a DNS-rebinding page: a Host that is not a loopback name, with or without Origin', async () => {
    const node = await start();
    const rebound = { host: 'evil.example:8000' };
    const read = await raw(node, 'GET', '/__mock/scenario', rebound);
    expect(read.status).toBe(403);
    expect(read.json.error.message).toMatch(/loopback names only/);
    expect(read.text).not.toContain('sk-test');
    const write = await raw(
      node,
      'POST',
      '/__mock/keys',
      { ...rebound, origin: 'http://evil.example:8000', 'content-type': 'application/json' },
      '{"key":"sk-rebound","balance_msats":1000}',
    );
    expect(write.status).toBe(403);
    expect(await keyWorks(node, 'sk-rebound')).toBe(false);
    // The API itself answers any Host, as real nodes do.
    expect((await raw(node, 'GET', '/v1/models', rebound)).status).toBe(200);
  });

  it('serves loopback names and loopback pages; with a control token, the token holder from anywhere', async () => {
    const node = await start();
    for (const host of [`localhost:${node.port}`, `127.0.0.1:${node.port}`, `[::1]:${node.port}`, 'app.localhost', '127.0.0.2']) {
      expect((await raw(node, 'GET', '/__mock/health', { host })).status, host).toBe(200);
    }
    const devPage = await raw(node, 'POST', '/__mock/keys', { origin: 'http://localhost:5173', 'content-type': 'application/json' }, '{"balance_msats":1}');
    expect(devPage.status).toBe(200);
    expect(corsHeaders(devPage)).toEqual([]);

    const guarded = await start({ controlToken: 'c0ntrol-t0ken' });
    const far = { host: 'mock.example:8000', origin: 'http://evil.example' };
    expect((await raw(guarded, 'GET', '/__mock/health', far)).status).toBe(401);
    expect((await raw(guarded, 'GET', '/__mock/health', { ...far, 'x-mock-control-token': 'c0ntrol-t0ken' })).status).toBe(200);
  });

  it('keeps the API’s CORS as real nodes send it', async () => {
    const node = await start();
    const preflight = await raw(node, 'OPTIONS', '/v1/chat/completions', { ...EVIL, 'access-control-request-method': 'POST' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-headers']).toBe('*');
    const models = await raw(node, 'GET', '/v1/models', EVIL);
    expect(models.status).toBe(200);
    expect(models.headers['access-control-allow-origin']).toBe('*');
    expect(models.headers['access-control-expose-headers']).toContain('x-cashu');
  });
});

describe('a /__mock URL however written is the control plane or a 404', () => {
  it('percent-encoded, other case, doubled slashes: never journaled, guarded like the control plane', async () => {
    const token = 'c0ntrol-t0ken-secret';
    const node = await start({ controlToken: token });
    const bearer = { authorization: `Bearer ${token}` };
    const encoded = await raw(node, 'GET', '/%5F%5Fmock/journal', bearer);
    expect(encoded.status).toBe(200);
    // Routed to the control plane, so not an API request: not journaled with the token's first characters.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(node.journal()).toEqual([]);
    expect((await raw(node, 'GET', '/%5f%5fmock/health', { authorization: 'Bearer wrong' })).status).toBe(401);
    for (const path of ['/__MOCK/journal', '//__mock/journal', '/__mock%2Fjournal', '/%5F%5Fmock/nope', '/v1/../__mock/journal']) {
      const r = await raw(node, 'GET', path, bearer);
      expect(r.status, path).toBe(404);
      expect(r.json.error.type, path).toBe('control_error');
    }
    // None of these is an API request: the journal holds nothing, and no part of the token.
    const journal = await raw(node, 'GET', '/__mock/journal', bearer);
    expect(journal.json.entries).toEqual([]);
    expect(JSON.stringify(node.journal())).not.toContain(token.slice(0, 3));
    expect(node.journal()).toEqual([]);
  });

  it('without a token an encoded path from a page is refused as the control plane is', async () => {
    const node = await start();
    const r = await raw(node, 'POST', '/%5F%5Fmock/keys', { ...EVIL, 'content-type': 'text/plain' }, '{"key":"sk-enc","balance_msats":1000}');
    expect(r.status).toBe(403);
    expect(await keyWorks(node, 'sk-enc')).toBe(false);
  });

  it('isControlUrl, isLoopbackHost, isLoopbackOrigin', () => {
    for (const url of [
      '/__mock',
      '/__mock/',
      '/__mock/journal?x=1',
      '/%5F%5Fmock/journal',
      '/__MOCK/x',
      '//__mock//x',
      '/v1/../__mock/x',
      '/__mock%2Fx',
      '/__mock/%zz',
    ])
      expect(isControlUrl(url), url).toBe(true);
    for (const url of ['/', '/v1/chat/completions', '/__mocked', '/v1/__mock/x', '/x?y=/__mock/']) expect(isControlUrl(url), url).toBe(false);
    for (const host of [undefined, 'localhost', 'LOCALHOST:80', 'localhost.', 'a.localhost:1', '127.0.0.1', '127.9.9.9:1', '[::1]', '[::1]:8000', '::1'])
      expect(isLoopbackHost(host), String(host)).toBe(true);
    for (const host of ['', 'evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', '0.0.0.0:8000', '[::2]:1', '[::1]x', '10.0.0.1', '::', '0.0.0.0'])
      expect(isLoopbackHost(host), host).toBe(false);
    expect(isLoopbackOrigin('http://localhost:3000')).toBe(true);
    expect(isLoopbackOrigin('https://127.0.0.1')).toBe(true);
    for (const origin of ['null', 'http://evil.example', 'file://', 'chrome-extension://abc', 'http://localhost.evil.example'])
      expect(isLoopbackOrigin(origin), origin).toBe(false);
  });
});
