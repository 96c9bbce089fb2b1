import type { FastifyReply } from 'fastify';
import { SLICE_MS, yieldToEventLoop } from '../generate/cooperative.ts';
import { MAX_DELAY_MS } from '../scenario/schema.ts';

/** One server-sent event, due `at` milliseconds after the stream starts. */
export interface SseEvent {
  /** A function is called when the event is due: nothing is rendered for a stream ahead of time. */
  data: string | (() => string);
  at: number;
  /**
   * Rendering this event settles the request (the cost chunk): a fault fires before it at the
   * latest, and never renders it.
   */
  settles?: boolean;
}

/**
 * A failure injected into a stream after `afterChunks` events (tingly-box's taxonomy: once
 * headers are out, a failure can only close the connection, break a frame, stall, or send an
 * error frame in the envelope clients parse).
 */
export type StreamFault =
  | { kind: 'disconnect'; afterChunks: number }
  | { kind: 'malformed'; afterChunks: number }
  | { kind: 'stall'; afterChunks: number }
  | { kind: 'pause'; afterChunks: number; delayMs: number }
  | { kind: 'error'; afterChunks: number; body: unknown };

export type StreamOutcome = 'completed' | 'client_closed' | 'faulted';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** At most setTimeout's limit: a longer wait would fire at once; the loop below just waits again. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, MAX_DELAY_MS)));

/** Events due together go out in writes of about this size, so backpressure acts on big unpaced streams too. */
const MAX_BATCH_BYTES = 64 * 1024;

export interface SseOptions {
  /**
   * A client that takes nothing for this long while the node has more to send is disconnected
   * (the request is not charged), so a reader that stalls without closing cannot hold its
   * reservation and buffers forever. Default 60 s.
   */
  clientTimeoutMs?: number;
  /** Status of the response (a replayed recording's); default 200. */
  status?: number;
  /** Headers over the SSE ones (a replayed recording's). */
  headers?: Record<string, string>;
  /** Ends by dropping the connection once every event is out, as a recorded node did. */
  dropAtEnd?: boolean;
}

/** One SSE frame; data with line breaks takes one `data:` line per line. */
function frameOf(data: string): string {
  return `data: ${data.replaceAll('\n', '\ndata: ')}\n\n`;
}

/** A frame cut in the middle of its JSON, as a proxy that drops bytes would leave it. */
function malformedFrame(data: string): string {
  return `data: ${data.slice(0, Math.max(1, Math.floor(data.length / 2)))}\n\n`;
}

/**
 * Where a fault fires at the latest: before the event whose rendering settles the request (the
 * cost chunk), else before the last event (`[DONE]`).
 */
function latestFaultIndex(events: readonly SseEvent[]): number {
  const settling = events.findIndex((e) => e.settles);
  return settling >= 0 ? settling : events.length - 1;
}

/**
 * Resolves once everything written so far has been handed to the kernel, so that destroying the
 * socket right after does not discard it (a disconnect "after 3 chunks" must deliver 3 chunks).
 * An empty write on the socket completes after every write queued before it.
 */
function flushed(res: FastifyReply['raw']): Promise<void> {
  const socket = res.socket;
  if (!socket || socket.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    socket.write('', () => resolve());
  });
}

/**
 * Writes events on their schedule. Times are absolute offsets from the start, so timer lateness
 * does not add up over a long stream; events due together go out in one write. Stops early, and
 * says so, when the client goes away or a fault ends the stream.
 *
 * A fault fires before event `afterChunks`, and at the latest before the cost chunk (or `[DONE]`),
 * so a fault set further out than a short answer reaches still happens, and still costs nothing.
 * Every fault but a pause ends the stream with the outcome `faulted` (the caller releases the
 * reservation instead of charging).
 */
export async function writeSse(reply: FastifyReply, events: readonly SseEvent[], fault?: StreamFault, options: SseOptions = {}): Promise<StreamOutcome> {
  const clientTimeoutMs = options.clientTimeoutMs ?? 60_000;
  reply.hijack();
  const res = reply.raw;
  let closed = false;
  res.on('close', () => {
    closed = !res.writableFinished;
  });
  // The headers go out with the first chunk, as from uvicorn (real nodes).
  res.writeHead(options.status ?? 200, { ...(reply.getHeaders() as Record<string, string>), ...SSE_HEADERS, ...options.headers });
  const faultAt = fault ? Math.max(0, Math.min(fault.afterChunks, latestFaultIndex(events))) : -1;
  let start = performance.now();
  let i = 0;
  let wrote = false;
  // A big unpaced stream to a fast reader never waits for a timer or a drain: it lets the event
  // loop in every SLICE_MS all the same (same bytes, same order; only the writes are cut differently).
  let busySince = start;
  const flush = async (text: string) => {
    if (text) wrote = true;
    if (text && !res.write(text)) await drainedOrGone(res, clientTimeoutMs);
  };
  while (i < events.length) {
    const wait = events[i]!.at - (performance.now() - start);
    if (wait > 1) {
      await sleep(wait);
      busySince = performance.now();
    } else if (performance.now() - busySince >= SLICE_MS) {
      await yieldToEventLoop();
      busySince = performance.now();
    }
    if (closed || res.destroyed) return 'client_closed';
    const now = performance.now() - start;
    let batch = '';
    while (i < events.length && events[i]!.at <= now + 1 && batch.length < MAX_BATCH_BYTES) {
      if (fault && i === faultAt) {
        await flush(batch);
        batch = '';
        // A fault mid-stream comes after the headers, even at chunk 0.
        if (!wrote) res.flushHeaders();
        const ended = await applyFault(res, fault, events[i]!);
        if (ended) return ended;
        // Only a pause lets the stream go on; it shifts the rest of the schedule.
        if (fault.kind === 'pause') start += fault.delayMs;
        fault = undefined;
        break;
      }
      const { data } = events[i++]!;
      batch += frameOf(typeof data === 'function' ? data() : data);
    }
    await flush(batch);
  }
  if (closed || res.destroyed) return 'client_closed';
  if (options.dropAtEnd) {
    await flushed(res);
    res.destroy();
    return 'completed';
  }
  res.end();
  return 'completed';
}

/** Waits until the client takes what was written, goes away, or stalls for `timeoutMs` (then it is disconnected). */
function drainedOrGone(res: FastifyReply['raw'], timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('drain', done).off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      res.destroy();
      done();
    }, timeoutMs);
    res.once('drain', done).once('close', done);
  });
}

/** Applies a stream fault; returns an outcome when the stream is over. */
async function applyFault(res: FastifyReply['raw'], fault: StreamFault, event: SseEvent): Promise<StreamOutcome | undefined> {
  switch (fault.kind) {
    case 'disconnect':
      // Deliver what was sent, then drop the connection without ending the chunked body.
      await flushed(res);
      res.destroy();
      return 'faulted';
    case 'stall':
      // Headers and some chunks are out; now nothing more, until the client gives up.
      if (!res.destroyed) await new Promise<void>((resolve) => res.once('close', resolve));
      return 'faulted';
    case 'error':
      res.end(`data: ${JSON.stringify(fault.body)}\n\n`);
      return 'faulted';
    case 'malformed': {
      // The broken frame ends the stream, as a proxy that truncates would leave it: the client
      // cannot read past it (the SDK throws), so nothing after it is sent or charged. The cost
      // chunk is never rendered here: rendering it would settle the request.
      const data = event.settles
        ? '{"object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":0}}'
        : typeof event.data === 'function'
          ? event.data()
          : event.data;
      res.end(malformedFrame(data));
      return 'faulted';
    }
    case 'pause':
      await sleep(fault.delayMs);
      return res.destroyed ? 'client_closed' : undefined;
  }
}
