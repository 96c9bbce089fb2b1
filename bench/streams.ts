/**
 * Streams at scale, the mock in a child process (so the client's memory and CPU do not count
 * against it), the client here on raw node:http.
 *
 * (a) Many concurrent paced streams: BENCH_STREAMS (1 000) chats against
 *     `stream: { ttft_ms: 100, tokens_per_second: 20, chunk_tokens: 1 }` with max_tokens 40, so
 *     each takes about 100 + 39 × 50 = 2 050 ms. Run twice, each against a fresh child: "burst",
 *     all opened at once, and "ramp", opened evenly over BENCH_RAMP_MS (1 000 ms; all of them are
 *     still open together once the ramp is done). Every SSE stream is read to `[DONE]` and every
 *     content frame's arrival stamped. Reports the child's peak resident memory (VmRSS from /proc
 *     sampled every 100 ms, and the kernel's VmHWM), this process's, and the pacing error per
 *     stream, |observed − expected| / expected (mean, p95, max), where
 *       - end to end: request sent → `[DONE]`, expected ttft + (n − 1) / tps (what a client sees,
 *         the node's admission of the requests included);
 *       - token pace: first content frame → `[DONE]`, expected (n − 1) / tps;
 *     and per gap between consecutive content frames, expected 1 / tps.
 *     Targets: child peak RSS < 300 MB; pacing error < 10 % (mean and p95).
 *
 *     Baseline, measured in the same run: the client (this process) and the server share the
 *     machine (2 cores here), and the kernel's and node's work of accepting, reading and parsing
 *     a thousand requests at once delays every first token whatever the server does, so part of
 *     the end-to-end error is not the mock's. To tell how much, every setting is run against
 *     bench/bare-sse.ts too: a server that does nothing but pace (node:http, JSON.parse of the
 *     body, fixed frames the size of the mock's on the mock's schedule, no fastify, no mock code),
 *     in its own fresh child, with the same client, body, warm-up and figures. Mock and baseline
 *     alternate (burst: mock first; ramp: baseline first), and both are printed side by side
 *     (time to first token, pacing errors, child RSS); "mock − bare, TTFT median" is what the
 *     mock's own admission of a request (routing, auth, payment, generation) adds. The baseline's
 *     figures have no target: they are what this machine allows.
 *     Each run also prints the kernel's count of listen-queue overflows (system-wide): both
 *     servers listen with a backlog of 2048 (uvicorn's, as real nodes; node's default of 511
 *     overflowed in a burst of 1 000, and each dropped connection was retried a second later).
 *
 * (b) Unpaced streams per second (ttft 0, tokens_per_second 0): the mock vs aimock (bench/aimock.ts,
 *     the same ~60-token reply in 4-character chunks), each in its own child process, autocannon
 *     here, alternating rounds; every stream must end in `data: [DONE]`. Reports each side's median
 *     and the ratio mock/aimock.
 *
 *   npx tsx bench/streams.ts                     # both parts
 *   npx tsx bench/streams.ts paced | unpaced     # one part
 *   BENCH_STREAMS=1000 BENCH_TPS=20 BENCH_MAX_TOKENS=40 BENCH_TTFT=100 BENCH_RAMP_MS=1000   # part (a)
 *   BENCH_SECONDS=5 BENCH_ROUNDS=3 BENCH_CONNECTIONS=10                                    # part (b)
 *   BENCH_CPU_PROF=/tmp/prof npx tsx bench/streams.ts unpaced   # CPU profiles of the children
 *
 * Exits 1 when a stream fails; figures that miss their targets are only reported.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import autocannon from 'autocannon';
import { type ChildServer, RssSampler, jsonPostOptions, mib, procMemory, spawnAimock, spawnBareSse, spawnMock } from './child.ts';
import { max, mean, median, pct, quantile, report } from './report.ts';

const part = process.argv[2] ?? 'all';

// ---------------------------------------------------------------------------------------------
// (a) concurrent paced streams

interface StreamRecord {
  sent: number;
  arrivals: number[];
  done: number;
  completionTokens: number;
}

/** One streamed chat over raw HTTP; resolves when `[DONE]` arrives and the response ends. */
function paceStream(agent: http.Agent, origin: string, body: string): Promise<StreamRecord> {
  return new Promise((resolve, reject) => {
    const record: StreamRecord = { sent: performance.now(), arrivals: [], done: Number.NaN, completionTokens: 0 };
    const req = http.request(jsonPostOptions(agent, origin, '/v1/chat/completions', body, { authorization: 'Bearer sk-test' }), (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`stream answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (text: string) => {
        const at = performance.now();
        buffer += text;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!frame.startsWith('data: ')) continue;
          const data = frame.slice(6);
          if (data === '[DONE]') {
            record.done = at;
            continue;
          }
          const chunk = JSON.parse(data) as { choices: { delta?: { content?: string | null } }[]; usage?: { completion_tokens: number } | null };
          if (chunk.usage) record.completionTokens = chunk.usage.completion_tokens;
          if (chunk.choices[0]?.delta?.content) record.arrivals.push(at);
        }
      });
      res.on('end', () => (Number.isNaN(record.done) ? reject(new Error('stream ended without [DONE]')) : resolve(record)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

type PacedServer = 'mock' | 'bare';

/**
 * The kernel's count of connections dropped because a listen queue was full (TcpExt
 * ListenOverflows, Linux; NaN elsewhere). System-wide. Both servers listen with node's default
 * backlog of 511, under the 1 000 connections of a burst: a connection dropped there is retried by
 * the client's kernel after the initial retransmission timeout (1 s), which shows as a time to
 * first token of about 1.1 s.
 */
function listenOverflows(): number {
  try {
    const rows = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'))
      .map((l) => l.split(/\s+/));
    const i = rows[0]?.indexOf('ListenOverflows') ?? -1;
    return i > 0 ? Number(rows[1]?.[i]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

interface PacedParams {
  streams: number;
  tps: number;
  ttftMs: number;
  maxTokens: number;
  /** 0: all at once. */
  rampMs: number;
}

/** What one run of part (a) measured, against one server. */
interface PacedRun {
  server: PacedServer;
  ok: number;
  failed: number;
  firstError?: string;
  wallMs: number;
  tokens: number[];
  /** ms, request sent → first content frame. */
  ttft: number[];
  /** Pacing errors (fractions): end to end, first token → [DONE], per gap. */
  e2e: number[];
  pace: number[];
  gaps: number[];
  /** Bytes: the child's RSS after the warm-up, its sampled peak, its VmHWM; this process's peak. */
  idle: number;
  childPeak: number;
  childSamples: number;
  hwm: number;
  clientPeak: number;
  /** Connections dropped at a full listen queue during the run (system-wide counter). */
  overflows: number;
}

const SERVER_NAMES: Record<PacedServer, string> = {
  mock: 'mock (bin/routstr-mock.js serve)',
  bare: 'bare baseline (bench/bare-sse.ts: node:http, JSON.parse, fixed frames on the same schedule)',
};

/**
 * One run of part (a) against a fresh child, the mock or the bare baseline: `streams` chats opened
 * all at once (rampMs 0) or evenly over rampMs (with rampMs well under a stream's duration, all of
 * them are still open at the same time once the ramp is done). The same client, body, warm-up and
 * figures for both servers.
 */
async function pacedRun(server: PacedServer, p: PacedParams): Promise<PacedRun> {
  const { streams, tps, ttftMs, maxTokens, rampMs } = p;
  const gapMs = 1000 / tps;
  const child =
    server === 'mock'
      ? await spawnMock({ version: 1, stream: { ttft_ms: ttftMs, tokens_per_second: tps, chunk_tokens: 1, usage_chunk: 'always' } })
      : await spawnBareSse({ ttftMs, tokensPerSecond: tps });
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  try {
    const body = (i: number) =>
      JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Tell me about topic ${i}` }], max_tokens: maxTokens, stream: true });
    // Warm-up (JIT, tokenizer, first-use costs), not counted: a few streams at once.
    await Promise.all(Array.from({ length: 20 }, (_, i) => paceStream(agent, child.origin, body(-1 - i))));
    const idle = procMemory(child.pid)?.rss ?? Number.NaN;

    const childRss = new RssSampler(() => procMemory(child.pid)?.rss);
    const clientRss = new RssSampler(() => process.memoryUsage.rss());
    const overflowsBefore = listenOverflows();
    const started = performance.now();
    const open = (i: number) =>
      rampMs > 0
        ? new Promise<StreamRecord>((resolve, reject) =>
            setTimeout(() => paceStream(agent, child.origin, body(i)).then(resolve, reject), (i * rampMs) / streams),
          )
        : paceStream(agent, child.origin, body(i));
    const results = await Promise.allSettled(Array.from({ length: streams }, (_, i) => open(i)));
    const wallMs = performance.now() - started;
    const overflows = listenOverflows() - overflowsBefore;
    const childPeak = childRss.stop();
    const clientPeak = clientRss.stop();
    const hwm = procMemory(child.pid)?.peak ?? Number.NaN;

    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const firstError = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    const e2e: number[] = [];
    const pace: number[] = [];
    const ttft: number[] = [];
    const gaps: number[] = [];
    for (const r of ok) {
      const n = r.completionTokens;
      const expected = ttftMs + (n - 1) * gapMs;
      e2e.push(Math.abs(r.done - r.sent - expected) / expected);
      if (n > 1) pace.push(Math.abs(r.done - r.arrivals[0]! - (n - 1) * gapMs) / ((n - 1) * gapMs));
      ttft.push(r.arrivals[0]! - r.sent);
      for (let j = 1; j < r.arrivals.length; j++) gaps.push(Math.abs(r.arrivals[j]! - r.arrivals[j - 1]! - gapMs) / gapMs);
    }
    return {
      server,
      ok: ok.length,
      failed: results.length - ok.length,
      ...(firstError ? { firstError: (firstError.reason as Error).message } : {}),
      wallMs,
      tokens: ok.map((r) => r.completionTokens),
      ttft,
      e2e,
      pace,
      gaps,
      idle,
      childPeak,
      childSamples: childRss.samples,
      hwm,
      clientPeak,
      overflows,
    };
  } finally {
    agent.destroy();
    await child.stop();
  }
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

function printRun(run: PacedRun, p: PacedParams): void {
  const gapMs = 1000 / p.tps;
  const { ttft, tokens } = run;
  const line = (name: string, xs: number[]) =>
    console.log(`    ${name.padEnd(34)} mean ${pct(mean(xs)).padStart(7)}, p95 ${pct(quantile(xs, 0.95)).padStart(7)}, max ${pct(max(xs)).padStart(7)}`);
  console.log(`  ${SERVER_NAMES[run.server]}:`);
  console.log(
    `    ${run.ok} completed, ${run.failed} failed${run.firstError ? ` (first: ${run.firstError})` : ''}; all done in ${(run.wallMs / 1000).toFixed(2)} s`,
  );
  console.log(
    `    completion tokens per stream ${Math.min(...tokens)}–${Math.max(...tokens)}; expected duration ${p.ttftMs + (median(tokens) - 1) * gapMs} ms (median)`,
  );
  console.log(
    `    time to first token: median ${median(ttft).toFixed(0)} ms, p95 ${quantile(ttft, 0.95).toFixed(0)} ms, max ${max(ttft).toFixed(0)} ms (expected ${p.ttftMs} ms)`,
  );
  console.log(
    `    listen queue overflows during the run: ${run.overflows} (connections dropped at the server's full accept queue, retried after ~1 s; system-wide count)`,
  );
  line('pacing error, end to end', run.e2e);
  line('pacing error, first token → [DONE]', run.pace);
  line(`pacing error per gap (${gapMs.toFixed(0)} ms)`, run.gaps);
  console.log(
    `    ${run.server} child RSS: ${mb(run.idle)} MB idle (after warm-up), peak ${mb(run.childPeak)} MB during the run (${run.childSamples} samples every 100 ms, VmHWM ${mb(run.hwm)} MB), +${mb(run.childPeak - run.idle)} MB for ${p.streams} streams; client (this process) peak ${mb(run.clientPeak)} MB`,
  );
}

/** The mock's and the baseline's figures in columns, with the difference. */
function printSideBySide(mock: PacedRun, bare: PacedRun): void {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const pp = (x: number) => `${(x * 100).toFixed(1)} pp`;
  const rows: [string, (r: PacedRun) => number, (x: number) => string, (x: number) => string][] = [
    ['time to first token, median', (r) => median(r.ttft), ms, ms],
    ['time to first token, p95', (r) => quantile(r.ttft, 0.95), ms, ms],
    ['pacing error end to end, mean', (r) => mean(r.e2e), pct, pp],
    ['pacing error end to end, p95', (r) => quantile(r.e2e, 0.95), pct, pp],
    ['pacing error first token → [DONE], mean', (r) => mean(r.pace), pct, pp],
    ['pacing error first token → [DONE], p95', (r) => quantile(r.pace, 0.95), pct, pp],
    ['child peak RSS', (r) => r.childPeak, (x) => `${mb(x)} MB`, (x) => `${mb(x)} MB`],
    ['listen queue overflows', (r) => r.overflows, String, String],
  ];
  console.log(`  side by side${' '.repeat(30)}${'mock'.padStart(10)}${'bare'.padStart(10)}${'mock − bare'.padStart(14)}`);
  for (const [name, f, show, showDiff] of rows) {
    const m = f(mock);
    const b = f(bare);
    console.log(`    ${name.padEnd(41)}${show(m).padStart(10)}${show(b).padStart(10)}${showDiff(m - b).padStart(14)}`);
  }
}

/**
 * Part (a) in one setting (burst or ramp): the mock and the bare baseline, each against a fresh
 * child, in the order given; then the figures side by side. True when no stream failed.
 */
async function pacedStreams(label: string, rampMs: number, order: PacedServer[]): Promise<boolean> {
  const p: PacedParams = {
    streams: Number(process.env.BENCH_STREAMS ?? 1000),
    tps: Number(process.env.BENCH_TPS ?? 20),
    ttftMs: Number(process.env.BENCH_TTFT ?? 100),
    maxTokens: Number(process.env.BENCH_MAX_TOKENS ?? 40),
    rampMs,
  };
  const { streams, ttftMs } = p;
  console.log(
    `(a) ${streams} concurrent paced streams, ${rampMs > 0 ? `opened evenly over ${rampMs} ms` : 'opened all at once'}: ttft_ms ${ttftMs}, ${p.tps} tokens/s, chunk_tokens 1, max_tokens ${p.maxTokens}; node ${process.version}; ${order.join(' first, then ')}, each against a fresh child`,
  );
  const runs: Partial<Record<PacedServer, PacedRun>> = {};
  for (const server of order) {
    const run = await pacedRun(server, p);
    printRun(run, p);
    runs[server] = run;
  }
  const mock = runs.mock!;
  const bare = runs.bare!;
  printSideBySide(mock, bare);

  const { e2e, pace, gaps, ttft, childPeak, clientPeak, idle } = mock;
  const pass = mock.failed === 0;
  const tag = `${streams} paced streams, ${label}`;
  report({
    metric: `${tag}: mock child peak RSS`,
    value: Math.round(childPeak / 1e6),
    unit: 'MB',
    note: `idle ${mb(idle)} MB, +${mb(childPeak - idle)} MB`,
    target: '< 300 MB',
    pass: pass && childPeak < 300e6,
  });
  report({
    metric: `${tag}: pacing error end to end (mean)`,
    value: +(mean(e2e) * 100).toFixed(1),
    unit: '%',
    note: `p95 ${pct(quantile(e2e, 0.95))}, max ${pct(max(e2e))}; ttft p95 ${quantile(ttft, 0.95).toFixed(0)} ms`,
    target: '< 10 % (mean and p95)',
    pass: pass && mean(e2e) < 0.1 && quantile(e2e, 0.95) < 0.1,
  });
  report({
    metric: `${tag}: pacing error first token → [DONE] (mean)`,
    value: +(mean(pace) * 100).toFixed(1),
    unit: '%',
    note: `p95 ${pct(quantile(pace, 0.95))}, max ${pct(max(pace))}`,
    target: '< 10 % (mean and p95)',
    pass: pass && mean(pace) < 0.1 && quantile(pace, 0.95) < 0.1,
  });
  report({
    metric: `${tag}: pacing error per gap (mean)`,
    value: +(mean(gaps) * 100).toFixed(1),
    unit: '%',
    note: `p95 ${pct(quantile(gaps, 0.95))}, max ${pct(max(gaps))}`,
  });
  report({ metric: `${tag}: client peak RSS`, value: Math.round(clientPeak / 1e6), unit: 'MB' });
  report({
    metric: `${tag}: bare baseline pacing error end to end (mean)`,
    value: +(mean(bare.e2e) * 100).toFixed(1),
    unit: '%',
    note: `p95 ${pct(quantile(bare.e2e, 0.95))}, max ${pct(max(bare.e2e))}; ttft median ${median(bare.ttft).toFixed(0)} ms, p95 ${quantile(bare.ttft, 0.95).toFixed(0)} ms; ${bare.overflows} listen queue overflows${bare.failed ? `; ${bare.failed} streams failed` : ''}`,
  });
  report({
    metric: `${tag}: mock − bare, TTFT median`,
    value: Math.round(median(ttft) - median(bare.ttft)),
    unit: 'ms',
    note: `mock ${median(ttft).toFixed(0)} ms, bare ${median(bare.ttft).toFixed(0)} ms; expected ${ttftMs} ms; listen queue overflows: mock ${mock.overflows}, bare ${bare.overflows}`,
  });
  return pass && bare.failed === 0;
}

// ---------------------------------------------------------------------------------------------
// (b) unpaced streams per second, mock vs aimock

const streamBody = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Hello! What is a good name for a cat?' },
  ],
  stream: true,
  stream_options: { include_usage: true },
});

async function streamsPerSecond(origin: string, seconds: number, connections: number): Promise<number> {
  const result = await autocannon({
    url: `${origin}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: streamBody,
    connections,
    duration: seconds,
    verifyBody: (body) => String(body ?? '').endsWith('data: [DONE]\n\n'),
  });
  if (result.non2xx > 0 || result.errors > 0 || result.mismatches > 0) {
    throw new Error(`${origin}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.mismatches} streams without [DONE]`);
  }
  return result.requests.average;
}

/** One stream read whole: its content frames and bytes, to show both sides send comparable streams. */
async function describeStream(origin: string): Promise<string> {
  const res = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: streamBody,
  });
  const text = await res.text();
  const frames = text.split('\n\n').filter((f) => f.startsWith('data: '));
  const usage = frames.map((f) => f.slice(6)).find((d) => d.includes('"usage":{'));
  const tokens = usage ? (JSON.parse(usage) as { usage: { completion_tokens: number } }).usage.completion_tokens : Number.NaN;
  return `${frames.length} frames, ${text.length} bytes, ${tokens} completion tokens`;
}

async function unpacedStreams(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const children: ChildServer[] = [];
  try {
    const mock = await spawnMock({ version: 1, stream: { ttft_ms: 0, tokens_per_second: 0, chunk_tokens: 1, usage_chunk: 'always' } });
    children.push(mock);
    const aimock = await spawnAimock();
    children.push(aimock);
    console.log(`(b) unpaced streams, ${connections} connections, ${seconds} s × ${rounds} rounds, alternating; node ${process.version}`);
    console.log(`  mock:   ${await describeStream(mock.origin)}`);
    console.log(`  aimock: ${await describeStream(aimock.origin)}`);
    // Warm-up, not counted.
    await streamsPerSecond(mock.origin, 2, connections);
    await streamsPerSecond(aimock.origin, 2, connections);
    const mockRuns: number[] = [];
    const aimockRuns: number[] = [];
    for (let i = 0; i < rounds; i++) {
      mockRuns.push(await streamsPerSecond(mock.origin, seconds, connections));
      aimockRuns.push(await streamsPerSecond(aimock.origin, seconds, connections));
    }
    const m = median(mockRuns);
    const a = median(aimockRuns);
    console.log(`  routstr-mock: ${mockRuns.map(Math.round).join(', ')} streams/s -> median ${Math.round(m)}`);
    console.log(`  aimock:       ${aimockRuns.map(Math.round).join(', ')} streams/s -> median ${Math.round(a)}`);
    console.log(`  ratio mock/aimock: ${(m / a).toFixed(2)}`);
    const range = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
    report({ metric: 'unpaced streams/s: mock', value: Math.round(m), unit: 'streams/s', note: `rounds ${range(mockRuns)}` });
    report({ metric: 'unpaced streams/s: aimock', value: Math.round(a), unit: 'streams/s', note: `rounds ${range(aimockRuns)}` });
    report({ metric: 'unpaced streams/s: ratio mock/aimock', value: +(m / a).toFixed(2), unit: '×' });
  } finally {
    for (const c of children) await c.stop();
  }
}

if (part === 'all' || part === 'paced') {
  const rampMs = Number(process.env.BENCH_RAMP_MS ?? 1000);
  // Alternated, so that neither server always runs first.
  const burst = await pacedStreams('burst', 0, ['mock', 'bare']);
  const ramp = await pacedStreams(`ramp ${rampMs} ms`, rampMs, ['bare', 'mock']);
  if (!burst || !ramp) process.exitCode = 1;
}
if (part === 'all' || part === 'unpaced') await unpacedStreams();
