/**
 * Every benchmark in sequence, each in its own child process (so each starts fresh), then one
 * summary table: metric, figure, target, pass/fail. Each bench's own output is passed through as
 * it runs. Figures come from the `BENCH_RESULT {json}` lines the benches print (bench/report.ts);
 * chat-throughput.ts and fuzz.ts print none, so their figures are read from their text.
 *
 *   npm run bench:all
 *   BENCH_SKIP=fuzz npm run bench:all              # skip some (comma-separated names)
 *   BENCH_ONLY=streams,serve-startup npm run bench:all
 *
 * Exits 1 when a bench process fails (crashes, or reports a violation as fuzz does); a figure
 * that misses its target is shown as FAIL in the table but does not change the exit code. The
 * machine is a noisy 2-core VM: the load average before and after is printed with the table.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BenchResult, RESULT_PREFIX } from './report.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Bench {
  name: string;
  file: string;
  args?: string[];
  /** Figures read from the text of a bench that prints no BENCH_RESULT lines. */
  parse?: (output: string, exitCode: number) => BenchResult[];
}

const BENCHES: Bench[] = [
  {
    name: 'chat-throughput',
    file: 'bench/chat-throughput.ts',
    parse: (out) => {
      const results: BenchResult[] = [];
      const mock = /routstr-mock chat:.*median (\d+)/.exec(out);
      const bare = /bare fastify.*median (\d+)/.exec(out);
      const ratio = /ratio mock\/bare: ([\d.]+)/.exec(out);
      if (mock) results.push({ metric: 'non-streaming chat: mock', value: Number(mock[1]), unit: 'req/s' });
      if (bare) results.push({ metric: 'non-streaming chat: bare fastify', value: Number(bare[1]), unit: 'req/s' });
      if (ratio)
        results.push({ metric: 'non-streaming chat: ratio mock/bare', value: Number(ratio[1]), unit: '×', target: '≥ 0.5×', pass: Number(ratio[1]) >= 0.5 });
      return results;
    },
  },
  { name: 'startup', file: 'bench/startup.ts' },
  { name: 'serve-startup', file: 'bench/serve-startup.ts' },
  { name: 'streams', file: 'bench/streams.ts' },
  { name: 'stream-timing', file: 'bench/stream-timing.ts' },
  { name: 'conformance', file: 'bench/conformance.ts' },
  { name: 'generators', file: 'bench/generators.ts' },
  {
    name: 'fuzz',
    file: 'bench/fuzz.ts',
    parse: (out, code) => {
      const results: BenchResult[] = [];
      const run = /fuzz: seed \S+ (\d+) cases .* in ([\d.]+) s/.exec(out);
      const peak = /child peak RSS: (\d+) MiB/.exec(out);
      if (run) results.push({ metric: `fuzz: ${run[1]} hostile requests`, value: Number(run[2]), unit: 's', target: 'no violation', pass: code === 0 });
      if (peak) results.push({ metric: 'fuzz: child peak RSS', value: Number(peak[1]), unit: 'MiB', target: '< 2 GiB', pass: Number(peak[1]) < 2048 });
      return results;
    },
  },
];

function list(env: string | undefined): Set<string> | undefined {
  return env ? new Set(env.split(',').map((s) => s.trim())) : undefined;
}

function run(bench: Bench): Promise<{ code: number; output: string; seconds: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const proc = spawn(process.execPath, [tsx, bench.file, ...(bench.args ?? [])], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      process.stdout.write(d);
    });
    proc.stderr.on('data', (d: Buffer) => {
      output += d.toString();
      process.stderr.write(d);
    });
    proc.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output, seconds: (performance.now() - started) / 1000 }));
  });
}

function resultsOf(output: string): BenchResult[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith(RESULT_PREFIX))
    .map((l) => JSON.parse(l.slice(RESULT_PREFIX.length)) as BenchResult);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const only = list(process.env.BENCH_ONLY);
const skip = list(process.env.BENCH_SKIP);
const chosen = BENCHES.filter((b) => (!only || only.has(b.name)) && !skip?.has(b.name));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadBefore = load();
const rows: string[][] = [['bench', 'metric', 'figure', 'target', 'result']];
const failures: string[] = [];
for (const bench of chosen) {
  process.stdout.write(`\n=== ${bench.name} (${bench.file}) ===\n`);
  const { code, output, seconds } = await run(bench);
  const results = [...resultsOf(output), ...(bench.parse?.(output, code) ?? [])];
  if (code !== 0) failures.push(`${bench.name} exited with ${code}`);
  if (results.length === 0) rows.push([bench.name, '(no figure)', '', '', code === 0 ? '' : 'ERROR']);
  for (const r of results) {
    const figure = `${r.value} ${r.unit}${r.note ? ` (${r.note})` : ''}`;
    const verdict = r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL';
    rows.push([bench.name, r.metric, figure, r.target ?? '', verdict]);
  }
  process.stdout.write(`=== ${bench.name}: ${seconds.toFixed(0)} s, exit ${code} ===\n`);
}

process.stdout.write(`\nSummary (node ${process.version}; load average before ${loadBefore}, after ${load()}):\n\n${table(rows)}\n`);
const missed = rows.filter((r) => r[4] === 'FAIL').length;
process.stdout.write(`\n${missed} figure(s) missed their target${failures.length ? `; ${failures.join('; ')}` : ''}\n`);
if (failures.length > 0) process.exitCode = 1;
