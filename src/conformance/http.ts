/**
 * Raw HTTP for the conformance runner: every request has three timeouts (time to first byte, idle
 * between body chunks, total) and a bounded body (a larger one fails as 'too-large' and is not read
 * on), is never redirected (a redirect fails as 'redirect'), and fails with a typed reason instead
 * of throwing or hanging. The SSE reader yields events as they arrive under the same limits.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface Timeouts {
  /** Until the response headers arrive. */
  firstByte: number;
  /** Between two body chunks. */
  idle: number;
  /** The whole request, body included. */
  total: number;
}

export type FailureKind =
  'first-byte-timeout' | 'idle-timeout' | 'total-timeout' | 'refused' | 'reset' | 'unreachable' | 'protocol' | 'too-large' | 'redirect' | 'aborted' | 'network';

export interface HttpFailure {
  ok: false;
  kind: FailureKind;
  message: string;
  /** Set when the failure came after the headers (e.g. an idle timeout in the body). */
  status?: number;
  headers?: Headers;
  /** The body read before the failure. */
  partial?: string;
  durationMs: number;
}

export interface HttpResponse {
  ok: true;
  status: number;
  headers: Headers;
  text: string;
  bytes: number;
  durationMs: number;
}

export type HttpResult = HttpResponse | HttpFailure;

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer> | FormData;
  timeouts: Timeouts;
  /** An outer signal (the check's), aborting the request when it fires. */
  signal?: AbortSignal;
  /** A body past this many bytes fails with kind 'too-large' and is not read further. Default 8 MiB. */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** True for failures that mean nothing answers at that address at all. */
export function isUnreachable(failure: HttpFailure): boolean {
  return failure.kind === 'refused' || failure.kind === 'unreachable';
}

/** Connection-level error codes, found on the error or its `cause` chain (undici nests them). */
function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorMessage(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m && !parts.includes(m)) parts.push(m);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(': ') || String(err);
}

function classify(err: unknown): { kind: FailureKind; message: string } {
  const code = errorCode(err);
  const message = errorMessage(err);
  switch (code) {
    case 'ECONNREFUSED':
      return { kind: 'refused', message: `connection refused (${message})` };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { kind: 'reset', message: `connection reset (${message})` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return { kind: 'unreachable', message: `host unreachable (${message})` };
    default:
      // fetch refuses ports on its blocklist (e.g. 1) before connecting: nothing can be reached there.
      if (/bad port/i.test(message)) return { kind: 'unreachable', message: `port not reachable with fetch (${message})` };
      if (code?.startsWith('HPE_') || /parse|invalid|malformed/i.test(message)) return { kind: 'protocol', message: `not a valid HTTP response (${message})` };
      return { kind: 'network', message };
  }
}

/** One controller per request, aborted by whichever timer fires first (or the outer signal); remembers why. */
class Deadline {
  readonly controller = new AbortController();
  reason: FailureKind | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly started = Date.now();
  private readonly onOuterAbort = () => this.fire('aborted');

  constructor(
    private readonly timeouts: Timeouts,
    private readonly outer?: AbortSignal,
  ) {
    if (outer?.aborted) this.fire('aborted');
    outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    this.arm('total', 'total-timeout', timeouts.total);
    this.arm('phase', 'first-byte-timeout', timeouts.firstByte);
  }

  private arm(slot: string, kind: FailureKind, ms: number): void {
    const old = this.timers.get(slot);
    if (old) clearTimeout(old);
    this.timers.set(
      slot,
      setTimeout(() => this.fire(kind), Math.max(1, ms)),
    );
  }

  fire(kind: FailureKind): void {
    if (this.reason) return;
    this.reason = kind;
    this.controller.abort(new Error(kind));
  }

  /** Headers arrived, or a chunk did: the idle clock restarts. */
  touch(): void {
    this.arm('phase', 'idle-timeout', this.timeouts.idle);
  }

  elapsed(): number {
    return Date.now() - this.started;
  }

  describe(kind: FailureKind): string {
    switch (kind) {
      case 'first-byte-timeout':
        return `no response headers within ${this.timeouts.firstByte} ms`;
      case 'idle-timeout':
        return `no data for ${this.timeouts.idle} ms`;
      case 'total-timeout':
        return `not complete within ${this.timeouts.total} ms`;
      default:
        return 'aborted (the check ran out of time)';
    }
  }

  done(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}

/**
 * Sends the request and checks what the headers already tell: a redirect, or a body announced
 * larger than `maxBytes`. Redirects are not followed: a node should answer an API call where it
 * was asked, and following would turn a POST into a GET (301/302) or send the credentials on.
 */
async function start(req: HttpRequest, deadline: Deadline, maxBytes: number): Promise<Response | HttpFailure> {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method ?? (req.body !== undefined ? 'POST' : 'GET'),
      headers: req.headers,
      body: req.body,
      signal: deadline.controller.signal,
      redirect: 'manual',
    });
  } catch (err) {
    return failure(err, deadline);
  }
  deadline.touch();
  const location = res.headers.get('location');
  const length = Number(res.headers.get('content-length') ?? '');
  let early: Pick<HttpFailure, 'kind' | 'message'> | undefined;
  if (res.status >= 300 && res.status < 400 && location !== null) {
    const target = URL.canParse(location, req.url) ? new URL(location, req.url).href : location;
    const loop = target === new URL(req.url).href ? ', to itself (a redirect loop)' : '';
    early = { kind: 'redirect', message: `HTTP ${res.status} redirect to ${target}${loop}; not followed: an API endpoint must answer, not redirect` };
  } else if (length > maxBytes) {
    early = { kind: 'too-large', message: `body larger than ${maxBytes} bytes (Content-Length ${length}); not read` };
  }
  if (!early) return res;
  void res.body?.cancel().catch(() => undefined);
  return { ok: false, ...early, status: res.status, headers: res.headers, durationMs: deadline.elapsed() };
}

function tooLarge(maxBytes: number, res: Response, deadline: Deadline): HttpFailure {
  return {
    ok: false,
    kind: 'too-large',
    message: `body larger than ${maxBytes} bytes; stopped reading there`,
    status: res.status,
    headers: res.headers,
    durationMs: deadline.elapsed(),
  };
}

function failure(err: unknown, deadline: Deadline, extra: Partial<HttpFailure> = {}): HttpFailure {
  if (deadline.reason) return { ok: false, kind: deadline.reason, message: deadline.describe(deadline.reason), durationMs: deadline.elapsed(), ...extra };
  return { ok: false, ...classify(err), durationMs: deadline.elapsed(), ...extra };
}

/** Sends a request and reads the whole (bounded) body as text. Never throws. */
export async function httpRequest(req: HttpRequest): Promise<HttpResult> {
  const deadline = new Deadline(req.timeouts, req.signal);
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
  try {
    const res = await start(req, deadline, maxBytes);
    if (!(res instanceof Response)) return res;
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    const decode = () => new TextDecoder().decode(concat(chunks));
    if (res.body) {
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          deadline.touch();
          bytes += value.byteLength;
          if (bytes > maxBytes) {
            void reader.cancel().catch(() => undefined);
            return tooLarge(maxBytes, res, deadline);
          }
          chunks.push(value);
        }
      } catch (err) {
        return failure(err, deadline, { status: res.status, headers: res.headers, partial: decode() });
      }
    }
    return { ok: true, status: res.status, headers: res.headers, text: decode(), bytes, durationMs: deadline.elapsed() };
  } finally {
    deadline.done();
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
}

export interface SseStream {
  ok: true;
  status: number;
  headers: Headers;
  /** Events as they arrive. Ends normally at the end of the body; a timeout or reset ends it with `failure()` set. */
  events: AsyncGenerator<SseEvent, void, undefined>;
  /** Comments (keep-alives) seen so far. */
  comments: string[];
  /** The raw body read so far (bounded), for framing checks. */
  raw(): string;
  /** Why the stream ended early, if it did. */
  failure(): HttpFailure | undefined;
  /** Stops reading and releases the connection. */
  close(): void;
}

/**
 * Opens an SSE response. A transport failure before the headers is returned as an HttpFailure;
 * failures while streaming end `events` and are reported by `failure()`.
 */
export async function openSse(req: HttpRequest): Promise<SseStream | HttpFailure> {
  const deadline = new Deadline(req.timeouts, req.signal);
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
  const res = await start(req, deadline, maxBytes);
  if (!(res instanceof Response)) {
    deadline.done();
    return res;
  }
  let raw = '';
  let bytes = 0;
  let ended: HttpFailure | undefined;
  const comments: string[] = [];
  const queue: SseEvent[] = [];
  const parser = createParser({
    onEvent: (e: EventSourceMessage) =>
      queue.push({ data: e.data, ...(e.event !== undefined ? { event: e.event } : {}), ...(e.id !== undefined ? { id: e.id } : {}) }),
    onComment: (c) => comments.push(c),
  });
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  async function* events(): AsyncGenerator<SseEvent, void, undefined> {
    try {
      if (!reader) return;
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          ended = failure(err, deadline, { status: res instanceof Response ? res.status : undefined, partial: raw });
          return;
        }
        if (chunk.done) {
          const rest = decoder.decode();
          if (rest) parser.feed(rest);
          parser.reset({ consume: true });
          while (queue.length > 0) yield queue.shift()!;
          return;
        }
        deadline.touch();
        bytes += chunk.value.byteLength;
        if (bytes > maxBytes) {
          ended = tooLarge(maxBytes, res as Response, deadline);
          return;
        }
        const text = decoder.decode(chunk.value, { stream: true });
        raw += text;
        parser.feed(text);
      }
    } finally {
      deadline.done();
      void reader?.cancel().catch(() => undefined);
    }
  }
  return {
    ok: true,
    status: res.status,
    headers: res.headers,
    events: events(),
    comments,
    raw: () => raw,
    failure: () => ended,
    close: () => {
      deadline.fire('aborted');
      deadline.done();
    },
  };
}
