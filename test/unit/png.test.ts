import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderPng, renderPngInSlices } from '../../src/generate/png.ts';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function decode(bytes: Buffer): PNG {
  return PNG.sync.read(bytes);
}

/** Distinct colours in the picture, to tell a drawing from a flat fill. */
function colourCount(png: PNG): number {
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) colours.add(((png.data[i] as number) << 16) | ((png.data[i + 1] as number) << 8) | (png.data[i + 2] as number));
  return colours.size;
}

describe('renderPng', () => {
  it('starts with the PNG signature and decodes back to the requested size', () => {
    const bytes = renderPng(1, 256, 128);
    expect(bytes.subarray(0, 8)).toEqual(PNG_MAGIC);
    const png = decode(bytes);
    expect([png.width, png.height]).toEqual([256, 128]);
  });

  it.each([
    [1, 1],
    [2, 3],
    [17, 5],
    [1792, 1024],
    [1024, 1792],
    [2048, 2048],
  ])('renders odd and large sizes: %i×%i', (width, height) => {
    const png = decode(renderPng(99, width, height));
    expect([png.width, png.height]).toEqual([width, height]);
  });

  it('gives identical bytes for the same seed and different pictures for different seeds', () => {
    const a = renderPng(7, 320, 200);
    expect(renderPng(7, 320, 200).equals(a)).toBe(true);
    for (const seed of [8, 9, 10]) expect(renderPng(seed, 320, 200).equals(a)).toBe(false);
  });

  it('draws a scene rather than a flat colour or noise', () => {
    const bytes = renderPng(3, 512, 512);
    expect(colourCount(decode(bytes))).toBeGreaterThan(50);
    // Smooth shapes compress well; 512×512 of random noise would be about 768 kB.
    expect(bytes.length).toBeLessThan(200_000);
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => renderPng(1, 0, 10)).toThrow(RangeError);
    expect(() => renderPng(1, 10.5, 10)).toThrow(RangeError);
  });
});

/**
 * SHA-256 of the files as pngjs 7 wrote them (`PNG.sync.write`, RGB, Sub filter, deflate level 1)
 * before the mock packed PNGs itself and drew them in slices. Determinism is a product rule (same
 * seed, same bytes): a change that moves one byte fails here.
 */
const PINNED: [seed: number, width: number, height: number, length: number, sha256: string][] = [
  [1, 1, 1, 69, 'f96d4baadaeb195c56b49b9a7c85ee06ae47d0c0f753b036c156df91babd3dd7'],
  [99, 17, 5, 286, 'fe98591132005b270017691a0260924e6754e3823b28aff3eadf45278fd1e493'],
  [7, 320, 200, 29700, 'ae93382bd43ebcf8819620ba1498c3b8c1d7e4c4eea80db1fcb330311cb957ff'],
  [3, 512, 512, 91147, '70277484937b847c5f4ba1e8d060d6186aad1d666e6c09652f02380437a35d6e'],
  [5, 1536, 1024, 263982, '2045d7637eceb82ed3eb3bc3a23755c2330cdd009ac8150f4669931f1e4819ad'],
  [99, 2048, 2048, 520535, '30a3d936583aa2e8d5a6af2b8fad60397c55a0b38b41d0f0ddab13f9c80eafe4'],
];
const ALL_SEEDS_SHA256 = '89113e417257e481a78866cdfc01ca51f6887589edc5d47a50245ccbe22ffc86';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('PNG bytes', () => {
  it.each(PINNED)('seed %i, %i×%i is byte for byte what it always was, drawn in one go or in slices', async (seed, width, height, length, expected) => {
    const bytes = renderPng(seed, width, height);
    expect(bytes.length).toBe(length);
    expect(sha256(bytes)).toBe(expected);
    expect(sha256(await renderPngInSlices(seed, width, height))).toBe(expected);
  });

  it('40 seeds of assorted sizes (every palette, stars or not) are what they always were', () => {
    const all = createHash('sha256');
    for (let seed = 0; seed < 40; seed++) all.update(renderPng(seed, 64 + seed * 7, 48 + seed * 5));
    expect(all.digest('hex')).toBe(ALL_SEEDS_SHA256);
  });

  it('pictures drawn at the same time, their slices interleaved, come out as when drawn alone', async () => {
    const big = PINNED.filter(([, width]) => width >= 512);
    const made = await Promise.all(big.map(([seed, width, height]) => renderPngInSlices(seed, width, height)));
    expect(made.map(sha256)).toEqual(big.map(([, , , , expected]) => expected));
  });

  it('stops at its next pause once the signal aborts, rejecting with the reason', async () => {
    const gone = new Error('the client went away');
    await expect(renderPngInSlices(1, 64, 64, AbortSignal.abort(gone))).rejects.toBe(gone);
    const controller = new AbortController();
    const drawing = renderPngInSlices(99, 2048, 2048, controller.signal);
    setImmediate(() => controller.abort(gone));
    await expect(drawing).rejects.toBe(gone);
    await expect(renderPngInSlices(1, 0, 10)).rejects.toThrow(RangeError);
  });
});
