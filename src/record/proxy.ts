import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { createParser } from 'eventsource-parser';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import Fastify from 'fastify';
import { NodeError, renderError } from '../node/errors.ts';
import type { RuleSpec } from '../scenario/types.ts';
import { isModelRequest } from './fingerprint.ts';
import {
  type CapturedResponse,
  SecretScrubber,
  isEventStream,
  modelsFromListing,
  nodeVersionFromInfo,
  recordedReply,
  recordedRule,
  reportedCostMsats,
} from './recording.ts';
import { ScenarioWriter } from './writer.ts';

/**
 * The recording proxy: forwards each request to a real node, streams its answer back to the
 * client unchanged as it arrives, and appends model requests to a scenario file as rules
 * (recording.ts, writer.ts). Reported cost is added up against `maxSats`; once it is reached,
 * model requests are refused with a 402 in the node's envelope instead of being forwarded.
 * `startRecorder` runs it as a server (`routstr-mock record`); `serve --record-missing` uses a
 * RecordingSession for the requests no rule answers.
 */

export interface RecordingOptions {
  /** The real node, with or without `/v1`. */
  upstream: string;
  /** The scenario file the rules are appended to (created when missing). */
  out: string;
  /** The upstream credential; without it each client's own credential is forwarded. */
  key?: string;
  /** Stop forwarding model requests once this much reported cost (sats) is reached. */
  maxSats?: number;
  /** Drop the recorded rules already in `out` (hand-written rules and other sections stay). */
  reRecord?: boolean;
  log?: (line: string) => void;
}

/** What a proxied request is made of. */
export interface ForwardInput {
  method: string;
  /** Path and query as the client sent them, e.g. `/v1/chat/completions`. */
  url: string;
  headers: IncomingHttpHeaders;
  body?: Buffer;
}

/** Hop-by-hop headers and those the proxy sets itself; `accept-encoding` is dropped so answers come uncompressed (they are parsed). */
const REQUEST_HEADERS_DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'accept-encoding',
  'expect',
  'http2-settings',
]);

/** fetch decodes compressed bodies and the proxy re-frames them: length and encoding are Node's to set. */
const RESPONSE_HEADERS_DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'trailer', 'upgrade']);

/** The node root the client's paths are appended to: the upstream URL without a trailing `/v1`. */
export function upstreamRoot(upstream: string): string {
  const url = new URL(upstream);
  if (!/^https?:$/.test(url.protocol)) throw new Error(`--upstream must be an http(s) URL, not ${upstream}`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

/** The upstream URL as printed: without credentials in it. */
function displayUrl(upstream: string): string {
  const url = new URL(upstream);
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}

/** Splits a server-sent event stream into events as bytes arrive, timing each by the chunk that completed it. */
class SseCapture {
  readonly events: { at_ms: number; data: string }[] = [];
  /** Arrival time of the chunk being parsed, stamped on the events it completes. */
  private at = 0;
  private readonly decoder = new TextDecoder();
  private readonly parser = createParser({ onEvent: (event) => this.events.push({ at_ms: this.at, data: event.data }) });

  push(chunk: Uint8Array, at: number): void {
    this.at = at;
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
  }

  /** The body ended: an event the node left unterminated still counts. */
  end(at: number): void {
    this.at = at;
    this.parser.feed(`${this.decoder.decode()}\n\n`);
  }
}

function problemBody(status: number, message: string, type: string, code: string, requestId: string): string {
  return JSON.stringify(renderError(new NodeError(status, { family: 'direct', error: { message, type, code } }), requestId, '0.4.5'));
}

function sendProblem(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    res.once('drain', resolve).once('close', resolve);
  });
}

/**
 * Forwards one request and relays the answer to `res` as it arrives. Resolves with what was
 * captured, or undefined when there is nothing to record (the client went away, the upstream could
 * not be reached or dropped the connection before answering; the client has been answered or cut
 * off accordingly).
 */
export async function forwardRequest(
  root: string,
  input: ForwardInput,
  res: ServerResponse,
  key: string | undefined,
  requestId: string,
): Promise<CapturedResponse | undefined> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.once('close', onClose);
  const headers = new Headers();
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === undefined || REQUEST_HEADERS_DROPPED.has(name.toLowerCase())) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  if (key) {
    headers.set('authorization', `Bearer ${key}`);
    headers.delete('x-cashu');
  }
  const method = input.method.toUpperCase();
  let upstream: Response;
  try {
    upstream = await fetch(`${root}${input.url}`, {
      method,
      headers,
      ...(method !== 'GET' && method !== 'HEAD' && input.body && input.body.length > 0 ? { body: new Uint8Array(input.body) } : {}),
      redirect: 'manual',
      signal: controller.signal,
    });
  } catch (err) {
    res.off('close', onClose);
    if (controller.signal.aborted) return undefined;
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
      // The node dropped the connection before answering: the client sees the same.
      res.socket?.destroy();
      return undefined;
    }
    sendProblem(
      res,
      502,
      problemBody(
        502,
        `routstr-mock record: the upstream node did not answer (${code ?? (err as Error).message})`,
        'upstream_error',
        'upstream_unreachable',
        requestId,
      ),
    );
    return undefined;
  }
  const responseHeaders: Record<string, string> = {};
  const relayed: Record<string, string | string[]> = {};
  upstream.headers.forEach((value, name) => {
    responseHeaders[name] = value;
    if (!RESPONSE_HEADERS_DROPPED.has(name) && name !== 'set-cookie') relayed[name] = value;
  });
  const cookies = upstream.headers.getSetCookie();
  if (cookies.length > 0) relayed['set-cookie'] = cookies;
  res.writeHead(upstream.status, relayed);
  const sse = isEventStream(responseHeaders) ? new SseCapture() : undefined;
  const chunks: Buffer[] = [];
  let disconnect = false;
  if (upstream.body) {
    const reader = upstream.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (sse) sse.push(value, Math.round(elapsed()));
        else chunks.push(Buffer.from(value));
        if (!res.write(value)) await waitDrain(res);
      }
    } catch {
      if (controller.signal.aborted) return undefined;
      disconnect = true;
    }
  }
  res.off('close', onClose);
  if (res.destroyed && !res.writableFinished) return undefined;
  sse?.end(Math.round(elapsed()));
  if (disconnect) res.socket?.destroy();
  else res.end();
  return {
    status: upstream.status,
    headers: responseHeaders,
    ...(sse ? { events: sse.events, ...(disconnect ? { disconnect: true } : {}) } : { body: Buffer.concat(chunks) }),
    duration_ms: Math.round(elapsed()),
  };
}

function credentialsOf(headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  const auth = headers.authorization;
  if (typeof auth === 'string') out.push(auth.replace(/^Bearer\s+/i, '').trim());
  const xcashu = headers['x-cashu'];
  if (typeof xcashu === 'string') out.push(xcashu.trim());
  return out;
}

/** A recording in progress: the file, the money spent, the secrets never to write. */
export class RecordingSession {
  readonly root: string;
  readonly upstream: string;
  readonly writer: ScenarioWriter;
  private readonly scrubber: SecretScrubber;
  private readonly log: (line: string) => void;
  private readonly maxMsats: number | undefined;
  /** Reported cost of everything forwarded so far, msats. */
  spentMsats = 0;
  /** Model requests refused because the budget was reached. */
  refused = 0;

  constructor(private readonly options: RecordingOptions) {
    this.root = upstreamRoot(options.upstream);
    this.upstream = displayUrl(options.upstream);
    this.log = options.log ?? (() => {});
    this.maxMsats = options.maxSats === undefined ? undefined : Math.round(options.maxSats * 1000);
    this.scrubber = new SecretScrubber([options.key]);
    this.writer = new ScenarioWriter(options.out, {
      reRecord: options.reRecord,
      headerComment: ` Recorded by routstr-mock record from ${this.upstream} (${new Date().toISOString()}).\n Replay: routstr-mock serve --scenario ${options.out}   (README "Record and replay")`,
    });
    // The file exists from the start; an existing one is rewritten only when re-recording drops rules from it.
    if (options.reRecord || !existsSync(options.out)) this.writer.write();
  }

  /** Rules written by this session. */
  get recorded(): number {
    return this.writer.appended;
  }

  get exhausted(): boolean {
    return this.maxMsats !== undefined && this.spentMsats >= this.maxMsats;
  }

  /**
   * For a new file: the upstream's models (ids, kinds, sats prices, limits) and node version, so
   * generated answers on replay follow the recorded node. Free requests; failures only logged.
   */
  async captureNodeInfo(): Promise<void> {
    if (!this.writer.isNew) return;
    const get = async (path: string): Promise<unknown> => {
      const res = await fetch(`${this.root}${path}`, { headers: this.options.key ? { authorization: `Bearer ${this.options.key}` } : {} });
      if (!res.ok) throw new Error(`${path} answered ${res.status}`);
      return res.json();
    };
    try {
      const version = nodeVersionFromInfo(await get('/v1/info').catch(() => undefined));
      if (version) this.writer.setSection('node', { version });
      const models = modelsFromListing(await get('/v1/models'));
      if (models.length > 0)
        this.writer.setSection('models', this.scrubber.value(models), ` The upstream's models as its /v1/models listed them (${models.length}).`);
    } catch (err) {
      this.log(`the upstream's models were not captured (${(err as Error).message}); the file inherits the default models`);
    }
    this.writer.write();
  }

  private refuse(input: ForwardInput, res: ServerResponse, requestId: string): void {
    this.refused++;
    const spent = `${this.spentMsats} msats`;
    const message = `routstr-mock record: --max-sats ${this.options.maxSats} reached (the upstream reported ${spent} so far); ${input.method} ${input.url.split('?')[0]} was not forwarded. Start the recorder again with a higher --max-sats to record more.`;
    if (this.refused === 1) this.log(`--max-sats ${this.options.maxSats} reached (${spent} reported): model requests are no longer forwarded`);
    sendProblem(res, 402, problemBody(402, message, 'insufficient_quota', 'max_sats_reached', requestId));
  }

  /**
   * Forwards a request and, for a model request, appends its rule. Returns the rule written, if
   * any (serve --record-missing adds it to the running scenario).
   */
  async handle(input: ForwardInput, res: ServerResponse, requestId: string = randomUUID()): Promise<RuleSpec | undefined> {
    const modelRequest = isModelRequest(input.method, input.url);
    const what = `${input.method} ${input.url.split('?')[0]}`;
    if (modelRequest && this.exhausted) {
      this.refuse(input, res, requestId);
      return undefined;
    }
    for (const credential of credentialsOf(input.headers)) this.scrubber.add(credential);
    const captured = await forwardRequest(this.root, input, res, this.options.key, requestId);
    if (!captured) {
      this.log(`${what}: no answer to record (the client or the upstream closed the connection)`);
      return undefined;
    }
    const reply = recordedReply(captured, this.scrubber);
    const cost = 'unrecordable' in reply ? reportedCostMsats(captured.headers, undefined) : reportedCostMsats(reply.headers, reply.body, reply.events);
    this.spentMsats += cost ?? 0;
    const budget = this.maxMsats !== undefined ? ` (${this.spentMsats} of ${this.maxMsats} msats spent)` : '';
    if (!modelRequest) {
      this.log(`${what} → ${captured.status}: forwarded, not recorded (not a model request)`);
      return undefined;
    }
    let body: unknown;
    try {
      body = JSON.parse(input.body?.toString('utf8') ?? '');
    } catch {
      this.log(`${what} → ${captured.status}: forwarded, not recorded (the request body is not JSON)${budget}`);
      return undefined;
    }
    const recorded = recordedRule({ method: input.method, url: input.url, body }, captured, this.scrubber);
    if ('unrecordable' in recorded) {
      this.log(`${what} → ${captured.status}: ${recorded.unrecordable}${budget}`);
      return undefined;
    }
    this.writer.append(recorded.rule, recorded.comment);
    this.log(`recorded rule ${this.writer.ruleCount} (${recorded.rule.name}) → ${captured.status}${cost !== undefined ? `, ${cost} msats` : ''}${budget}`);
    return recorded.rule;
  }
}

export interface RecorderOptions extends RecordingOptions {
  /** 0 picks a free port. Default 8000. */
  port?: number;
  host?: string;
  /** Write the upstream's models and node version into a new file (default true). */
  captureNodeInfo?: boolean;
  bodyLimit?: number;
}

export interface Recorder {
  /** Base URL for clients, ending in `/v1`. */
  url: string;
  origin: string;
  port: number;
  session: RecordingSession;
  close(): Promise<void>;
}

/** Starts the recording proxy (`routstr-mock record`) in this process. */
export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const session = new RecordingSession(options);
  if (options.captureNodeInfo !== false) await session.captureNodeInfo();
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024,
    genReqId: () => randomUUID(),
    forceCloseConnections: true,
    return503OnClosing: false,
  });
  // Bodies go upstream as the client sent them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const handler = async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    reply.hijack();
    try {
      await session.handle(
        { method: request.method, url: request.url, headers: request.headers, ...(Buffer.isBuffer(request.body) ? { body: request.body } : {}) },
        reply.raw,
        request.id,
      );
    } catch (err) {
      options.log?.(`${request.method} ${request.url}: ${(err as Error).message}`);
      sendProblem(reply.raw, 500, problemBody(500, `routstr-mock record: ${(err as Error).message}`, 'internal_error', 'recorder_error', request.id));
      if (!reply.raw.writableEnded) reply.raw.end();
    }
  };
  app.all('/', handler);
  app.all('/*', handler);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 8000, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8000);
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { url: `${origin}/v1`, origin, port, session, close: () => app.close() };
}
