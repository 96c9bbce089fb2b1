import type { FastifyReply } from 'fastify';

/** One server-sent event, due `at` milliseconds after the stream starts. */
export interface SseEvent {
  /** A function is called when the event is due, for content that depends on what happened before (the cost chunk). */
  data: string | (() => string);
  at: number;
}

export type StreamOutcome = 'completed' | 'client_closed';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes events on their schedule. Times are absolute offsets from the start, so timer lateness
 * does not add up over a long stream; events due together go out in one write. Stops early, and
 * says so, when the client goes away.
 */
export async function writeSse(reply: FastifyReply, events: readonly SseEvent[]): Promise<StreamOutcome> {
  reply.hijack();
  const res = reply.raw;
  let closed = false;
  res.on('close', () => {
    closed = !res.writableFinished;
  });
  res.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), ...SSE_HEADERS });
  const start = performance.now();
  let i = 0;
  while (i < events.length) {
    const wait = events[i]!.at - (performance.now() - start);
    if (wait > 1) await sleep(wait);
    if (closed || res.destroyed) return 'client_closed';
    const now = performance.now() - start;
    let batch = '';
    while (i < events.length && events[i]!.at <= now + 1) {
      const { data } = events[i++]!;
      batch += `data: ${typeof data === 'function' ? data() : data}\n\n`;
    }
    if (!res.write(batch)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
  }
  res.end();
  return closed ? 'client_closed' : 'completed';
}
