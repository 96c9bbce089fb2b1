/**
 * How long `startMockNode({ port: 0 })` takes in-process: the first start (scenario parsing and
 * validation included) and the median of later starts, each closed again.
 *
 *   npx tsx bench/startup.ts
 */
import { startMockNode } from '../src/index.ts';

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
