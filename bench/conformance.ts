/**
 * Wall time of a whole conformance run (`runConformance`, every check) against an in-process mock
 * with the shipped default scenario (its stream pacing included, as `check --mock` runs it), paid
 * with a Cashu token, as test/e2e/conformance-default.test.ts does. Each run gets a fresh node and
 * a fresh token (neither timed); BENCH_RUNS (5) runs, median and max. The test's own bound is 10 s.
 *
 *   npx tsx bench/conformance.ts
 */
import { type MockNode, runConformance, startMockNode } from '../src/index.ts';
import { mintToken } from '../src/payment/cashu.ts';
import { max, median, report } from './report.ts';

const runs = Number(process.env.BENCH_RUNS ?? 5);

async function timeRun(): Promise<{ ms: number; statuses: string }> {
  const node: MockNode = await startMockNode({ port: 0 });
  try {
    const key = mintToken({ amount: 20_000, unit: 'sat', mint: node.scenario().node.mints[0]! });
    const started = performance.now();
    const report = await runConformance({ baseUrl: node.url, key, maxSats: 20_000, onRefundToken: () => {} });
    const ms = performance.now() - started;
    const counts = new Map<string, number>();
    for (const r of report.results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    if (counts.has('fail')) throw new Error(`a check failed: ${report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.reason}`)}`);
    return { ms, statuses: [...counts].map(([s, n]) => `${n} ${s}`).join(', ') };
  } finally {
    await node.close();
  }
}

const times: number[] = [];
let statuses = '';
for (let i = 0; i < runs; i++) {
  const r = await timeRun();
  times.push(r.ms);
  statuses = r.statuses;
}
const m = median(times);
console.log(
  `runConformance against the default mock (Cashu key): ${times.map((t) => t.toFixed(0)).join(', ')} ms -> median ${m.toFixed(0)} ms, max ${max(times).toFixed(0)} ms; ${statuses} (node ${process.version})`,
);
report({
  metric: 'conformance run against the default mock (median)',
  value: Math.round(m),
  unit: 'ms',
  note: `max ${max(times).toFixed(0)} ms, first ${times[0]!.toFixed(0)} ms`,
  target: '< 10 s (test bound)',
  pass: max(times) < 10_000,
});
