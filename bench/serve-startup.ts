/**
 * How long `routstr-mock serve` takes to be usable as a child process: from spawn (`node
 * bin/routstr-mock.js serve --port P`, a free port found beforehand) until `GET /v1/models`
 * answers 200, polled every 2 ms. Median and max of BENCH_RUNS (10) cold starts, one after
 * another; the first run is reported apart (it may pay for a cold disk cache or tsx's first
 * compile). Target: under 500 ms.
 *
 *   npx tsx bench/serve-startup.ts
 *   BENCH_RUNS=20 npx tsx bench/serve-startup.ts
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { max, median, report } from './report.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 10);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** GET /v1/models once: its status, or 0 when nothing listens yet. */
function probe(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/models', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

async function timeServe(): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(process.execPath, ['bin/routstr-mock.js', 'serve', '--port', String(port)], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => ((exited = true), resolve())));
  try {
    for (;;) {
      if (exited) throw new Error(`serve exited before answering: ${stderr}`);
      if ((await probe(port)) === 200) return performance.now() - started;
      if (performance.now() - started > 20_000) throw new Error(`serve did not answer in 20 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    proc.kill('SIGTERM');
    await exit;
  }
}

const first = await timeServe();
const times: number[] = [];
for (let i = 0; i < runs; i++) times.push(await timeServe());
const m = median(times);
console.log(
  `routstr-mock serve, spawn → GET /v1/models 200: first ${first.toFixed(0)} ms; then ${runs} runs: median ${m.toFixed(0)} ms, max ${max(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms (node ${process.version})`,
);
report({
  metric: 'serve start-up, spawn → /v1/models 200 (median)',
  value: Math.round(m),
  unit: 'ms',
  note: `max ${max(times).toFixed(0)} ms, first ${first.toFixed(0)} ms`,
  target: '< 500 ms',
  pass: m < 500,
});
report({ metric: 'serve start-up, spawn → /v1/models 200 (max)', value: Math.round(max(times)), unit: 'ms', target: '< 500 ms', pass: max(times) < 500 });
