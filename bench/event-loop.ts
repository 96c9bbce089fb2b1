/**
 * How long one maximal request holds the node's event loop, per endpoint: the node runs in this
 * process, the client in a worker thread (its own event loop, so reading a 100 MB answer does not
 * count against the node). For each case: the request's total time as the client sees it, the
 * longest event-loop block while it ran (`monitorEventLoopDelay`, 1 ms resolution: the longest
 * delay a timer saw), and the slowest GET /v1/models sent every 20 ms meanwhile.
 *
 *   npx tsx bench/event-loop.ts            every case
 *   npx tsx bench/event-loop.ts flac png   the cases whose name contains one of the words
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { parse } from 'yaml';
import { startMockNode } from '../src/index.ts';
import { BIG_SCHEMA, longestWav } from '../test/helpers/maximal-inputs.ts';

interface Case {
  name: string;
  input: string;
  method: 'GET' | 'POST';
  path: string;
  /** A JSON body (stringified here, before the measurement), raw text, or a multipart upload; `round` 0 warms up, 1 is measured. */
  json?: (round: number) => unknown;
  text?: { contentType: string; body: string };
  multipart?: { fields: Record<string, string | string[]>; file: { name: string; type: string; bytes: Uint8Array } };
}

const defaults = parse(readFileSync(new URL('../scenarios/default.yaml', import.meta.url), 'utf8')) as { models: Record<string, unknown>[] };
const scenario = {
  version: 1,
  models: [
    ...defaults.models,
    // A scenario-defined image model takes any size: the only way to 2048×2048 (n = 4 fill the pixel cap).
    { id: 'image-any', kind: 'image', sats_per_million_tokens: { prompt: 1, completion: 1 }, context_length: 32000 },
  ],
  keys: [{ key: 'sk-test', balance_msats: 2 ** 40 }],
  stream: { ttft_ms: 0, tokens_per_second: 0, chunk_tokens: 1, usage_chunk: 'always' },
};

// ---- inputs at the caps (README "Limits") ----

/** 4096 characters (the API's longest speech input) at the speed that makes them just under 120 s. */
const SPEECH_INPUT = `${'The quick brown fox jumps over the lazy dog. Then, after a short rest, it ran back home to sleep! '.repeat(42).slice(0, 4095)}.`;
const speech = (format: string): Case => ({
  name: `speech ${format}`,
  input: '4096 chars at speed 2.3 (118.7 s of audio)',
  method: 'POST',
  path: '/v1/audio/speech',
  json: (round) => ({ model: 'tts-1', voice: 'alloy', input: SPEECH_INPUT, speed: 2.3, response_format: format }),
});

/**
 * ~`total` characters split over `count` texts of made-up words (seeded, so every run sends the same):
 * varied enough that the tokenizer's caches do not make it look cheap.
 */
function texts(count: number, total: number, seed: number): string[] {
  let state = 12345 + seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const word = () => Array.from({ length: 2 + Math.floor(next() * 8) }, () => 'etaoinshrdlucmfwypvbgkqjxz'[Math.floor(next() ** 2 * 26)]).join('');
  const each = Math.floor(total / count);
  return Array.from({ length: count }, () => {
    let s = '';
    while (s.length < each) s += `${word()} `;
    return s.slice(0, each).trim() || 'x';
  });
}

function bigScenarioYaml(rules: number): string {
  const lines = ['version: 1', 'name: big', 'rules:'];
  const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(20);
  for (let i = 0; i < rules; i++) {
    lines.push(`  - name: rule ${i}`, `    when: { path: /v1/chat/completions, message: "/needle-${i}\\\\b/i" }`, `    reply: { content: "${filler}${i}" }`);
  }
  return `${lines.join('\n')}\n`;
}

const CASES: Case[] = [
  {
    name: 'chat n=8',
    input: 'gpt-4o-mini, n 8, no max_tokens (8 × 16384 = the 131 072 cap), a story prompt',
    method: 'POST',
    path: '/v1/chat/completions',
    json: (round) => ({ model: 'gpt-4o-mini', n: 8, messages: [{ role: 'user', content: `Write a long story about a lighthouse keeper (take ${round}).` }] }),
  },
  {
    name: 'chat n=128 logprobs',
    input: 'n 128 × max_tokens 1024, logprobs, top_logprobs 7 (1 048 576 entries cap)',
    method: 'POST',
    path: '/v1/chat/completions',
    json: (round) => ({
      model: 'gpt-4o-mini',
      n: 128,
      max_tokens: 1024,
      logprobs: true,
      top_logprobs: 7,
      messages: [{ role: 'user', content: `Write a long story about a lighthouse keeper (take ${round}).` }],
    }),
  },
  {
    name: 'chat n=128 stream',
    input: 'n 128 × max_tokens 1024, streamed, unpaced',
    method: 'POST',
    path: '/v1/chat/completions',
    json: (round) => ({
      model: 'gpt-4o-mini',
      n: 128,
      max_tokens: 1024,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: `Write a long story about a lighthouse keeper (take ${round}).` }],
    }),
  },
  {
    name: 'chat long conversation',
    input: '290 000 characters of messages (~123 k tokens: the context length), 100 messages',
    method: 'POST',
    path: '/v1/chat/completions',
    json: (round) => ({ model: 'gpt-4o-mini', max_tokens: 16, messages: texts(100, 290_000, round).map((content) => ({ role: 'user', content })) }),
  },
  {
    name: 'chat json_schema n=8',
    input: 'response_format json_schema (1000 × 16 kB strings → 256 K chars), n 8, no max_tokens',
    method: 'POST',
    path: '/v1/chat/completions',
    json: (round) => ({
      model: 'gpt-4o-mini',
      n: 8,
      response_format: { type: 'json_schema', json_schema: { name: 'big', schema: BIG_SCHEMA } },
      messages: [{ role: 'user', content: `List things (take ${round}).` }],
    }),
  },
  {
    name: 'chat json_schema n=128',
    input: 'the same schema, n 128 × max_tokens 1024',
    method: 'POST',
    path: '/v1/chat/completions',
    json: (round) => ({
      model: 'gpt-4o-mini',
      n: 128,
      max_tokens: 1024,
      response_format: { type: 'json_schema', json_schema: { name: 'big', schema: BIG_SCHEMA } },
      messages: [{ role: 'user', content: `List things (take ${round}).` }],
    }),
  },
  {
    name: 'chat tools n=128',
    input: 'one tool with the same schema, tool_choice required, n 128 × max_tokens 1024',
    method: 'POST',
    path: '/v1/chat/completions',
    json: (round) => ({
      model: 'gpt-4o-mini',
      n: 128,
      max_tokens: 1024,
      tools: [{ type: 'function', function: { name: 'save', description: 'Saves things', parameters: BIG_SCHEMA } }],
      tool_choice: 'required',
      messages: [{ role: 'user', content: `Save things (take ${round}).` }],
    }),
  },
  {
    name: 'chat 30 MB image',
    input: 'one message with a 30 MB data: URL image (body near the 32 MiB cap)',
    method: 'POST',
    path: '/v1/chat/completions',
    json: (round) => ({
      model: 'gpt-4o-mini',
      max_tokens: 16,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${'iVBORw0KGgo'.repeat(2_800_000)}` } },
          ],
        },
      ],
    }),
  },
  {
    name: 'completions 2048 prompts',
    input: '2048 prompts (~0.5 M chars), n 1, max_tokens 64 (the 131 072 cap), logprobs 5',
    method: 'POST',
    path: '/v1/completions',
    json: (round) => ({ model: 'gpt-4o-mini', prompt: texts(2048, 500_000, round), max_tokens: 64, logprobs: 5 }),
  },
  {
    name: 'completions stream',
    input: '2048 prompts, n 1, max_tokens 64, streamed',
    method: 'POST',
    path: '/v1/completions',
    json: (round) => ({ model: 'gpt-4o-mini', prompt: texts(2048, 500_000, round), max_tokens: 64, stream: true }),
  },
  {
    name: 'embeddings float',
    input: '2048 inputs (650 k chars, ~292 k tokens: the 300 k cap), text-embedding-3-large 3072 dims, float',
    method: 'POST',
    path: '/v1/embeddings',
    json: (round) => ({ model: 'text-embedding-3-large', input: texts(2048, 650_000, round) }),
  },
  {
    name: 'embeddings base64',
    input: 'the same, base64',
    method: 'POST',
    path: '/v1/embeddings',
    json: (round) => ({ model: 'text-embedding-3-large', input: texts(2048, 650_000, round), encoding_format: 'base64' }),
  },
  {
    name: 'images gpt-image-1',
    input: 'gpt-image-1, n 10, 1536x1024 (b64_json)',
    method: 'POST',
    path: '/v1/images/generations',
    json: (round) => ({ model: 'gpt-image-1', prompt: `A lighthouse at dusk, take ${round}`, n: 10, size: '1536x1024' }),
  },
  {
    name: 'images 2048 b64',
    input: 'scenario model, n 4, 2048x2048, b64_json (the 16 M pixel cap)',
    method: 'POST',
    path: '/v1/images/generations',
    json: (round) => ({ model: 'image-any', prompt: `A lighthouse at dusk, take ${round}`, n: 4, size: '2048x2048', response_format: 'b64_json' }),
  },
  {
    name: 'images url file',
    input: 'GET /v1/images/files/<seed>-2048x2048.png (not cached)',
    method: 'GET',
    path: '/v1/images/files/0badc0de-2048x2048.png',
  },
  speech('mp3'),
  speech('flac'),
  speech('wav'),
  speech('pcm'),
  {
    name: 'transcription verbose',
    input: '25 MB WAV of 3.99 h, verbose_json with words and segments',
    method: 'POST',
    path: '/v1/audio/transcriptions',
    multipart: {
      fields: { model: 'whisper-1', response_format: 'verbose_json', 'timestamp_granularities[]': ['word', 'segment'] },
      file: { name: 'long.wav', type: 'audio/wav', bytes: longestWav(true) },
    },
  },
  {
    name: 'transcription srt',
    input: 'the same WAV, srt',
    method: 'POST',
    path: '/v1/audio/transcriptions',
    multipart: { fields: { model: 'whisper-1', response_format: 'srt' }, file: { name: 'long.wav', type: 'audio/wav', bytes: longestWav(true) } },
  },
  {
    name: 'translation json',
    input: 'the same WAV, translation, json',
    method: 'POST',
    path: '/v1/audio/translations',
    multipart: { fields: { model: 'whisper-1' }, file: { name: 'long.wav', type: 'audio/wav', bytes: longestWav(true) } },
  },
  {
    name: 'control scenario 2000',
    input: 'POST /__mock/scenario, YAML of 2000 rules (2.4 MB)',
    method: 'POST',
    path: '/__mock/scenario',
    text: { contentType: 'application/yaml', body: bigScenarioYaml(2000) },
  },
  {
    name: 'control scenario',
    input: 'POST /__mock/scenario, YAML of 20 000 rules (~25 MB)',
    method: 'POST',
    path: '/__mock/scenario',
    text: { contentType: 'application/yaml', body: bigScenarioYaml(20_000) },
  },
];

const CLIENT = `
const { parentPort } = require('node:worker_threads');
const pings = { on: false, latencies: [] };
setInterval(() => {
  if (!pings.on) return;
  const start = performance.now();
  fetch(pings.url).then((r) => r.arrayBuffer()).then(() => pings.latencies.push(performance.now() - start), () => pings.latencies.push(-1));
}, 20);
parentPort.on('message', async (job) => {
  pings.url = job.origin + '/v1/models';
  pings.latencies = [];
  pings.on = true;
  const started = performance.now();
  let body;
  const headers = { authorization: 'Bearer sk-test' };
  if (job.multipart) {
    body = new FormData();
    for (const [k, v] of Object.entries(job.multipart.fields)) for (const x of [v].flat()) body.append(k, x);
    body.append('file', new Blob([job.multipart.file.bytes], { type: job.multipart.file.type }), job.multipart.file.name);
  } else if (job.body !== undefined) {
    body = job.body;
    headers['content-type'] = job.contentType;
  }
  try {
    const res = await fetch(job.origin + job.path, { method: job.method, headers, body });
    const bytes = (await res.arrayBuffer()).byteLength;
    const ms = performance.now() - started;
    await new Promise((r) => setTimeout(r, 60));
    pings.on = false;
    await new Promise((r) => setTimeout(r, 300));
    parentPort.postMessage({ status: res.status, bytes, ms, pings: pings.latencies });
  } catch (err) {
    pings.on = false;
    parentPort.postMessage({ status: -1, error: String(err), bytes: 0, ms: performance.now() - started, pings: pings.latencies });
  }
});
`;

interface Result {
  status: number;
  bytes: number;
  ms: number;
  pings: number[];
  error?: string;
}

const node = await startMockNode({ port: 0, scenario });
const worker = new Worker(CLIENT, { eval: true });
const run = (job: Record<string, unknown>) =>
  new Promise<Result>((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(job);
  });

const only = process.argv.slice(2);
const rows: string[] = [];
for (const c of CASES.filter((c) => only.length === 0 || only.some((w) => c.name.includes(w)))) {
  const job = (round: number) => ({
    origin: node.origin,
    method: c.method,
    // Image files are cached by name: the measured GET asks for another seed.
    path: round === 0 ? c.path : c.path.replace('0badc0de', '0badf00d'),
    ...(c.json !== undefined ? { body: JSON.stringify(c.json(round)), contentType: 'application/json' } : {}),
    ...(c.text ? { body: c.text.body, contentType: c.text.contentType } : {}),
    ...(c.multipart ? { multipart: c.multipart } : {}),
  });
  // One run to warm up (JIT, lazy modules), one measured, whose text differs (so the tokenizer's
  // caches, the image cache, do not make it look cheap).
  await run(job(0));
  const measured = job(1);
  global.gc?.();
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  const result = await run(measured);
  histogram.disable();
  const wall = performance.now() - started;
  const block = histogram.max / 1e6;
  const ping = Math.max(0, ...result.pings);
  const row = `| ${c.name} | ${c.input} | ${result.status}${result.error ? ` ${result.error}` : ''} | ${(result.bytes / 1e6).toFixed(1)} MB | ${Math.round(result.ms)} ms | ${Math.round(block)} ms | ${Math.round(ping)} ms (${result.pings.length}) |`;
  rows.push(row);
  console.log(row, `(${Math.round(wall)} ms)`);
}
console.log('\n| endpoint | input | status | answer | total time | longest block | slowest ping (pings) |\n|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
await worker.terminate();
await node.close();
