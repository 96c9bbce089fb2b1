/**
 * The conformance runner against hostile nodes (issue 6): slowloris headers, an endless stream, a
 * 100 MB body, garbage and a reset mid-body, redirect loops. Each run must end within a bound
 * derived from its timeouts, with every check that ran failed for a reason a user can read, valid
 * JSON and JUnit reports, and exit code 1. The runs get a key, a budget and a model so the paid
 * checks (chat, stream, tools) run and must end too.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createGzip } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../src/conformance/checks/index.ts';
import { formatJson } from '../../src/conformance/reporters/json.ts';
import { formatJunit } from '../../src/conformance/reporters/junit.ts';
import { type RunOptions, exitCodeFor, runConformance } from '../../src/conformance/runner.ts';
import type { CheckResult, Report, Status } from '../../src/conformance/types.ts';
import { closeHostileServers, every, httpServer, tcpResponder } from '../helpers/hostile-servers.ts';
import { parseXml } from '../helpers/xml.ts';

afterEach(closeHostileServers);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const KEY = 'sk-test-hostile-0123456789';
const TIMEOUT_MS = 1200;
const FIRST_BYTE_MS = 200;
const IDLE_MS = 200;
const BASE: Omit<RunOptions, 'baseUrl'> = {
  key: KEY,
  maxSats: 1000,
  model: 'gpt-4o-mini',
  timeoutMs: TIMEOUT_MS,
  timeouts: { firstByte: FIRST_BYTE_MS, idle: IDLE_MS },
};
/** Scheduling slack on top of a timeout (2 shared cores; checks run PARALLEL_CHECKS at once). */
const SLACK_MS = 600;

/**
 * What runs against a node that is not Routstr (its /v1/info is hostile too) and lists no models:
 * the free checks and, with --model, the chat, stream and tools checks. The other paid areas need
 * a model of their kind from /v1/models and skip.
 */
const EXPECTED_TO_RUN = ALL_CHECKS.filter((c) => !c.routstrOnly && ['info', 'models', 'errors', 'chat', 'stream', 'tools'].includes(c.area)).map((c) => c.id);

/** The openai SDK's own stream helper: it has its own transport, so it fails its own way. */
const SDK = 'stream.sdk-assembly';
/** tools.stream reports what it did not find, not why the stream ended. */
const TOOLS_STREAM = { reason: /got no tool_calls deltas in \d+ events/ };
/** The runner's own per-check timeout, for checks whose transport has none over the whole body. */
const CHECK_TIMEOUT = { reason: new RegExp(`expected the check to finish within ${TIMEOUT_MS} ms, got no result`), within: TIMEOUT_MS + SLACK_MS };

interface Expected {
  reason: RegExp;
  status?: Status;
  /** The most the check may take, in ms. */
  within?: number;
}

interface Run {
  report: Report;
  elapsedMs: number;
  ran: CheckResult[];
}

async function run(url: string, options: Partial<RunOptions> = {}): Promise<Run> {
  const started = Date.now();
  const report = await runConformance({ baseUrl: url, ...BASE, ...options });
  const elapsedMs = Date.now() - started;
  return { report, elapsedMs, ran: report.results.filter((r) => r.status !== 'skip') };
}

/**
 * Every check that ran failed (warn-severity ones warn) for the reason given for it (by id, then
 * by area, then `all`), each within its bound; the run within the discovery bound plus the sum of
 * the check bounds; the reports are valid and the exit code is 1.
 */
function expectAllFailed(
  { report, elapsedMs, ran }: Run,
  all: Required<Pick<Expected, 'reason' | 'within'>>,
  by: Record<string, Expected> = {},
  expectedToRun: readonly string[] = EXPECTED_TO_RUN,
): void {
  expect(report.unreachable).toBeUndefined();
  expect(ran.map((r) => r.id).sort()).toEqual([...expectedToRun].sort());
  let bound = all.within; // discovery: /v1/models and /v1/info in parallel
  for (const r of ran) {
    const expected = { ...all, ...(by[r.area] ?? {}), ...(by[r.id] ?? {}) };
    expect(r.status, `${r.id}: ${r.reason}`).toBe(expected.status ?? (r.severity === 'warn' ? 'warn' : 'fail'));
    expect(r.reason, r.id).toMatch(expected.reason);
    expect(r.reason, r.id).toMatch(/^expected .+, got .+/s);
    expect(r.durationMs, r.id).toBeLessThan(expected.within);
    bound += expected.within;
  }
  expect(elapsedMs).toBeLessThan(bound);
  expect(exitCodeFor(report)).toBe(1);
  expectValidReports(report);
}

function expectValidReports(report: Report): void {
  const json = formatJson(report);
  const parsed = JSON.parse(json) as Report;
  expect(parsed.summary).toEqual(report.summary);
  expect(parsed.results.map((r) => [r.id, r.status, r.reason])).toEqual(report.results.map((r) => [r.id, r.status, r.reason]));
  const xml = formatJunit(report);
  const elements = parseXml(xml);
  expect(elements[0]!.attrs).toMatchObject({ tests: String(report.results.length), failures: String(report.summary.fail) });
  expect(elements.filter((e) => e.name === 'testcase')).toHaveLength(report.results.length);
  expect(elements.filter((e) => e.name === 'failure')).toHaveLength(report.summary.fail);
  for (const out of [json, xml]) expect(out).not.toContain(KEY);
}

/** A chat completion chunk as a well-behaved node streams it. */
function chunk(n: number): string {
  const delta = n === 0 ? { role: 'assistant', content: '' } : { content: ' la' };
  return `data: ${JSON.stringify({ id: 'chatcmpl-endless', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
}

/** Writes `total` bytes of JSON-looking lines as fast as the client reads them (honouring backpressure). */
function pump(res: ServerResponse, total: number, onSent: (bytes: number) => void = () => undefined): void {
  const line = Buffer.from(`  {"id": "model", "object": "model", "description": "${'x'.repeat(1000)}"},\n`);
  const block = Buffer.concat(Array.from({ length: Math.ceil(65536 / line.length) }, () => line));
  let sent = 0;
  const write = () => {
    while (sent < total) {
      const piece = total - sent >= block.length ? block : block.subarray(0, total - sent);
      sent += piece.length;
      onSent(piece.length);
      if (!res.write(piece)) return void res.once('drain', write);
    }
    res.end();
  };
  res.on('error', () => undefined);
  write();
}

/** gzip of `size` zero bytes, compressed piece by piece (never holding them): about size / 1000 bytes. */
async function gzipOfZeros(size: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gzip.on('end', r));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = size; left > 0; left -= zeros.length) if (!gzip.write(zeros)) await new Promise((r) => gzip.once('drain', r));
  gzip.end();
  await done;
  return Buffer.concat(out);
}

describe('runConformance against hostile nodes', () => {
  it('slowloris headers: every request fails at its first-byte timeout', async () => {
    const url = await tcpResponder((s) => {
      s.write('HTTP/1.1 200 OK\r\nX-Slowloris: ');
      every(100, s, () => s.write('a'));
    });
    expectAllFailed(await run(url), { reason: /got first-byte-timeout: no response headers within 200 ms$/, within: FIRST_BYTE_MS + SLACK_MS });
  });

  it('an endless event stream on every path: requests fail at their total timeout', async () => {
    const url = await httpServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let n = 0;
      every(20, res, () => res.write(chunk(n++)));
    });
    const total = 300;
    const result = await run(url, { timeouts: { firstByte: FIRST_BYTE_MS, idle: IDLE_MS, total } });
    expectAllFailed(
      result,
      { reason: /total-timeout: not complete within 300 ms$/, within: total + SLACK_MS },
      {
        // Every chunk that arrived is fine; a stream that never ends still fails each stream check.
        'tools.stream': TOOLS_STREAM,
      },
    );
    expect(result.report.results.find((r) => r.id === 'stream.done')!.reason).toMatch(/no \[DONE\] after \d+ events .*; the stream ended with total-timeout/);
  });

  describe('a 100 MB body', () => {
    const SIZE = 100 * 1024 * 1024;

    /** /v1/models and friends answer 200 JSON of 100 MB; returns the URL and the bytes sent per check. */
    async function hugeBodies(): Promise<{ url: string; sent: Map<string, number> }> {
      const sent = new Map<string, number>();
      const url = await httpServer((req, res) => {
        req.resume();
        const id = String(req.headers['x-routstr-check'] ?? `discovery ${req.url}`);
        // GETs announce the size, POSTs stream it chunked: the cap must hold either way.
        res.writeHead(200, { 'content-type': 'application/json', ...(req.method === 'GET' ? { 'content-length': String(SIZE) } : {}) });
        pump(res, SIZE, (n) => sent.set(id, (sent.get(id) ?? 0) + n));
      });
      return { url, sent };
    }

    /**
     * Peak growth of what the process holds (JS heap plus buffers), sampled every 20 ms right after a
     * forced collection, and of its RSS, while `fn` runs. Collecting first makes the numbers follow
     * what is live rather than how long V8 waits before collecting the dropped bodies.
     */
    async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; liveMiB: number; rssMiB: number }> {
      const live = () => {
        const u = process.memoryUsage();
        return u.heapUsed + u.external;
      };
      gc();
      const base = { live: live(), rss: process.memoryUsage().rss };
      const peak = { ...base };
      const sample = () => {
        gc();
        peak.live = Math.max(peak.live, live());
        peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
      };
      const sampler = setInterval(sample, 20);
      try {
        const value = await fn();
        sample();
        return { value, liveMiB: (peak.live - base.live) / 2 ** 20, rssMiB: (peak.rss - base.rss) / 2 ** 20 };
      } finally {
        clearInterval(sampler);
      }
    }

    it('the runner stops reading at its 8 MiB cap, fails naming the size, and its memory stays bounded', async () => {
      const { url, sent } = await hugeBodies();
      // Longer first-byte and idle timeouts: the server, in this process, pumps 100 MB into up to PARALLEL_CHECKS requests at once.
      const options = { checks: ALL_CHECKS.filter((c) => c.id !== SDK), timeoutMs: 30_000, timeouts: { firstByte: 5000, idle: 5000 } };
      const { value: result, liveMiB, rssMiB } = await measure(() => run(url, options));
      expectAllFailed(
        result,
        { reason: /too-large: body larger than 8388608 bytes(; stopped reading there| \(Content-Length 104857600\); not read)$/, within: 30_000 },
        { 'stream.content-type': { reason: /got content-type "application\/json"$/ }, 'tools.stream': TOOLS_STREAM },
        EXPECTED_TO_RUN.filter((id) => id !== SDK),
      );
      expect(result.report.results.find((r) => r.id === 'models.list')!.reason).toContain('(Content-Length 104857600); not read');
      expect(result.report.results.find((r) => r.id === 'chat.schema')!.reason).toContain('stopped reading there');
      // Each request took the cap plus what loopback socket buffers hold, nowhere near 100 MB.
      for (const [id, bytes] of sent) expect(bytes / 2 ** 20, id).toBeLessThan(32);
      // Up to PARALLEL_CHECKS bodies are read at once, each up to the cap (was 48 and 80 MiB when checks ran one by one).
      expect(liveMiB).toBeLessThan(64);
      expect(rssMiB).toBeLessThan(128);
    }, 90_000);

    it("the SDK's stream helper reads through the runner's cap: too-large, memory bounded (issue 12)", async () => {
      const { url, sent } = await hugeBodies();
      // A longer first-byte timeout: the server is still pumping the discovery requests' 100 MB when the check starts.
      const options = { checks: ALL_CHECKS.filter((c) => c.id === SDK), timeoutMs: 3000, timeouts: { firstByte: 1000, idle: IDLE_MS } };
      const { value: result, liveMiB } = await measure(() => run(url, options));
      expectAllFailed(result, { reason: /got HTTP 200 then too-large: body larger than 8388608 bytes; stopped reading there$/, within: 3000 }, {}, [SDK]);
      expect(sent.get(SDK)! / 2 ** 20).toBeLessThan(32);
      expect(liveMiB).toBeLessThan(48);
    });
  });

  describe("stream.sdk-assembly reads the runner's capture, not the socket (issue 12)", () => {
    /** The SDK check alone, with a check timeout long enough that only the runner's own limits can end it early. */
    const sdkOnly = (url: string) => run(url, { checks: ALL_CHECKS.filter((c) => c.id === SDK), timeoutMs: 8000, timeouts: { firstByte: 500, idle: 500 } });

    it('a 50 MB SSE line ends at the 8 MiB cap', async () => {
      const url = await httpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"id":"');
        pump(res, 50 * 1024 * 1024);
      });
      const { ran } = await sdkOnly(url);
      expect(ran[0]!.reason).toMatch(/got HTTP 200 then too-large: body larger than 8388608 bytes; stopped reading there$/);
      expect(ran[0]!.durationMs).toBeLessThan(4000);
    });

    it('a gzip bomb ends at the 8 MiB cap, counted after decompression', async () => {
      const bomb = await gzipOfZeros(256 * 1024 * 1024);
      const url = await httpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
        res.end(bomb);
      });
      const { ran } = await sdkOnly(url);
      expect(ran[0]!.reason).toMatch(/got HTTP 200 then too-large: body larger than 8388608 bytes; stopped reading there$/);
      expect(ran[0]!.durationMs).toBeLessThan(4000);
    });

    it('headers, then nothing: ends at the idle timeout', async () => {
      const url = await httpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(chunk(0));
      });
      const { ran } = await sdkOnly(url);
      expect(ran[0]!.reason).toMatch(/got HTTP 200 then idle-timeout: no data for 500 ms$/);
      expect(ran[0]!.durationMs).toBeLessThan(2500);
    });
  });

  it('an endless stream of well-formed tool-call deltas fails tools.stream (a stream must finish to pass)', async () => {
    const url = await httpServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const call = { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
      let n = 0;
      every(20, res, () => {
        const delta = n++ === 0 ? { role: 'assistant', content: null, tool_calls: [call] } : { tool_calls: [{ index: 0, function: { arguments: '' } }] };
        res.write(
          `data: ${JSON.stringify({ id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`,
        );
      });
    });
    const { report } = await run(url, { only: ['tools'], timeouts: { firstByte: FIRST_BYTE_MS, idle: IDLE_MS, total: 300 } });
    expect(report.results.find((r) => r.id === 'tools.stream')).toMatchObject({
      status: 'fail',
      reason: expect.stringMatching(/a stream that never finished; the stream ended with total-timeout/),
    });
  });

  it('garbage bytes mid-body: valid headers, then random binary where a chunk size belongs', async () => {
    const url = await tcpResponder((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      s.write('10\r\n{"data": [{"id":\r\n');
      s.end(Buffer.concat([Buffer.from([0xff, 0x00]), randomBytes(4096)]));
    });
    expectAllFailed(
      await run(url),
      { reason: /got HTTP 200 then protocol: not a valid HTTP response \(.*chunk size.*\)$/, within: 1000 },
      {
        stream: { reason: /the stream ended with protocol: not a valid HTTP response/ },
        'stream.content-type': { reason: /got content-type "application\/json"$/ },
        'tools.stream': TOOLS_STREAM,
        // The SDK reads the runner's capture, so it fails with the transport's own reason.
        [SDK]: { reason: /got HTTP 200 then protocol: not a valid HTTP response \(.*chunk size.*\)$/ },
      },
    );
  });

  it('random binary as a body of the announced length: each check says what it got', async () => {
    const url = await httpServer((req, res) => {
      req.resume();
      const body = randomBytes(2048);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.end(body);
    });
    expectAllFailed(
      await run(url),
      { reason: /got HTTP 200 with a body that is not JSON \(/, within: 1000 },
      {
        stream: {
          reason:
            /got (a line that is no SSE field|no \[DONE\] after 0 events|no chunk with choices|no JSON chunks|0 chunks with usage|content-type "application\/json")/,
        },
        'tools.stream': TOOLS_STREAM,
        [SDK]: { reason: /the SDK threw Error: request ended without sending any chunks/ },
      },
    );
  });

  it('a connection reset mid-body: reset failures', async () => {
    const url = await tcpResponder((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n');
      s.write(`{"data": [${' '.repeat(990)}`);
      setTimeout(() => s.resetAndDestroy(), 20);
    });
    expectAllFailed(
      await run(url),
      { reason: /got HTTP 200 then reset: connection reset \(.*ECONNRESET\)$/, within: 1000 },
      {
        stream: { reason: /the stream ended with reset: connection reset/ },
        'stream.content-type': { reason: /got content-type "application\/json"$/ },
        'tools.stream': TOOLS_STREAM,
        [SDK]: { reason: /got HTTP 200 then reset: connection reset \(.*ECONNRESET\)$/ },
      },
    );
  });

  it('a redirect to itself: fails at once, naming the Location, not followed', async () => {
    const url = await httpServer((req, res) => {
      req.resume();
      res.writeHead(302, { location: req.url ?? '/' });
      res.end();
    });
    const redirect =
      /redirect: HTTP 302 redirect to http:\/\/127\.0\.0\.1:\d+\/v1\/[\w/-]+, to itself \(a redirect loop\); not followed: an API endpoint must answer, not redirect$/;
    expectAllFailed(await run(url), { reason: redirect, within: 1000 });
  });

  it('a redirect loop A → B → A: fails at the first hop, naming where it points', async () => {
    const url = await httpServer((req, res) => {
      req.resume();
      const path = req.url ?? '/';
      res.writeHead(307, { location: path.startsWith('/b/') ? path.slice(2) : `/b${path}` });
      res.end();
    });
    const redirect = /redirect: HTTP 307 redirect to http:\/\/127\.0\.0\.1:\d+\/b\/v1\/[\w/-]+; not followed: an API endpoint must answer, not redirect$/;
    expectAllFailed(await run(url), { reason: redirect, within: 1000 });
  });
});

describe('images.format fetches image URLs on the node only (issue 12)', () => {
  const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

  /** A third party the runner must not touch: it records every request it gets. */
  async function victim(): Promise<{ url: string; hits: IncomingMessage[] }> {
    const hits: IncomingMessage[] = [];
    const url = await httpServer((req, res) => {
      hits.push(req);
      req.resume();
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(PNG);
    });
    return { url, hits };
  }

  /** A node with one image model whose url answers are `imageUrl(nodeUrl)`; GET /img/ok serves a PNG, /img/moved redirects to `moved`. */
  async function imageNode(imageUrl: (node: string) => string, moved = ''): Promise<string> {
    let node = '';
    node = await httpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const json = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.url === '/v1/models') return json(200, { object: 'list', data: [{ id: 'dall-e-2', object: 'model', created: 1, owned_by: 'x' }] });
        if (req.url === '/img/ok') {
          res.writeHead(200, { 'content-type': 'image/png' });
          return res.end(PNG);
        }
        if (req.url === '/img/moved') {
          res.writeHead(302, { location: moved });
          return res.end();
        }
        if (req.url === '/v1/images/generations') {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { response_format?: string };
          const item = body.response_format === 'b64_json' ? { b64_json: PNG.toString('base64') } : { url: imageUrl(node) };
          return json(200, { created: 1, data: [item] });
        }
        json(404, { detail: 'Not Found' });
      });
    });
    return node;
  }

  const FORMAT = ALL_CHECKS.filter((c) => c.id === 'images.format');
  const formatResult = async (node: string, options: Partial<RunOptions> = {}) =>
    (await run(node, { checks: FORMAT, ...options })).report.results.find((r) => r.id === 'images.format')!;

  it('a URL on another host is not fetched: info naming it, no request goes out', async () => {
    const { url, hits } = await victim();
    const node = await imageNode(() => `${url}/internal-admin?action=delete-everything`);
    const result = await formatResult(node);
    expect(hits.map((h) => h.url)).toEqual([]);
    expect(result.status, result.reason).toBe('info');
    expect(result.reason).toMatch(
      /url not fetched: http:\/\/127\.0\.0\.1:\d+\/internal-admin\?action=delete-everything is on another origin than the node \(pass --allow-foreign-image-urls/,
    );
  });

  it("a redirect from the node's origin to another counts as foreign", async () => {
    const { url, hits } = await victim();
    const node = await imageNode((n) => `${n}/img/moved`, `${url}/internal-admin?action=delete-everything`);
    const result = await formatResult(node);
    expect(hits).toEqual([]);
    expect(result.status, result.reason).toBe('info');
    expect(result.reason).toMatch(
      /the node redirects http:\/\/127\.0\.0\.1:\d+\/img\/moved to http:\/\/127\.0\.0\.1:\d+\/internal-admin\?action=delete-everything, another origin/,
    );
  });

  it('an image on the node itself is fetched and judged; --allow-foreign-image-urls fetches others, without credentials', async () => {
    const own = await imageNode((n) => `${n}/img/ok`);
    expect((await formatResult(own)).status).toBe('pass');
    const { url, hits } = await victim();
    const node = await imageNode((n) => `${n}/img/moved`, `${url}/cdn/picture.png`);
    const result = await formatResult(node, { allowForeignImageUrls: true });
    expect(result.status, result.reason).toBe('pass');
    expect(hits.map((h) => h.url)).toEqual(['/cdn/picture.png']);
    expect(hits[0]!.headers.authorization).toBeUndefined();
    expect(hits[0]!.headers['x-cashu']).toBeUndefined();
    expect(JSON.stringify(hits[0]!.headers)).not.toContain(KEY);
  });
});

describe('the whole run has a deadline (issue 12)', () => {
  /** A node whose streams send their headers and then nothing; everything else answers at once. */
  async function stallingStreams(): Promise<string> {
    return httpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (req.url === '/v1/models') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1, owned_by: 'x' }] }));
        }
        if (/"stream":true/.test(body)) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          return res.flushHeaders();
        }
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'Not Found', type: 'invalid_request_error', code: 'not_found' } }));
      });
    });
  }

  const DEADLINE_MS = 8000;
  /** Generous for a shared 2-core machine; without a deadline this node holds a run for minutes. */
  const BOUND_MS = DEADLINE_MS + 15_000;

  it('runConformance({ deadline }) ends within it against streams that stall after their headers (default 15 s timeouts)', async () => {
    const url = await stallingStreams();
    const started = Date.now();
    const report = await runConformance({ baseUrl: url, key: KEY, maxSats: 1000, model: 'gpt-4o-mini', deadline: DEADLINE_MS });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(BOUND_MS);
    expect(report.deadline).toEqual({ ms: DEADLINE_MS, reached: true });
    // Every check has a result; the stream checks the deadline cut or never started say so.
    expect(report.results.map((r) => r.id).sort()).toEqual(ALL_CHECKS.map((c) => c.id).sort());
    const stream = report.results.filter((r) => r.area === 'stream');
    expect(stream.length).toBeGreaterThan(0);
    for (const r of stream) {
      expect(r.status, r.id).toBe('error');
      expect(r.reason, r.id).toMatch(/^expected the check to (finish|start) before the run's deadline \(8000 ms\), got .*(not judged|not run)/);
    }
    expect(exitCodeFor(report)).toBe(1);
    expectValidReports(report);
  }, 60_000);

  it('check --deadline ends the CLI run within it, naming the deadline; --help documents it', async () => {
    const url = await stallingStreams();
    const started = Date.now();
    const res = await cli(['check', url, '--key', KEY, '--max-sats', '1000', '--model', 'gpt-4o-mini', '--deadline', String(DEADLINE_MS)]);
    expect(Date.now() - started).toBeLessThan(BOUND_MS + 2000);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(/stream\.done .*\n\s+error: expected the check to (finish|start) before the run's deadline \(8000 ms\)/);
    expect(res.stdout).toContain("stopped by the run's deadline of 8.0 s (--deadline)");
    expect(res.stdout).not.toContain(KEY);
    const help = await cli(['check', '--help']);
    expect(help.stdout).toMatch(/--deadline <ms>\s+total time of the whole run in ms/);
    expect(help.stdout).toMatch(/default: 60000/);
  }, 60_000);
});

/** The CLI in a child process, asynchronously: the hostile server answers from this process meanwhile. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const bin = new URL('../../bin/routstr-mock.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, GITHUB_STEP_SUMMARY: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
