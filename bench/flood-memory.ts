/**
 * Memory under a flood of maximal requests: the mock in a child process (`src/cli.ts serve` under
 * tsx), then `count` copies of one maximal request sent at once, while GET /v1/models is sent
 * every 20 ms. Reports the child's resident memory before, its peak during the flood (sampled
 * every 20 ms from /proc, and VmHWM), the flood's time and the slowest ping.
 *
 *   npx tsx bench/flood-memory.ts [speech|images] [count]
 *   BENCH_ROOT=/path/to/another/checkout npx tsx bench/flood-memory.ts   (the same flood against another version)
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { RssSampler, mib, procMemory, spawnServer } from './child.ts';

const root = process.env.BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const kind = process.argv[2] ?? 'speech';
const count = Number(process.argv[3] ?? 20);

const LONGEST = `${'The quick brown fox jumps over the lazy dog. Then, after a short rest, it ran back home to sleep! '.repeat(42).slice(0, 4095)}.`;
const REQUESTS: Record<string, { path: string; body: Record<string, unknown> }> = {
  speech: { path: '/v1/audio/speech', body: { model: 'tts-1', voice: 'alloy', input: LONGEST, speed: 2.3, response_format: 'mp3' } },
  images: { path: '/v1/images/generations', body: { model: 'image-any', prompt: 'A lighthouse', n: 4, size: '2048x2048', response_format: 'b64_json' } },
};
const request = REQUESTS[kind];
if (!request) throw new Error(`unknown kind ${kind}: one of ${Object.keys(REQUESTS).join(', ')}`);

const scenario = {
  version: 1,
  models: [
    { id: 'tts-1', kind: 'speech', sats_per_million_tokens: { prompt: 1, completion: 0 }, context_length: 4096, max_completion_tokens: 1 },
    { id: 'image-any', kind: 'image', sats_per_million_tokens: { prompt: 1, completion: 1 }, context_length: 32000 },
  ],
  keys: [{ key: 'sk-test', balance_msats: 2 ** 40 }],
};
const child = await spawnServer(
  ['--import', 'tsx', `${root}/src/cli.ts`, 'serve', '--port', '0', '--scenario', JSON.stringify(scenario)],
  / on (http:\/\/\S+)\/v1/,
);
const send = async (i: number) => {
  // Each request its own prompt (images) or seed-free input (speech is deterministic per input: the same work every time).
  const body = kind === 'images' ? { ...request.body, prompt: `A lighthouse, take ${i}` } : request.body;
  const res = await fetch(`${child.origin}${request.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
};
try {
  await send(-1); // warm-up: lazy modules, JIT
  await new Promise((resolve) => setTimeout(resolve, 500));
  const idle = procMemory(child.pid)!;
  const sampler = new RssSampler(() => procMemory(child.pid)?.rss, 20);
  const pings: number[] = [];
  const pinger = setInterval(() => {
    const start = performance.now();
    void fetch(`${child.origin}/v1/models`)
      .then((r) => r.arrayBuffer())
      .then(() => pings.push(performance.now() - start));
  }, 20);
  const started = performance.now();
  const statuses = await Promise.all(Array.from({ length: count }, (_, i) => send(i)));
  const elapsed = performance.now() - started;
  clearInterval(pinger);
  const peak = sampler.stop();
  const after = procMemory(child.pid)!;
  const byStatus = statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
  console.log(
    `${kind} × ${count} (${root}): statuses ${JSON.stringify(byStatus)}, ${Math.round(elapsed)} ms; RSS idle ${mib(idle.rss).toFixed(0)} MiB, ` +
      `peak sampled ${mib(peak).toFixed(0)} MiB (+${mib(peak - idle.rss).toFixed(0)}), VmHWM ${mib(after.peak).toFixed(0)} MiB; ` +
      `slowest GET /v1/models ${Math.round(Math.max(...pings))} ms of ${pings.length}`,
  );
} finally {
  await child.stop();
}
