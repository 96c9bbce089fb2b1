/**
 * Per-call cost of the pure generators and parsers on the request path (the figures unit tests
 * used to assert; timing belongs here, not in tests). Median of 5 batches after a warm-up.
 *
 *   npx tsx bench/generators.ts
 */
import { synthesizeSpeech } from '../src/generate/audio/speech.ts';
import { embedText } from '../src/generate/embedding.ts';
import { valueFromSchema } from '../src/generate/json-schema-value.ts';
import { renderPng } from '../src/generate/png.ts';
import { Rng } from '../src/generate/random.ts';
import { decodeToken, mintToken } from '../src/payment/cashu.ts';
import { validateResponse } from '../src/conformance/schemas/validate.ts';
import { report } from './report.ts';

function measure(label: string, runs: number, f: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(runs, 50); i++) f(i);
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const start = performance.now();
    for (let i = 0; i < runs; i++) f(b * runs + i);
    batches.push((performance.now() - start) / runs);
  }
  print(label, batches);
}

/** measure() for work that runs in slices (awaited one call at a time). */
async function measureAsync(label: string, runs: number, f: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(runs, 50); i++) await f(i);
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const start = performance.now();
    for (let i = 0; i < runs; i++) await f(b * runs + i);
    batches.push((performance.now() - start) / runs);
  }
  print(label, batches);
}

function print(label: string, batches: number[]): void {
  const median = batches.sort((a, b) => a - b)[2]!;
  const text = median >= 1 ? `${median.toFixed(1)} ms` : `${(median * 1000).toFixed(1)} µs`;
  console.log(`${label.padEnd(46)} ${text}`);
  report({ metric: `${label} (median per call)`, value: median >= 1 ? +median.toFixed(1) : +(median * 1000).toFixed(1), unit: median >= 1 ? 'ms' : 'µs' });
}

const tool = {
  type: 'object',
  properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 50 }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['query'],
};
const token = mintToken({ amount: 5000, mint: 'http://mint.mock.local', format: 'B' });
const chat = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

measure('renderPng 1024x1024', 5, (i) => renderPng(i, 1024, 1024));
await measureAsync('synthesizeSpeech 10 s wav', 5, (i) => synthesizeSpeech('word '.repeat(30), i, 'wav'));
measure('embedText 20 words, 1536 dims', 2000, (i) => embedText('one two three four five six seven eight nine ten eleven twelve', 1536, i));
measure('valueFromSchema typical tool schema', 2000, (i) => valueFromSchema(tool, new Rng(i), { text: 'Search for vegan recipes' }));
measure('decodeToken cashuB', 2000, () => decodeToken(token));
measure('validateResponse chat.completion strict', 2000, () => validateResponse('chat.completion', 'strict', chat));
