/**
 * How long `startMockNode({ port: 0 })` takes in-process: the first start (scenario parsing and
 * validation included) and the median of later starts, each closed again. Target for the first
 * start: under 100 ms. (The module imports before it are not counted; `routstr-mock serve` as a
 * child process, imports included, is bench/serve-startup.ts.)
 *
 *   npx tsx bench/startup.ts
 */
import { startMockNode } from '../src/index.ts';
import { report } from './report.ts';

const timeStart = async () => {
  const t = performance.now();
  const node = await startMockNode({ port: 0 });
  const ms = performance.now() - t;
  await node.close();
  return ms;
};

const first = await timeStart();
const later: number[] = [];
for (let i = 0; i < 20; i++) later.push(await timeStart());
later.sort((a, b) => a - b);
console.log(`startMockNode: first ${first.toFixed(1)} ms, median of 20 later starts ${later[10]!.toFixed(1)} ms, max ${later[19]!.toFixed(1)} ms`);
report({ metric: 'startMockNode in-process, first start', value: +first.toFixed(1), unit: 'ms', target: '< 100 ms', pass: first < 100 });
report({ metric: 'startMockNode in-process, later starts (median)', value: +later[10]!.toFixed(1), unit: 'ms', note: `max ${later[19]!.toFixed(1)} ms` });
