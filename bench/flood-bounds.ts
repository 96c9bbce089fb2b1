/**
 * Issue 12's floods, each against a mock node in its own child process (bench/flood-node.ts), the
 * load generated here, over loopback only, bounded in count and time. Reports the child's resident
 * memory (sampled from /proc every 50 ms, and its VmHWM) and open file descriptors; the target is
 * RSS < 300 MiB through every flood.
 *
 *   npx tsx bench/flood-bounds.ts model        160 × {"model": "<25 MiB>"} to chat, one after the other, then GET /__mock/journal and /coverage
 *   npx tsx bench/flood-bounds.ts keys [N]     2 × N (default 100 000) chat requests, each with a new 4 KB Bearer key and session (all 401)
 *   npx tsx bench/flood-bounds.ts embeddings [N]   N (default 50) maximal embeddings requests at once
 *   npx tsx bench/flood-bounds.ts slow [N] [REQUEST_TIMEOUT_MS]   N (default 1000) sockets dripping a body, one byte a second
 *                                                   (node's default request timeout 300 s unless given; ends when the node has closed them all)
 *   BENCH_ROOT=/path/to/another/checkout npx tsx bench/flood-bounds.ts keys   (the same flood against another version)
 */
import http from 'node:http';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type ChildServer, RssSampler, jsonPostOptions, mib, procMemory, spawnServer } from './child.ts';

const root = process.env.BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const kind = process.argv[2] ?? 'model';
const arg = (i: number, fallback: number) => (process.argv[i] !== undefined ? Number(process.argv[i]) : fallback);
/** No flood runs longer than this, whatever happens. */
const FLOOD_DEADLINE_MS = 15 * 60_000;

const teapotPer = (per: string) => ({
  name: `every 1000th per ${per}`,
  when: { path: '/v1/chat/completions', nth: { every: 1000 } },
  per,
  fault: { type: 'status', status: 418 },
});
const SCENARIO = {
  version: 1,
  keys: [{ key: 'sk-test', balance_msats: 2 ** 40 }],
  // Rules that count per key and per session (and a limiter, which keeps keys for 60 s): what the keys flood fills.
  rules: [teapotPer('key'), teapotPer('session')],
  limits: { rpm: 100 },
};

/**
 * The node as `routstr-mock serve` runs it (the bundle when fresh), or, with timeouts other than
 * the defaults, `startMockNode` through bench/flood-node.ts (TypeScript through tsx: ~60 MiB more idle).
 */
function spawnNode(timeouts?: { headersMs: number; requestMs: number }): Promise<ChildServer> {
  if (!timeouts) return spawnServer([`${root}/bin/routstr-mock.js`, 'serve', '--port', '0', '--scenario', JSON.stringify(SCENARIO)], / on (http:\/\/\S+)\/v1/);
  const script = fileURLToPath(new URL('flood-node.ts', import.meta.url));
  return spawnServer(['--import', 'tsx', script, JSON.stringify({ scenario: SCENARIO, timeouts }), root], /flood-node listening on (http:\/\/\S+)/);
}

const openFds = (pid: number) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
};

/** A POST over a keep-alive agent; resolves with the status once the body is read. */
function post(agent: http.Agent, origin: string, path: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(jsonPostOptions(agent, origin, path, body, headers), (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** Runs `count` jobs, `concurrency` at a time; counts statuses. */
async function pool(count: number, concurrency: number, job: (i: number) => Promise<number>): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  let next = 0;
  const deadline = performance.now() + FLOOD_DEADLINE_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < deadline) {
        const i = next++;
        const status = await job(i).catch((err: Error) => `error ${(err as NodeJS.ErrnoException).code ?? err.message}`);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

function line(label: string, value: string): void {
  console.log(`${label.padEnd(34)} ${value}`);
}

const child = await spawnNode(kind === 'slow' && process.argv[4] !== undefined ? { headersMs: 60_000, requestMs: arg(4, 300_000) } : undefined);
const pid = child.pid;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
try {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const idle = procMemory(pid)!;
  const sampler = new RssSampler(() => procMemory(pid)?.rss, 50);
  const started = performance.now();
  line('node', `${root} (pid ${pid}), idle RSS ${mib(idle.rss).toFixed(0)} MiB, ${openFds(pid)} fds`);

  if (kind === 'model') {
    const huge = 'm'.repeat(25 * 1024 * 1024);
    const statuses = await pool(160, 1, (i) =>
      post(agent, child.origin, '/v1/chat/completions', JSON.stringify({ model: `${i}${huge}`, messages: [{ role: 'user', content: 'hi' }] }), {
        authorization: 'Bearer sk-test',
      }),
    );
    line('160 × 25 MiB model names', `${JSON.stringify(statuses)} in ${Math.round(performance.now() - started)} ms`);
    for (const path of ['/__mock/journal', '/__mock/coverage']) {
      const t = performance.now();
      const res = await fetch(`${child.origin}${path}`);
      const text = await res.text();
      line(`GET ${path}`, `${res.status}, ${text.length} bytes, ${Math.round(performance.now() - t)} ms`);
    }
  } else if (kind === 'keys') {
    const n = arg(3, 100_000);
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    for (let round = 1; round <= 2; round++) {
      const t = performance.now();
      const statuses = await pool(n, 32, (i) => {
        const id = `${round}-${i}`.padEnd(12, '-');
        return post(agent, child.origin, '/v1/chat/completions', body, {
          authorization: `Bearer sk-${id}${'k'.repeat(4096)}`,
          'x-mock-session': `s-${id}${'s'.repeat(4096)}`,
        });
      });
      line(
        `${n} new 4 KB keys and sessions (${round})`,
        `${JSON.stringify(statuses)} in ${Math.round(performance.now() - t)} ms; RSS now ${mib(procMemory(pid)!.rss).toFixed(0)} MiB`,
      );
    }
  } else if (kind === 'embeddings') {
    const n = arg(3, 50);
    // The biggest request embeddings take: 2048 inputs, ~292 k tokens (the 300 k cap), 3072 dimensions, as floats.
    const word = (i: number) => ['lighthouse', 'harbour', 'keeper', 'storm', 'night', 'ship'][i % 6];
    const inputs = (r: number) => Array.from({ length: 2048 }, (_, i) => Array.from({ length: 50 }, (_, j) => word(i * 7 + j * 3 + r)).join(' '));
    const t = performance.now();
    const statuses = await pool(n, n, (r) =>
      post(agent, child.origin, '/v1/embeddings', JSON.stringify({ model: 'text-embedding-3-large', input: inputs(r) }), { authorization: 'Bearer sk-test' }),
    );
    line(`${n} maximal embeddings at once`, `${JSON.stringify(statuses)} in ${Math.round(performance.now() - t)} ms`);
  } else if (kind === 'slow') {
    const n = arg(3, 1000);
    let closed = 0;
    const answers: Record<string, number> = {};
    const sockets = Array.from({ length: n }, () => {
      const socket = net.connect(Number(new URL(child.origin).port), '127.0.0.1', () =>
        socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{'),
      );
      let first = '';
      socket.on('data', (d) => (first ||= d.toString().split('\r\n')[0]!));
      socket.on('error', () => {});
      socket.once('close', () => {
        closed++;
        answers[first || 'closed without an answer'] = (answers[first || 'closed without an answer'] ?? 0) + 1;
      });
      return socket;
    });
    const drip = setInterval(() => sockets.forEach((s) => s.writable && s.write('a')), 1000);
    let peakFds = 0;
    const report = setInterval(() => {
      peakFds = Math.max(peakFds, openFds(pid));
      line(
        `  after ${Math.round((performance.now() - started) / 1000)} s`,
        `${n - closed} sockets open, node ${openFds(pid)} fds, RSS ${mib(procMemory(pid)?.rss ?? 0).toFixed(0)} MiB`,
      );
    }, 30_000);
    const deadline = performance.now() + FLOOD_DEADLINE_MS;
    while (closed < n && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    clearInterval(drip);
    clearInterval(report);
    sockets.forEach((s) => s.destroy());
    line(
      `${n} dripping sockets`,
      `${closed} closed by the node after ${Math.round((performance.now() - started) / 1000)} s: ${JSON.stringify(answers)}; peak ${peakFds} fds`,
    );
    const res = await fetch(`${child.origin}/v1/models`);
    line('GET /v1/models afterwards', String(res.status));
  } else throw new Error(`unknown flood ${kind}: model, keys, embeddings or slow`);

  const peak = sampler.stop();
  const after = procMemory(pid)!;
  line(
    'node memory',
    `RSS idle ${mib(idle.rss).toFixed(0)} MiB, peak sampled ${mib(peak).toFixed(0)} MiB, VmHWM ${mib(after.peak).toFixed(0)} MiB, after ${mib(after.rss).toFixed(0)} MiB (target < 300 MiB: ${mib(Math.max(peak, after.peak)) < 300 ? 'met' : 'NOT met'})`,
  );
} finally {
  agent.destroy();
  await child.stop();
}
