/**
 * How long `routstr-mock serve` takes to be usable as a child process: from spawn (`node
 * bin/routstr-mock.js serve --port P`, a free port found beforehand) until `GET /v1/models`
 * answers 200, polled every 2 ms. Median and max of BENCH_RUNS (10) cold starts, one after
 * another; the first run is reported apart (it may pay for a cold disk cache or tsx's first
 * compile). Then, in the same runs, until a first chat completion (gpt-4o-mini, sent once
 * /v1/models answered) is answered: it includes reading the tokenizer tables, which `serve` leaves
 * to the first request that needs them. Target: under 500 ms for both. Runs the bundle in dist/
 * when it is fresh (`npm run build`), as an installed copy does, and tsx otherwise (said below).
 *
 *   npx tsx bench/serve-startup.ts
 *   BENCH_RUNS=20 npx tsx bench/serve-startup.ts
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { bundleIsFresh } from '../bin/bundle.js';
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

/** POST one small chat completion; resolves with its status once the body is read. */
function chat(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 20 });
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent: false,
        headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function timeServe(): Promise<{ models: number; chat: number }> {
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
      if ((await probe(port)) === 200) {
        const models = performance.now() - started;
        const status = await chat(port);
        if (status !== 200) throw new Error(`first chat answered ${status}`);
        return { models, chat: performance.now() - started };
      }
      if (performance.now() - started > 20_000) throw new Error(`serve did not answer in 20 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    proc.kill('SIGTERM');
    await exit;
  }
}

const runs_ = bundleIsFresh() ? 'the bundle (dist/)' : 'tsx (dist/ missing or older than src/: npm run build)';
const first = await timeServe();
const times: { models: number; chat: number }[] = [];
for (let i = 0; i < runs; i++) times.push(await timeServe());
const models = times.map((t) => t.models);
const chats = times.map((t) => t.chat);
console.log(
  `routstr-mock serve through ${runs_}, spawn → GET /v1/models 200: first ${first.models.toFixed(0)} ms; then ${runs} runs: median ${median(models).toFixed(0)} ms, max ${max(models).toFixed(0)} ms, min ${Math.min(...models).toFixed(0)} ms (node ${process.version})`,
);
console.log(
  `spawn → first chat completion answered: first ${first.chat.toFixed(0)} ms; median ${median(chats).toFixed(0)} ms, max ${max(chats).toFixed(0)} ms`,
);
report({
  metric: 'serve start-up, spawn → /v1/models 200 (median)',
  value: Math.round(median(models)),
  unit: 'ms',
  note: `max ${max(models).toFixed(0)} ms, first ${first.models.toFixed(0)} ms`,
  target: '< 500 ms',
  pass: median(models) < 500,
});
report({
  metric: 'serve start-up, spawn → first chat answered (median)',
  value: Math.round(median(chats)),
  unit: 'ms',
  note: `max ${max(chats).toFixed(0)} ms, first ${first.chat.toFixed(0)} ms`,
  target: '< 500 ms',
  pass: median(chats) < 500,
});
