/**
 * A mock node for bench/flood-bounds.ts, in its own process: `startMockNode` of the checkout in
 * argv[3] (default this one) with the options in argv[2] (JSON: scenario, timeouts), printing
 * `flood-node listening on <origin>` once it listens.
 */
import { pathToFileURL } from 'node:url';
import type { startMockNode as StartMockNode } from '../src/index.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof StartMockNode>[0];
const root = process.argv[3] ?? new URL('..', import.meta.url).pathname;
const { startMockNode } = (await import(pathToFileURL(`${root}/src/index.ts`).href)) as { startMockNode: typeof StartMockNode };
const node = await startMockNode({ port: 0, ...options });
console.log(`flood-node listening on ${node.origin}`);
process.on('SIGTERM', () => void node.close().then(() => process.exit(0)));
