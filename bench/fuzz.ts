/**
 * Hostile-input fuzzing of every endpoint: 10 000 generated requests (BENCH_FUZZ_CASES to change)
 * against a mock node in a child process. Every answer must be a success or a 4xx in the node's
 * error envelope; no 5xx, no hang (FUZZ_TIMEOUT_MS, default 10 s), no dropped connection, no crash,
 * no memory that keeps growing, and no money moved by a rejected request. Prints the answers by
 * status and by generator, the slowest requests, the child's peak RSS, and every violation; exits
 * 1 on a violation.
 *
 *   npm run bench:fuzz
 *   BENCH_FUZZ_CASES=2000 FUZZ_SEED=7 npm run bench:fuzz
 *   FUZZ_SEED=7 FUZZ_CASE=123 npm run bench:fuzz      # replay one case, print it and its answer
 *   FUZZ_CASE=123 FUZZ_DUMP=/tmp/case.bin npm run bench:fuzz   # ...and write its body to a file
 *
 * Case indexes from 1 000 000 on are control-plane (/__mock/) cases, run after the API cases.
 */
import { writeFileSync } from 'node:fs';
import { apiRequest, caseAt, controlRequest } from '../test/helpers/fuzz-arbitraries.ts';
import {
  type FuzzNode,
  type MemoryReport,
  answerProblems,
  clearJournal,
  describeCase,
  formatStats,
  fundFuzzKey,
  ledgerProblems,
  ledgerState,
  newStats,
  restoreNode,
  runCases,
  sanityProblems,
  send,
  spawnFuzzNode,
} from '../test/helpers/fuzz-runner.ts';

const CONTROL_BASE = 1_000_000;
const seed = Number(process.env.FUZZ_SEED ?? 0x5eed_f022);
const total = Number(process.env.BENCH_FUZZ_CASES ?? 10_000);
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 8);
const timeoutMs = Number(process.env.FUZZ_TIMEOUT_MS ?? 10_000);
/** Retained memory (heap after a full GC) may grow by this much over the run: caches fill, nothing more. */
const HEAP_GROWTH_LIMIT = 128 * 1024 * 1024;
/** The child's peak resident memory, whatever it was asked to do. */
const PEAK_RSS_LIMIT = 2 * 1024 * 1024 * 1024;

const api = apiRequest();
const control = controlRequest();
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

async function replay(index: number): Promise<void> {
  const node = await spawnFuzzNode();
  try {
    await fundFuzzKey(node);
    const req = index >= CONTROL_BASE ? caseAt(control, seed, index) : caseAt(api, seed, index);
    console.log(describeCase(req, seed, index));
    if (process.env.FUZZ_DUMP && req.body) {
      writeFileSync(process.env.FUZZ_DUMP, req.body);
      console.log(`body written to ${process.env.FUZZ_DUMP}`);
    }
    const answer = await send(node.origin, req, timeoutMs);
    if (answer.ok) console.log(`→ ${answer.status} in ${answer.ms} ms, ${answer.bytes} bytes: ${answer.body.subarray(0, 2000).toString('utf8')}`);
    else console.log(`→ ${answer.error} after ${answer.ms} ms`);
    const problems = answerProblems(req, answer);
    console.log(problems.length ? `violations: ${problems.join('; ')}` : 'no violation');
    if (!node.alive()) console.log(`the node died:\n${node.output()}`);
    process.exitCode = problems.length || !node.alive() ? 1 : 0;
  } finally {
    node.kill();
  }
}

async function run(): Promise<void> {
  const violations: string[] = [];
  const node: FuzzNode = await spawnFuzzNode();
  const started = performance.now();
  let peak = 0;
  const sample = async (): Promise<MemoryReport | undefined> => {
    const m = await node.memory();
    if (m) peak = Math.max(peak, m.peakRss);
    return m;
  };
  try {
    await fundFuzzKey(node);
    violations.push(...(await sanityProblems(node)));
    const baseline = await sample();
    const stats = newStats();
    const apiCases = Math.round(total * 0.95);
    const controlCases = total - apiCases;
    let done = 0;
    const progress = () => {
      if (++done % 500 === 0) process.stderr.write(`  ${done}/${total} cases, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    };

    // API cases in batches the journal can hold, checking the money after each.
    for (let from = 0; from < apiCases && node.alive(); from += 500) {
      const indexes = Array.from({ length: Math.min(500, apiCases - from) }, (_, i) => from + i);
      await clearJournal(node);
      const before = await ledgerState(node);
      await runCases({ node, arbitrary: api, seed, indexes, concurrency, timeoutMs, stats, onCase: progress });
      if (!node.alive()) break;
      violations.push(...(await ledgerProblems(node, before)).map((p) => `money, cases ${from}–${from + indexes.length - 1}: ${p}`));
      await sample();
    }
    const afterApi = await sample();

    // Control-plane cases last: they may load scenarios and queue faults; then the node is restored.
    if (node.alive()) {
      const indexes = Array.from({ length: controlCases }, (_, i) => CONTROL_BASE + i);
      await runCases({ node, arbitrary: control, seed, indexes, concurrency, timeoutMs, stats, onCase: progress });
    }
    if (node.alive()) {
      await restoreNode(node);
      violations.push(...(await sanityProblems(node)));
    }
    const end = await sample();
    const seconds = (performance.now() - started) / 1000;

    violations.unshift(...stats.failures);
    if (!node.alive()) violations.push(`the node died:\n${node.output()}`);
    else if (!end) violations.push('the node did not answer the memory probe at the end (event loop blocked?)');
    if (baseline && end && end.heapUsed - baseline.heapUsed > HEAP_GROWTH_LIMIT) {
      violations.push(`retained heap grew from ${mib(baseline.heapUsed)} to ${mib(end.heapUsed)}`);
    }
    if (peak > PEAK_RSS_LIMIT) violations.push(`peak RSS ${mib(peak)} is over ${mib(PEAK_RSS_LIMIT)}`);

    console.log(`fuzz: seed ${seed}, ${stats.cases} cases (${controlCases} control-plane) in ${seconds.toFixed(1)} s, concurrency ${concurrency}`);
    console.log(formatStats(stats));
    console.log(`mean ${(stats.totalMs / Math.max(1, stats.cases)).toFixed(1)} ms per request; slowest:`);
    for (const s of stats.slowest.slice(0, 3)) console.log(`  ${s.ms} ms — ${s.description.split('\n').slice(0, 3).join('\n    ')}`);
    const fmt = (m?: MemoryReport) => (m ? `rss ${mib(m.rss)}, heap ${mib(m.heapUsed)}, external ${mib(m.external)}` : 'n/a');
    console.log(`child memory after a full GC — at start: ${fmt(baseline)}; after the API cases: ${fmt(afterApi)}; at the end: ${fmt(end)}`);
    console.log(`child peak RSS: ${mib(peak)}`);
    if (violations.length > 0) {
      console.log(`\n${violations.length} violation(s):`);
      for (const v of violations.slice(0, 50)) console.log(`\n- ${v}`);
      process.exitCode = 1;
    } else {
      console.log('no violation');
    }
  } finally {
    node.kill();
  }
}

if (process.env.FUZZ_CASE !== undefined) await replay(Number(process.env.FUZZ_CASE));
else await run();
