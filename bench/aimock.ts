/**
 * An aimock server (@copilotkit/aimock, a dev dependency) for side-by-side benchmarks: it answers
 * every chat completion with the same ~60-token reply, close in length and style to what the mock
 * generates for the benchmarks' "good name for a cat" request (58–75 completion tokens), plainly
 * or streamed.
 *
 *   import { startAimock } from './aimock.ts';
 *   const aimock = await startAimock();                       // unpaced
 *   const paced = await startAimock({ stream: { ttftMs: 100, tokensPerSecond: 20 } });
 *   // POST `${aimock.url}/v1/chat/completions` (aimock.baseURL is `${url}/v1`, for SDK clients)
 *   await aimock.close();
 *
 * `url` is the origin (no `/v1`), like the bare fastify baseline of chat-throughput.ts; `baseURL`
 * is what an OpenAI client takes (the mock's `node.url`).
 *
 * Streams: aimock paces by chunks of `chunkSize` characters, not by tokens (`tps` is chunks per
 * second). The default chunk size here is 4 characters, about one token of English, so a streamed
 * reply has about as many content frames (≈ 65) as the mock's with `chunk_tokens: 1`, and
 * `tokensPerSecond` means about the same on both. aimock sends its usage chunk only when the
 * request sets `stream_options.include_usage` (the mock, like real Routstr nodes, always does):
 * set it in benchmarks that compare streams.
 *
 * Run directly, it serves until killed and prints `aimock listening on <url>` (for a child
 * process): `npx tsx bench/aimock.ts [--port N] [--ttft MS] [--tps N] [--chunk-size N]`.
 */
import { pathToFileURL } from 'node:url';
import { LLMock } from '@copilotkit/aimock';
import { encode } from 'gpt-tokenizer';

/** The reply: 61 tokens (o200k, 285 characters), in the mock's own register. */
export const AIMOCK_REPLY =
  'Good question: good name cat comes up often. An unrealistic archaeology can mispronounce good name cat without much effort. ' +
  'It is worth noting that the seal tends to be warlike in this case.\n\nThink of it as an innocent cutlet: simple to institutionalize, harder to master. Start small.';

/** Tokens of AIMOCK_REPLY by the tokenizer the mock uses for gpt-4o-mini. */
export const AIMOCK_REPLY_TOKENS = encode(AIMOCK_REPLY).length;

export interface AimockStream {
  /** Delay before the first content chunk (aimock `streamingProfile.ttft`). */
  ttftMs?: number;
  /** Chunks per second after the first (aimock `streamingProfile.tps`); 0 = unpaced. */
  tokensPerSecond?: number;
  /** ±fraction of random variation per gap (aimock `streamingProfile.jitter`, unseeded). */
  jitter?: number;
}

export interface AimockOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Streaming pace; unpaced when omitted. */
  stream?: AimockStream;
  /** Characters per streamed content chunk (default 4 ≈ one token). */
  chunkSize?: number;
  /** The reply's text (default AIMOCK_REPLY). */
  content?: string;
}

export interface AimockServer {
  /** The origin, e.g. http://127.0.0.1:41234 (no /v1). */
  url: string;
  /** `${url}/v1`, for OpenAI clients. */
  baseURL: string;
  close(): Promise<void>;
}

/** Starts an aimock server in this process that answers every chat completion with the reply. */
export async function startAimock(options: AimockOptions = {}): Promise<AimockServer> {
  const mock = new LLMock({ port: options.port ?? 0, host: options.host ?? '127.0.0.1', logLevel: 'silent', chunkSize: options.chunkSize ?? 4 });
  const s = options.stream;
  const paced = s && ((s.ttftMs ?? 0) > 0 || (s.tokensPerSecond ?? 0) > 0);
  mock.on(
    { predicate: () => true },
    { content: options.content ?? AIMOCK_REPLY },
    paced ? { streamingProfile: { ttft: s.ttftMs ?? 0, tps: s.tokensPerSecond ?? 0, jitter: s.jitter ?? 0 } } : {},
  );
  await mock.start();
  const url = mock.url.replace(/\/$/, '');
  return { url, baseURL: `${url}/v1`, close: () => mock.stop() };
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const ttftMs = flag('--ttft') ?? 0;
  const tokensPerSecond = flag('--tps') ?? 0;
  const server = await startAimock({ port: flag('--port') ?? 0, stream: { ttftMs, tokensPerSecond }, chunkSize: flag('--chunk-size') ?? 4 });
  process.stdout.write(`aimock listening on ${server.url}\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
