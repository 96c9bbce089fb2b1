/**
 * A `fetch` for the openai SDK that goes through the runner's own HTTP (http.ts): the body is read
 * whole under the runner's first-byte, idle and total timeouts and its size cap, and the SDK is
 * handed a Response built from those bytes. The SDK's own reader would otherwise take a 50 MB SSE
 * line or a gzip bomb whole, and wait forever on a stream that stalls after its headers.
 */
import { type HttpFailure, type Timeouts, httpRequest } from './http.ts';

export interface CapturedFetch {
  /** Pass as `fetch` in the OpenAI client options. */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** The transport failure of the last request (timeout, cap, reset, redirect), if it had one. */
  failure(): HttpFailure | undefined;
}

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  return Object.fromEntries(new Headers(headers ?? {}).entries());
}

/** The SDK sends JSON text; anything else (it never does for chat) is refused rather than guessed at. */
function textBody(body: RequestInit['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  throw new TypeError('captured fetch: only text request bodies are supported');
}

/** A body that gives what arrived, then fails as the transport did, so the SDK sees the stream cut where it was cut. */
function cutBody(partial: string, failure: HttpFailure): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (partial) controller.enqueue(new TextEncoder().encode(partial));
      controller.error(new Error(`${failure.kind}: ${failure.message}`));
    },
  });
}

/** Statuses whose Response may carry no body (the constructor throws otherwise). */
const NO_BODY = new Set([101, 204, 205, 304]);

function wireFreeHeaders(headers: Headers | undefined): Headers {
  const out = new Headers(headers);
  out.delete('content-encoding');
  out.delete('content-length');
  return out;
}

/** A fetch bound to `timeouts` and `maxBytes`; each call reads the whole response before the SDK sees it. */
export function capturedFetch(timeouts: Timeouts, maxBytes?: number): CapturedFetch {
  let last: HttpFailure | undefined;
  return {
    failure: () => last,
    async fetch(input, init = {}) {
      const url = input instanceof Request ? input.url : String(input);
      const res = await httpRequest({
        url,
        method: init.method ?? 'GET',
        headers: headerRecord(init.headers),
        body: textBody(init.body),
        timeouts,
        ...(init.signal ? { signal: init.signal } : {}),
        ...(maxBytes !== undefined ? { maxBytes } : {}),
      });
      // The body is already decoded (gzip undone by the runner's fetch), so the headers describing the wire form go.
      if (res.ok) {
        last = undefined;
        return new Response(NO_BODY.has(res.status) ? null : res.text, { status: res.status, headers: wireFreeHeaders(res.headers) });
      }
      last = res;
      if (res.status === undefined || res.status < 200 || NO_BODY.has(res.status) || (res.status >= 300 && res.status < 400))
        throw new Error(`${res.kind}: ${res.message}`);
      return new Response(cutBody(res.partial ?? '', res), { status: res.status, headers: wireFreeHeaders(res.headers) });
    },
  };
}
