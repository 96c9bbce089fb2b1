import { encode as cl100kEncode } from 'gpt-tokenizer/encoding/cl100k_base';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecValidator } from '../helpers/openai-spec.ts';
import { createHash } from 'node:crypto';
import { type TestNode, postJson, startTestNode } from '../helpers/node.ts';
import { madeUpTexts } from '../helpers/words.ts';

let t: TestNode;
const spec = loadSpecValidator();

beforeAll(async () => {
  t = await startTestNode();
});
afterAll(() => t.close());

const MODEL = 'text-embedding-3-small';

interface EmbeddingBody {
  object: string;
  model: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number };
}

async function rawEmbeddings(body: Record<string, unknown>, path = '/v1/embeddings'): Promise<{ res: Response; json: EmbeddingBody }> {
  const res = await postJson(`${t.node.origin}${path}`, { model: MODEL, ...body });
  expect(res.status).toBe(200);
  return { res, json: (await res.json()) as EmbeddingBody };
}

/** What the SDK does with base64: the bytes are little-endian float32. */
function decodeBase64Floats(b64: string): number[] {
  const bytes = Buffer.from(b64, 'base64');
  expect(bytes.length % 4).toBe(0);
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));

describe('POST /v1/embeddings', () => {
  it('a string input gives one spec-valid, unit-length float vector with a real token count', async () => {
    const text = 'The quick brown fox jumps over the lazy dog';
    const r = await t.client.embeddings.create({ model: MODEL, input: text, encoding_format: 'float' });
    expect(spec.validate('CreateEmbeddingResponse', r)).toEqual([]);
    expect(r.object).toBe('list');
    expect(r.model).toBe(MODEL);
    expect(r.data).toHaveLength(1);
    expect(r.data[0]!.object).toBe('embedding');
    expect(r.data[0]!.index).toBe(0);
    expect(r.data[0]!.embedding).toHaveLength(1536);
    expect(norm(r.data[0]!.embedding)).toBeCloseTo(1, 5);
    expect(r.usage.prompt_tokens).toBe(cl100kEncode(text).length);
    expect(r.usage.prompt_tokens).toBe(9);
    expect(r.usage.total_tokens).toBe(r.usage.prompt_tokens);
  });

  it('a string array gives one vector per input, in order, and sums the tokens', async () => {
    const inputs = ['red apples', 'a green pear on the table', 'quantum chromodynamics'];
    const r = await t.client.embeddings.create({ model: MODEL, input: inputs, encoding_format: 'float' });
    expect(spec.validate('CreateEmbeddingResponse', r)).toEqual([]);
    expect(r.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(r.usage.prompt_tokens).toBe(inputs.reduce((s, x) => s + cl100kEncode(x).length, 0));
    const single = await t.client.embeddings.create({ model: MODEL, input: inputs[1]!, encoding_format: 'float' });
    expect(r.data[1]!.embedding).toEqual(single.data[0]!.embedding);
  });

  it('token-array input embeds the decoded text and counts the tokens sent', async () => {
    const text = 'hello embedding world';
    const tokens = cl100kEncode(text);
    const byTokens = await t.client.embeddings.create({ model: MODEL, input: tokens, encoding_format: 'float' });
    const byText = await t.client.embeddings.create({ model: MODEL, input: text, encoding_format: 'float' });
    expect(byTokens.data).toHaveLength(1);
    expect(byTokens.usage.prompt_tokens).toBe(tokens.length);
    expect(byTokens.data[0]!.embedding).toEqual(byText.data[0]!.embedding);

    const batch = await t.client.embeddings.create({ model: MODEL, input: [tokens, cl100kEncode('second input here')], encoding_format: 'float' });
    expect(batch.data.map((d) => d.index)).toEqual([0, 1]);
    expect(batch.usage.prompt_tokens).toBe(tokens.length + cl100kEncode('second input here').length);
    expect(batch.data[0]!.embedding).toEqual(byText.data[0]!.embedding);
  });

  it('the SDK default (base64 on the wire) decodes to the same floats as a float request', async () => {
    const input = 'Sats are the smallest unit of bitcoin';
    const viaDefault = await t.client.embeddings.create({ model: MODEL, input });
    const viaFloat = await t.client.embeddings.create({ model: MODEL, input, encoding_format: 'float' });
    expect(viaDefault.data[0]!.embedding).toHaveLength(1536);
    // float32 on the wire both ways, so the decoded numbers are identical.
    expect(viaDefault.data[0]!.embedding).toEqual(viaFloat.data[0]!.embedding);
  });

  it('raw base64 is little-endian float32 of the float vector', async () => {
    const input = ['Lightning payments settle in seconds', 'ecash tokens'];
    const { res, json: b64 } = await rawEmbeddings({ input, encoding_format: 'base64' });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { json: floats } = await rawEmbeddings({ input, encoding_format: 'float' });
    expect(b64.data).toHaveLength(2);
    for (const [i, d] of b64.data.entries()) {
      expect(typeof d.embedding).toBe('string');
      const decoded = decodeBase64Floats(d.embedding as string);
      expect(decoded).toHaveLength(1536);
      expect(decoded).toEqual(floats.data[i]!.embedding);
    }
    // Token counts match; the cost fields differ only by the balance left after each call.
    expect([b64.usage.prompt_tokens, b64.usage.total_tokens]).toEqual([floats.usage.prompt_tokens, floats.usage.total_tokens]);
    // The spec types `embedding` as number[] only, though the request enum offers base64: waive it.
    expect(spec.validate('CreateEmbeddingResponse', b64, { waive: ['/data/0/embedding', '/data/1/embedding'] })).toEqual([]);
    expect(spec.validate('CreateEmbeddingResponse', floats)).toEqual([]);
  });

  it('dimensions shortens the vector and keeps it unit-length, in float and base64', async () => {
    const r = await t.client.embeddings.create({ model: MODEL, input: 'shorter please', dimensions: 256, encoding_format: 'float' });
    expect(r.data[0]!.embedding).toHaveLength(256);
    expect(norm(r.data[0]!.embedding)).toBeCloseTo(1, 5);
    const d = await t.client.embeddings.create({ model: MODEL, input: 'shorter please', dimensions: 256 });
    expect(d.data[0]!.embedding).toEqual(r.data[0]!.embedding);
    const large = await t.client.embeddings.create({ model: 'text-embedding-3-large', input: 'native size', encoding_format: 'float' });
    expect(large.data[0]!.embedding).toHaveLength(3072);
  });

  it('dimensions above the native size is a 400 naming the parameter', async () => {
    const err = await t.client.embeddings.create({ model: MODEL, input: 'x', dimensions: 4096 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).param).toBe('dimensions');
  });

  it('vectors are deterministic and similar texts are closer than unrelated ones', async () => {
    const inputs = ['The cat sat on the warm windowsill', 'A cat was sitting on the warm windowsill', 'Quarterly revenue exceeded analyst expectations'];
    const a = await t.client.embeddings.create({ model: MODEL, input: inputs, encoding_format: 'float' });
    const b = await t.client.embeddings.create({ model: MODEL, input: inputs, encoding_format: 'float' });
    expect(a.data.map((d) => d.embedding)).toEqual(b.data.map((d) => d.embedding));
    const [cat1, cat2, finance] = a.data.map((d) => d.embedding) as [number[], number[], number[]];
    const similar = cosine(cat1, cat2);
    const unrelated = cosine(cat1, finance);
    expect(similar).toBeGreaterThan(0.5);
    expect(Math.abs(unrelated)).toBeLessThan(0.2);
    expect(similar).toBeGreaterThan(unrelated + 0.3);
    expect(cosine(cat1, cat1)).toBeCloseTo(1, 5);
  });

  it('bad input is a 400, not a 500', async () => {
    for (const input of [undefined, '', ['ok', ''], [], 42, [['a']], [{ text: 'x' }]]) {
      const res = await postJson(`${t.node.url}/embeddings`, { model: MODEL, input });
      expect(res.status, JSON.stringify(input)).toBe(400);
      const body = (await res.json()) as { error: { type: string; message: string } };
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.message).toMatch(/input/);
    }
  });

  it('a chat model is refused on this endpoint', async () => {
    const res = await postJson(`${t.node.url}/embeddings`, { model: 'gpt-4o-mini', input: 'x' });
    expect(res.status).toBe(400);
  });

  it('answers without the /v1 prefix too, with a request id header', async () => {
    const { res, json } = await rawEmbeddings({ input: 'no prefix', encoding_format: 'float' }, '/embeddings');
    expect(json.data[0]!.embedding).toHaveLength(1536);
    expect(res.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('answer bytes', () => {
  /**
   * SHA-256 of the whole body as the node wrote it before embeddings were made and written in
   * slices (JSON.stringify of the response object): 200 inputs of 3072 dimensions, the first
   * request of a fresh node (the balance in the cost fields is then always the same).
   */
  it.each([
    ['float', { input: madeUpTexts(200, 300, 1) }, 10844940, 'b24830e1cbc2c58d511d85cb470163536b1238bebdccb7fd9eff497b881020d3'],
    ['base64', { input: madeUpTexts(200, 300, 2), encoding_format: 'base64' }, 3287709, '41c3e8e6e8429493cdd9cf78966dd0bdc883256ffd4dcf65d91876a3c17eeeb3'],
  ])('%s: 200 inputs of text-embedding-3-large are byte for byte what they always were', async (_, body, length, expected) => {
    const fresh = await startTestNode();
    try {
      const res = await postJson(`${fresh.node.url}/embeddings`, { model: 'text-embedding-3-large', ...body });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const text = await res.text();
      expect(text.length).toBe(length);
      expect(createHash('sha256').update(text).digest('hex')).toBe(expected);
    } finally {
      await fresh.close();
    }
  });
});
