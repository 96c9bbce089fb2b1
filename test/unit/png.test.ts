import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderPng } from '../../src/generate/png.ts';

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
