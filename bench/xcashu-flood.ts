/**
 * Memory under a flood of forged X-Cashu tokens (issue 12): the mock in its own child process, this
 * process only generating load over loopback. Every request carries a fresh token of the fake
 * mint (anyone can forge one: proofs need no signature) and a body the node refuses after redeeming
 * it (`temperature: 5`), so each is redeemed and refunded. Before the fix each left its proofs, a
 * refund token and a refund record behind for good. Reports the child's RSS before, its peak, and
 * at the end; bounded by a count and a time limit, whichever comes first.
 *
 *   npx tsx bench/xcashu-flood.ts [count=200000] [seconds=300] [concurrency=32]
 *   BENCH_ROOT=/path/to/another/checkout npx tsx bench/xcashu-flood.ts   (the same flood against another version)
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { mintToken } from '../src/payment/cashu.ts';
import { RssSampler, mib, procMemory, spawnServer } from './child.ts';

const root = process.env.BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const count = Number(process.argv[2] ?? 200_000);
const seconds = Number(process.argv[3] ?? 300);
const concurrency = Number(process.argv[4] ?? 32);

const MINT = 'http://mint.mock.local';
const scenario = { version: 1, node: { mints: [MINT] } };
const child = await spawnServer(
  // As `routstr-mock serve` runs (the bundle when fresh).
  [`${root}/bin/routstr-mock.js`, 'serve', '--port', '0', '--scenario', JSON.stringify(scenario)],
  / on (http:\/\/\S+)\/v1/,
);
// Loopback only: the child listens on 127.0.0.1.
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])/.test(child.origin)) throw new Error(`not loopback: ${child.origin}`);

const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }], temperature: 5 });
const send = async () => {
  const res = await fetch(`${child.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-cashu': mintToken({ amount: 100, unit: 'sat', mint: MINT, format: 'A' }) },
    body,
  });
  await res.arrayBuffer();
  return res.status;
};

try {
  for (let i = 0; i < 50; i++) await send(); // warm-up: lazy modules, JIT
  await new Promise((resolve) => setTimeout(resolve, 500));
  const idle = procMemory(child.pid)!;
  const sampler = new RssSampler(() => procMemory(child.pid)?.rss, 200);
  const statuses: Record<number, number> = {};
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let sent = 0;
  const worker = async () => {
    while (sent < count && performance.now() < deadline) {
      sent++;
      const status = await send();
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const peak = sampler.stop();
  const after = procMemory(child.pid)!;
  const ledger = (await (await fetch(`${child.origin}/__mock/ledger`)).json()) as Record<string, number>;
  console.log(
    `forged X-Cashu flood (${root}): ${sent} requests in ${elapsed.toFixed(0)} s (${Math.round(sent / elapsed)}/s), statuses ${JSON.stringify(statuses)}; ` +
      `RSS idle ${mib(idle.rss).toFixed(0)} MiB, peak sampled ${mib(peak).toFixed(0)} MiB, at the end ${mib(after.rss).toFixed(0)} MiB, VmHWM ${mib(after.peak).toFixed(0)} MiB; ` +
      `ledger credited ${ledger.credited} refunded ${ledger.refunded}`,
  );
} finally {
  await child.stop();
}
