import { Worker } from 'node:worker_threads';

/**
 * Load from worker threads, so that a test can tell whether a node in its own process holds its
 * event loop: the worker has an event loop of its own, so a node that blocks delays the answers,
 * not the sending (nor the reading of big answers).
 */

/**
 * Sends GET `url` every `everyMs` until stopped; resolves each request's milliseconds (-status for
 * a non-200 answer, -1 for a failure).
 */
export function startPinger(url: string, everyMs: number): { stop(): Promise<number[]> } {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const latencies = [];
    const pending = new Set();
    const timer = setInterval(() => {
      const start = performance.now();
      const ping = fetch(workerData.url)
        .then(async (res) => {
          await res.arrayBuffer();
          latencies.push(res.status === 200 ? performance.now() - start : -res.status);
        })
        .catch(() => latencies.push(-1))
        .finally(() => pending.delete(ping));
      pending.add(ping);
    }, workerData.everyMs);
    parentPort.once('message', async () => {
      clearInterval(timer);
      await Promise.all(pending);
      parentPort.postMessage(latencies);
    });
    `,
    { eval: true, workerData: { url, everyMs } },
  );
  return {
    stop: async () => {
      const latencies = new Promise<number[]>((resolve, reject) => worker.once('message', resolve).once('error', reject));
      worker.postMessage('stop');
      const result = await latencies;
      await worker.terminate();
      return result;
    },
  };
}

/** One request for sendFromWorker: a JSON body, raw text, or a multipart upload (fields and one file). */
export interface WorkerRequest {
  method?: 'GET' | 'POST';
  url: string;
  json?: unknown;
  text?: { contentType: string; body: string };
  multipart?: { fields: Record<string, string | string[]>; file: { name: string; type: string; bytes: Uint8Array } };
  headers?: Record<string, string>;
}

export interface WorkerResponse {
  status: number;
  type: string | null;
  bytes: number;
  sha256: string;
  /** Milliseconds from sending to the last byte. */
  ms: number;
}

/** Sends every request at once from a worker thread; resolves when all have been answered and read. */
export async function sendFromWorker(requests: WorkerRequest[]): Promise<WorkerResponse[]> {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const { createHash } = require('node:crypto');
    Promise.all(
      workerData.map(async (r) => {
        const headers = { authorization: 'Bearer sk-test', ...r.headers };
        let body;
        if (r.multipart) {
          body = new FormData();
          for (const [k, v] of Object.entries(r.multipart.fields)) for (const x of [v].flat()) body.append(k, x);
          body.append('file', new Blob([r.multipart.file.bytes], { type: r.multipart.file.type }), r.multipart.file.name);
        } else if (r.json !== undefined) {
          body = JSON.stringify(r.json);
          headers['content-type'] = 'application/json';
        } else if (r.text) {
          body = r.text.body;
          headers['content-type'] = r.text.contentType;
        }
        const start = performance.now();
        const res = await fetch(r.url, { method: r.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
        const bytes = Buffer.from(await res.arrayBuffer());
        return { status: res.status, type: res.headers.get('content-type'), bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), ms: performance.now() - start };
      }),
    ).then((answers) => parentPort.postMessage(answers), (err) => parentPort.postMessage({ error: String(err) }));
    `,
    { eval: true, workerData: requests },
  );
  try {
    const answer = await new Promise<WorkerResponse[] | { error: string }>((resolve, reject) => worker.once('message', resolve).once('error', reject));
    if (!Array.isArray(answer)) throw new Error(answer.error);
    return answer;
  } finally {
    await worker.terminate();
  }
}

/**
 * What ping latencies say about the node's loop. A block of B ms leaves every ping sent during it
 * late (B, B − 20, B − 40 … with pings every 20 ms), so the fifth-slowest is still ≈ B − 80 ms; a few
 * isolated late pings are the shared machine's hiccups (another process, a GC), not a block.
 */
export function pingVerdict(latencies: number[]): { slowest: number; fifthSlowest: number } {
  const sorted = [...latencies].sort((a, b) => b - a);
  return { slowest: sorted[0] ?? 0, fifthSlowest: sorted[4] ?? 0 };
}

/**
 * Blocks of over ~480 ms fail on the fifth-slowest ping (unsliced work blocked for 0.5–4 s); a single
 * late ping fails only past a second. A busy 2-core machine (another process on one core, other test
 * files on the other) delays clusters of pings by up to ~300 ms with no block of ours, so shorter
 * blocks are bench/event-loop.ts's to measure (≤ 35 ms per endpoint there).
 */
export const PROMPT_PING = { fifthSlowestMs: 400, slowestMs: 1000 };
