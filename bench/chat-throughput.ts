/**
 * Non-streaming chat throughput of the mock against a bare fastify handler that returns a fixed
 * chat.completion body, measured in the same process with autocannon, alternating rounds so
 * machine noise hits both alike. Prints requests/second and the ratio (mock / bare).
 *
 *   npm run bench                 # default: 3 rounds of 5 s each
 *   BENCH_SECONDS=10 BENCH_ROUNDS=5 npm run bench
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { startMockNode } from '../src/index.ts';
import { startAimock } from './aimock.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);

const requestBody = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Hello! What is a good name for a cat?' },
  ],
});

async function startBare(fixed: string, headers: Record<string, string>) {
  const app = Fastify({ logger: false });
  app.post('/v1/chat/completions', async (_req, reply) => reply.headers(headers).send(fixed));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

async function measure(url: string): Promise<number> {
  const result = await autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: requestBody,
    connections,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const mock = await startMockNode({ port: 0 });
const sampleResponse = await fetch(`${mock.url}/chat/completions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
  body: requestBody,
});
// The baseline sends the mock's own response, headers included: the client (autocannon, in this
// process) then parses the same bytes from both, so the ratio compares server-side work only.
const sampleHeaders = Object.fromEntries(
  [...sampleResponse.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name)),
);
const bare = await startBare(await sampleResponse.text(), sampleHeaders);
// aimock (the best TypeScript LLM mock) answering the same request with a reply of the same length.
const aimock = await startAimock();

// Warm all up so JIT and caches are in the same state.
await measure(bare.url);
await measure(mock.origin);
await measure(aimock.url);

const bareRuns: number[] = [];
const mockRuns: number[] = [];
const aimockRuns: number[] = [];
for (let i = 0; i < rounds; i++) {
  bareRuns.push(await measure(bare.url));
  mockRuns.push(await measure(mock.origin));
  aimockRuns.push(await measure(aimock.url));
}
await mock.close();
await bare.app.close();
await aimock.close();

const bareRps = median(bareRuns);
const mockRps = median(mockRuns);
console.log(`bare fastify (fixed body): ${bareRuns.map(Math.round).join(', ')} req/s  -> median ${Math.round(bareRps)}`);
console.log(`routstr-mock chat:         ${mockRuns.map(Math.round).join(', ')} req/s  -> median ${Math.round(mockRps)}`);
const aimockRps = median(aimockRuns);
console.log(`aimock chat:               ${aimockRuns.map(Math.round).join(', ')} req/s  -> median ${Math.round(aimockRps)}`);
console.log(`ratio mock/bare: ${(mockRps / bareRps).toFixed(2)} (${connections} connections, ${seconds} s x ${rounds} rounds, node ${process.version})`);
console.log(`ratio aimock/bare: ${(aimockRps / bareRps).toFixed(2)}`);
