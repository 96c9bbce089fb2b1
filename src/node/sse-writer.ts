import type { FastifyReply } from 'fastify';

/** One server-sent event, due `at` milliseconds after the stream starts. */
export interface SseEvent {
  /** A function is called when the event is due, for content that depends on what happened before (the cost chunk). */
  data: string | (() => string);
  at: number;
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A frame cut in the middle of its JSON, as a proxy that drops bytes would leave it. */
function malformedFrame(data: string): string {
  return `data: ${data.slice(0, Math.max(1, Math.floor(data.length / 2)))}\n\n`;
}

/**
 * Writes events on their schedule. Times are absolute offsets from the start, so timer lateness
 * does not add up over a long stream; events due together go out in one write. Stops early, and
 * says so, when the client goes away or a fault ends the stream.
 */
export async function writeSse(reply: FastifyReply, events: readonly SseEvent[], fault?: StreamFault): Promise<StreamOutcome> {
  reply.hijack();
  const res = reply.raw;
  let closed = false;
  res.on('close', () => {
    closed = !res.writableFinished;
  });
  res.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), ...SSE_HEADERS });
  let start = performance.now();
  let i = 0;
  const flush = async (text: string) => {
    if (text && !res.write(text)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
  };
  while (i < events.length) {
    const wait = events[i]!.at - (performance.now() - start);
    if (wait > 1) await sleep(wait);
    if (closed || res.destroyed) return 'client_closed';
    const now = performance.now() - start;
    let batch = '';
    while (i < events.length && events[i]!.at <= now + 1) {
      if (fault && i === fault.afterChunks) {
        await flush(batch);
        batch = '';
        const ended = await applyFault(res, fault, events[i]!);
        if (ended) return ended;
        // A pause shifts the rest of the schedule; a malformed frame replaces the event it broke.
        if (fault.kind === 'pause') start += fault.delayMs;
        if (fault.kind === 'malformed') i++;
        fault = undefined;
        break;
      }
      const { data } = events[i++]!;
      batch += `data: ${typeof data === 'function' ? data() : data}\n\n`;
    }
    await flush(batch);
  }
  res.end();
  // A fault due after the last event never fired: the stream completed.
  return closed ? 'client_closed' : 'completed';
}

/** Applies a stream fault; returns an outcome when the stream is over. */
async function applyFault(res: FastifyReply['raw'], fault: StreamFault, event: SseEvent): Promise<StreamOutcome | undefined> {
  switch (fault.kind) {
    case 'disconnect':
      res.destroy();
      return 'faulted';
    case 'stall':
      // Headers and some chunks are out; now nothing more, until the client gives up.
      await new Promise<void>((resolve) => res.once('close', resolve));
      return 'faulted';
    case 'error':
      res.end(`data: ${JSON.stringify(fault.body)}\n\n`);
      return 'faulted';
    case 'malformed': {
      const data = typeof event.data === 'function' ? event.data() : event.data;
      res.write(malformedFrame(data));
      return undefined;
    }
    case 'pause':
      await sleep(fault.delayMs);
      return res.destroyed ? 'client_closed' : undefined;
  }
}
