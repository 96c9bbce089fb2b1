import { APIError } from 'openai';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecValidator } from '../helpers/openai-spec.ts';
import { type TestNode, postJson, startTestNode } from '../helpers/node.ts';

let t: TestNode;
/** A node with a dall-e-2 model, which (unlike dall-e-3) takes n > 1 with URLs and small sizes. */
let t2: TestNode;
const spec = loadSpecValidator();

beforeAll(async () => {
  [t, t2] = await Promise.all([startTestNode(), startTestNode({ models: [{ id: 'dall-e-2', kind: 'image', context_length: 1000 }] })]);
});
afterAll(async () => {
  await Promise.all([t.close(), t2.close()]);
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function decodePng(bytes: Buffer): PNG {
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  return PNG.sync.read(bytes);
}

/** Fewer than a handful of distinct colours would mean a blank or placeholder image. */
function distinctColours(png: PNG, samples = 400): number {
  const seen = new Set<number>();
  for (let i = 0; i < samples; i++) {
    const x = Math.floor(((i * 37) % 20) * (png.width / 20));
    const y = Math.floor(Math.floor(i / 20) * (png.height / 20));
    const o = (y * png.width + x) * 4;
    seen.add((png.data[o]! << 16) | (png.data[o + 1]! << 8) | png.data[o + 2]!);
  }
  return seen.size;
}

async function fetchImage(url: string): Promise<{ res: Response; bytes: Buffer }> {
  const res = await fetch(url);
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('POST /v1/images/generations with dall-e-3', () => {
  it('defaults to one 1024x1024 image as a URL the mock itself serves', async () => {
    const r = await t.client.images.generate({ model: 'dall-e-3', prompt: 'A lighthouse at dusk' });
    expect(spec.validate('ImagesResponse', r)).toEqual([]);
    expect(Number.isInteger(r.created)).toBe(true);
    expect(r.data).toHaveLength(1);
    const image = r.data![0]!;
    expect(image.b64_json).toBeUndefined();
    expect(image.revised_prompt).toContain('A lighthouse at dusk');
    expect(image.url!.startsWith(`${t.node.origin}/`)).toBe(true);
    const { res, bytes } = await fetchImage(image.url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = decodePng(bytes);
    expect([png.width, png.height]).toEqual([1024, 1024]);
    expect(distinctColours(png)).toBeGreaterThan(20);
  });

  it.each([
    ['1792x1024', 1792, 1024],
    ['1024x1792', 1024, 1792],
  ] as const)('b64_json at %s decodes to a PNG of that size', async (size, width, height) => {
    const r = await t.client.images.generate({ model: 'dall-e-3', prompt: 'Mountains under a full moon', size, response_format: 'b64_json' });
    expect(spec.validate('ImagesResponse', r)).toEqual([]);
    expect(r.data![0]!.url).toBeUndefined();
    const png = decodePng(Buffer.from(r.data![0]!.b64_json!, 'base64'));
    expect([png.width, png.height]).toEqual([width, height]);
  });

  it('the URL serves exactly the bytes of the b64_json answer for the same prompt and size', async () => {
    const prompt = 'A red bicycle leaning on a wall';
    const [asUrl, asB64] = await Promise.all([
      t.client.images.generate({ model: 'dall-e-3', prompt, size: '1792x1024', response_format: 'url' }),
      t.client.images.generate({ model: 'dall-e-3', prompt, size: '1792x1024', response_format: 'b64_json' }),
    ]);
    const { bytes } = await fetchImage(asUrl.data![0]!.url!);
    expect(bytes.equals(Buffer.from(asB64.data![0]!.b64_json!, 'base64'))).toBe(true);
  });

  it('is deterministic per prompt, and different prompts give different pictures', async () => {
    const gen = (prompt: string) => t.client.images.generate({ model: 'dall-e-3', prompt, response_format: 'b64_json' });
    const [a, b, c] = await Promise.all([gen('A quiet harbour'), gen('A quiet harbour'), gen('A busy market square')]);
    expect(a.data![0]!.b64_json).toBe(b.data![0]!.b64_json);
    expect(a.data![0]!.b64_json).not.toBe(c.data![0]!.b64_json);
    const url1 = await t.client.images.generate({ model: 'dall-e-3', prompt: 'A quiet harbour' });
    const url2 = await t.client.images.generate({ model: 'dall-e-3', prompt: 'A quiet harbour' });
    expect(url1.data![0]!.url).toBe(url2.data![0]!.url);
  });

  it('a size dall-e-3 does not offer is a 400 naming size', async () => {
    const err = await t.client.images.generate({ model: 'dall-e-3', prompt: 'x', size: '512x512' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).param).toBe('size');
    expect((err as APIError).message).toMatch(/1792x1024/);
    const res = await postJson(`${t.node.url}/images/generations`, { model: 'dall-e-3', prompt: 'x', size: 'huge' });
    expect(res.status).toBe(400);
  });

  it('n > 1 is refused for dall-e-3, as OpenAI does', async () => {
    const err = await t.client.images.generate({ model: 'dall-e-3', prompt: 'two cats', n: 2 }).catch((e: unknown) => e);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).param).toBe('n');
  });

  it("missing or empty prompt, unknown response_format and another model's quality are 400s", async () => {
    for (const body of [{}, { prompt: '' }, { prompt: 'x', response_format: 'jpeg' }, { prompt: 'x', n: 0 }, { prompt: 'x', quality: 'high' }]) {
      const res = await postJson(`${t.node.url}/images/generations`, { model: 'dall-e-3', ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    }
  });
});

describe('n images', () => {
  it('dall-e-2: n URLs, each a distinct PNG of the requested size', async () => {
    const r = await t2.client.images.generate({ model: 'dall-e-2', prompt: 'A field of sunflowers', n: 3, size: '256x256' });
    expect(spec.validate('ImagesResponse', r)).toEqual([]);
    expect(r.data).toHaveLength(3);
    const urls = r.data!.map((d) => d.url!);
    expect(new Set(urls).size).toBe(3);
    const images = await Promise.all(urls.map(fetchImage));
    for (const { res, bytes } of images) {
      expect(res.headers.get('content-type')).toBe('image/png');
      const png = decodePng(bytes);
      expect([png.width, png.height]).toEqual([256, 256]);
    }
    // Same prompt, size and index → same bytes, whatever the response format.
    const b64 = await t2.client.images.generate({ model: 'dall-e-2', prompt: 'A field of sunflowers', n: 3, size: '256x256', response_format: 'b64_json' });
    b64.data!.forEach((d, i) => expect(Buffer.from(d.b64_json!, 'base64').equals(images[i]!.bytes)).toBe(true));
  });

  it('gpt-image-1: always base64, n images, usage and size reported, spec-valid', async () => {
    const r = await t.client.images.generate({ model: 'gpt-image-1', prompt: 'A paper boat on a pond', n: 2, size: '1536x1024' });
    expect(spec.validate('ImagesResponse', r)).toEqual([]);
    expect(r.data).toHaveLength(2);
    expect(r.size).toBe('1536x1024');
    expect(r.output_format).toBe('png');
    expect(r.usage!.input_tokens).toBeGreaterThan(0);
    expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + r.usage!.output_tokens);
    const [a, b] = r.data!.map((d) => Buffer.from(d.b64_json!, 'base64'));
    const pa = decodePng(a!);
    expect([pa.width, pa.height]).toEqual([1536, 1024]);
    expect(a!.equals(b!)).toBe(false);
    expect(r.data!.every((d) => d.url === undefined)).toBe(true);
  });

  it('gpt-image-1 takes size auto and refuses response_format and dall-e sizes', async () => {
    const auto = await t.client.images.generate({ model: 'gpt-image-1', prompt: 'auto sized', size: 'auto' });
    const png = decodePng(Buffer.from(auto.data![0]!.b64_json!, 'base64'));
    expect([png.width, png.height]).toEqual([1024, 1024]);
    const bad = await t.client.images.generate({ model: 'gpt-image-1', prompt: 'x', size: '1792x1024' }).catch((e: unknown) => e);
    expect((bad as APIError).status).toBe(400);
    const hd = await t.client.images.generate({ model: 'gpt-image-1', prompt: 'x', quality: 'hd' }).catch((e: unknown) => e);
    expect((hd as APIError).param).toBe('quality');
    const style = await t.client.images.generate({ model: 'gpt-image-1', prompt: 'x', style: 'vivid' }).catch((e: unknown) => e);
    expect((style as APIError).param).toBe('style');
    const rf = await t.client.images.generate({ model: 'gpt-image-1', prompt: 'x', response_format: 'url' }).catch((e: unknown) => e);
    expect((rf as APIError).status).toBe(400);
    expect((rf as APIError).param).toBe('response_format');
  });
});

describe('routing', () => {
  it('answers without the /v1 prefix, with a request id, and the image URL works without it too', async () => {
    const res = await postJson(`${t.node.origin}/images/generations`, { model: 'dall-e-3', prompt: 'no prefix' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const { data } = (await res.json()) as { data: { url: string }[] };
    const v1 = await fetchImage(data[0]!.url);
    const bare = await fetchImage(data[0]!.url.replace('/v1/', '/'));
    expect(bare.res.status).toBe(200);
    expect(bare.bytes.equals(v1.bytes)).toBe(true);
    expect(v1.res.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an image file name that was never generated is a 404 in the node envelope', async () => {
    const res = await fetch(`${t.node.url}/images/files/not-an-image.png`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('not_found');
  });
});
