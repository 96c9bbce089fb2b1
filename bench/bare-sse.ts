/**
 * A bare paced SSE server, the baseline of bench/streams.ts part (a): node:http and nothing else
 * (no fastify, no code of the mock). It answers every POST as a streamed chat completion: it reads
 * the body and JSON.parses it (for `max_tokens`), answers 200 `text/event-stream`, and writes a
 * role frame, `max_tokens` content frames (default 16), a finish frame, a usage chunk
 * (`usage.completion_tokens` = the number of content frames, which the bench's client reads to
 * know how long the stream should take) and `data: [DONE]`.
 *
 * The frames are fixed strings the size of the mock's own (copied from a real mock stream for
 * gpt-4o-mini: role 304 bytes, content 274 bytes with one token, finish 262, usage ≈ 1 300), so the
 * bytes on the wire match. The schedule is the mock's (src/responses/pacing.ts, sse-writer.ts):
 * the first content frame at `ttft` (with the role frame), then one every 1000 / tps ms (the last
 * with the finish frame, the usage chunk and `[DONE]`); times are absolute from the moment the
 * request's handler starts, so timer lateness does not add up, and frames due together (within
 * 1 ms) go out in one write. The headers go out with the first frame, as from the mock.
 *
 * Run directly, it serves until killed and prints `bare-sse listening on <url>` (for a child
 * process): `npx tsx bench/bare-sse.ts [--port N] [--ttft MS] [--tps N]`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

const ID = 'chatcmpl-00000000-0000-4000-8000-000000000000';
const HEAD = `"id":"${ID}","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp_0c17e944"`;
const frame = (data: string) => `data: ${data}\n\n`;

const ROLE_FRAME = frame(
  `{${HEAD},"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`,
);
const CONTENT_FRAME = frame(`{${HEAD},"choices":[{"index":0,"delta":{"content":" the"},"logprobs":null,"finish_reason":null}],"usage":null}`);
const FINISH_FRAME = frame(`{${HEAD},"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}],"usage":null}`);
const DONE_FRAME = frame('[DONE]');

/** The usage chunk, shaped like the mock's (cost fields included, so it is about as long). */
function usageFrame(completionTokens: number): string {
  const prompt = 13;
  const cost = `"base_msats":0,"input_msats":2,"output_msats":24,"total_msats":26,"total_usd":0.000026,"input_tokens":${prompt},"output_tokens":${completionTokens},"cache_read_input_tokens":0,"cache_creation_input_tokens":0,"cache_read_msats":0,"cache_creation_msats":0`;
  const usage =
    `"prompt_tokens":${prompt},"completion_tokens":${completionTokens},"total_tokens":${prompt + completionTokens},` +
    `"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},` +
    `"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0},` +
    `"cost":{${cost}},"cost_sats":0,"remaining_balance_msats":99999974`;
  return frame(
    `{${HEAD},"choices":[],"usage":{${usage}},"cost":{${cost},"sats_cost":0,"remaining_balance_msats":99999974},"metadata":{"routstr":{"cost":{${cost}},"sats_cost":0,"remaining_balance_msats":99999974}}}`,
  );
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

export interface BareSseOptions {
  port?: number;
  host?: string;
  /** Delay before the first content frame, from the start of the request's handling. */
  ttftMs?: number;
  /** Content frames (one token each) per second after the first; 0 = all at once. */
  tokensPerSecond?: number;
}

export interface BareSseServer {
  /** The origin, e.g. http://127.0.0.1:41234 (no /v1). */
  url: string;
  close(): Promise<void>;
}

/** Writes a stream of `n` content frames on the schedule, from `start` (performance.now()). */
function paceFrames(res: http.ServerResponse, start: number, n: number, ttftMs: number, gapMs: number): void {
  let k = 0;
  let timer: NodeJS.Timeout | undefined;
  const step = () => {
    timer = undefined;
    if (res.destroyed) return;
    const now = performance.now() - start;
    let batch = '';
    while (k < n && ttftMs + k * gapMs <= now + 1) {
      if (k === 0) batch += ROLE_FRAME;
      batch += CONTENT_FRAME;
      if (k === n - 1) batch += FINISH_FRAME + usageFrame(n) + DONE_FRAME;
      k++;
    }
    if (batch) res.write(batch);
    if (k === n) {
      res.end();
      return;
    }
    timer = setTimeout(step, Math.max(0, ttftMs + k * gapMs - (performance.now() - start)));
  };
  res.on('close', () => timer && clearTimeout(timer));
  step();
}

export async function startBareSse(options: BareSseOptions = {}): Promise<BareSseServer> {
  const ttftMs = options.ttftMs ?? 0;
  const tps = options.tokensPerSecond ?? 0;
  const gapMs = tps > 0 ? 1000 / tps : 0;
  const server = http.createServer((req, res) => {
    const start = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { max_tokens?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { max_tokens?: unknown };
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"invalid JSON"}}');
        return;
      }
      const n = typeof body.max_tokens === 'number' && body.max_tokens >= 1 ? Math.floor(body.max_tokens) : 16;
      // No flushHeaders: the headers go out with the first frame.
      res.writeHead(200, SSE_HEADERS);
      paceFrames(res, start, n, ttftMs, gapMs);
    });
  });
  await new Promise<void>((resolve) => server.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1', backlog: 2048 }, resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startBareSse({ port: flag('--port') ?? 0, ttftMs: flag('--ttft') ?? 0, tokensPerSecond: flag('--tps') ?? 0 });
  process.stdout.write(`bare-sse listening on ${server.url}\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
