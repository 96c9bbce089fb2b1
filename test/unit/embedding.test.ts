import { describe, expect, it } from 'vitest';
import { embedText, embeddingToBase64 } from '../../src/generate/embedding.ts';

const FOX = 'The quick brown fox jumps over the lazy dog';
const FOX_PARAPHRASE = 'A quick brown fox jumped over a lazy dog';
const UNRELATED = 'Stock markets closed higher on Tuesday after strong earnings reports';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot; // both are unit vectors
}

function norm(vector: Float32Array): number {
  return Math.sqrt(cosine(vector, vector));
}

describe('embedText', () => {
  it('is deterministic', () => {
    expect(embedText(FOX, 1536, 42)).toEqual(embedText(FOX, 1536, 42));
  });

  it.each([1, 2, 3, 256, 1536, 3072])('gives a finite unit vector with %i dimensions', (dimensions) => {
    for (const text of [FOX, '', '?!...', 'x', '日本語のテキスト']) {
      const vector = embedText(text, dimensions, 7);
      expect(vector).toHaveLength(dimensions);
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(Math.abs(norm(vector) - 1)).toBeLessThan(1e-5);
    }
  });

  it('places a paraphrase close and an unrelated sentence far', () => {
    const fox = embedText(FOX, 1536, 7);
    const paraphrase = cosine(fox, embedText(FOX_PARAPHRASE, 1536, 7));
    const unrelated = cosine(fox, embedText(UNRELATED, 1536, 7));
    expect(paraphrase).toBeGreaterThan(0.75);
    expect(unrelated).toBeLessThan(0.15);
    expect(paraphrase - unrelated).toBeGreaterThan(0.6);
  });

  it('ranks partial overlap between a paraphrase and an unrelated sentence', () => {
    const question = embedText('How do I reset my password?', 1536, 7);
    const similar = cosine(question, embedText('How can I change my password', 1536, 7));
    const unrelated = cosine(question, embedText('What is the capital of France?', 1536, 7));
    expect(similar).toBeGreaterThan(0.3);
    expect(similar).toBeGreaterThan(unrelated + 0.25);
  });

  it('ignores case, spacing and punctuation', () => {
    const noisy = embedText('  the QUICK brown\tfox, jumps over the lazy dog!  ', 1536, 7);
    expect(cosine(embedText(FOX, 1536, 7), noisy)).toBeGreaterThan(0.999);
  });

  it('gives a different vector for a different salt', () => {
    const a = embedText(FOX, 1536, 1);
    const b = embedText(FOX, 1536, 2);
    expect(a).not.toEqual(b);
    expect(Math.abs(cosine(a, b))).toBeLessThan(0.3);
  });

  it('rejects dimensions below 1 or not whole', () => {
    expect(() => embedText(FOX, 0, 1)).toThrow(RangeError);
    expect(() => embedText(FOX, 1.5, 1)).toThrow(RangeError);
  });
});

describe('embeddingToBase64', () => {
  it.each([1, 3, 1536])('round-trips %i little-endian float32 values', (dimensions) => {
    const vector = embedText(FOX, dimensions, 9);
    const bytes = Buffer.from(embeddingToBase64(vector), 'base64');
    expect(bytes.length).toBe(4 * dimensions);
    const decoded = Array.from({ length: dimensions }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(Array.from(vector));
  });

  it('decodes the way the openai SDK does (Buffer → Float32Array)', () => {
    const vector = embedText(FOX, 1536, 9);
    const bytes = Buffer.from(embeddingToBase64(vector), 'base64');
    const decoded = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / Float32Array.BYTES_PER_ELEMENT);
    expect(decoded).toEqual(vector);
  });
});
