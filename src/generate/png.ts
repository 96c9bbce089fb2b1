import { promisify } from 'node:util';
import { crc32, deflate, deflateSync } from 'node:zlib';
import { type Steps, runInSlices, runToEnd } from './cooperative.ts';
import { Rng } from './random.ts';

/**
 * Seeded landscape pictures for the image endpoints: a sky gradient, a sun with a glow, a few soft
 * clouds and layers of hills fading into the distance. Drawn straight into an RGB byte buffer row
 * by row, so a 1024×1024 picture takes a few tens of milliseconds including PNG encoding.
 *
 * The drawing and the PNG row filter run as steps of about STEP_PIXELS pixels, so the node can
 * render in slices (renderPngInSlices) and the deflate runs on libuv's thread pool: a 2048×2048
 * picture no longer holds the event loop for ~100 ms. The file is byte for byte what pngjs 7
 * wrote for these options (`PNG.sync.write` with colour type 2, Sub filter, deflate level 1,
 * default strategy), which the mock used before: one IHDR, one IDAT, IEND.
 */

const deflateAsync = promisify(deflate);

/** Pixels drawn (or filtered) per step: ~0.2–1 ms of work. */
const STEP_PIXELS = 64 * 1024;
const DEFLATE_OPTIONS = { chunkSize: 32 * 1024, level: 1, strategy: 0 } as const;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BYTES_PER_PIXEL = 3;
/** PNG filter type 1: each byte minus the same colour's byte one pixel to the left. */
const FILTER_SUB = 1;

type Rgb = readonly [number, number, number];

interface Palette {
  skyTop: Rgb;
  skyHorizon: Rgb;
  sun: Rgb;
  /** Nearest hill colour; farther layers are blended towards the horizon. */
  land: Rgb;
  cloud: Rgb;
  stars: boolean;
}

const PALETTES: readonly Palette[] = [
  { skyTop: [40, 110, 200], skyHorizon: [170, 210, 240], sun: [255, 250, 220], land: [50, 110, 50], cloud: [255, 255, 255], stars: false },
  { skyTop: [60, 50, 120], skyHorizon: [250, 150, 90], sun: [255, 220, 150], land: [60, 40, 60], cloud: [250, 180, 160], stars: false },
  { skyTop: [20, 30, 70], skyHorizon: [200, 110, 120], sun: [255, 190, 170], land: [30, 30, 50], cloud: [180, 120, 150], stars: true },
  { skyTop: [5, 10, 30], skyHorizon: [40, 60, 110], sun: [235, 235, 220], land: [15, 20, 30], cloud: [70, 80, 110], stars: true },
  { skyTop: [70, 140, 220], skyHorizon: [200, 225, 245], sun: [255, 250, 230], land: [110, 140, 60], cloud: [255, 255, 255], stars: false },
  { skyTop: [150, 180, 200], skyHorizon: [230, 225, 210], sun: [255, 245, 225], land: [90, 110, 90], cloud: [245, 245, 240], stars: false },
];

interface Sun {
  x: number;
  y: number;
  radius: number;
  glowRadius: number;
}

interface Cloud {
  x: number;
  y: number;
  rx: number;
  ry: number;
}

interface HillLayer {
  /** Row of the ridge for each column (fractional, may be above or below the picture). */
  ridge: Float32Array;
  color: Rgb;
}

/** A real PNG of exactly width×height, deterministic for the seed, that looks like something (a seeded landscape), not noise. */
export function renderPng(seed: number, width: number, height: number): Buffer {
  checkSize(width, height);
  const filtered = runToEnd(filterRows(runToEnd(paint(seed, width, height)), width, height));
  return pngFile(width, height, deflateSync(filtered, DEFLATE_OPTIONS));
}

/**
 * renderPng's bytes, made in slices with the event loop let in between (see runInSlices) and the
 * deflate on the thread pool; `signal` stops it at its next pause.
 */
export async function renderPngInSlices(seed: number, width: number, height: number, signal?: AbortSignal): Promise<Buffer> {
  checkSize(width, height);
  const pixels = await runInSlices(paint(seed, width, height), signal);
  const filtered = await runInSlices(filterRows(pixels, width, height), signal);
  const compressed = await deflateAsync(filtered, DEFLATE_OPTIONS);
  signal?.throwIfAborted();
  return pngFile(width, height, compressed);
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`renderPng: width and height must be positive integers, got ${width}×${height}`);
  }
}

/** Rows drawn per step for a picture this wide. */
function rowsPerStep(width: number): number {
  return Math.max(1, Math.floor(STEP_PIXELS / width));
}

/** The picture's RGB bytes, a band of rows per step. */
function* paint(seed: number, width: number, height: number): Steps<Uint8ClampedArray> {
  const rng = new Rng(seed);
  const palette = jitterPalette(rng.fork('palette'), rng.pick(PALETTES));
  // A clamped array rounds blended values instead of truncating them.
  const pixels = new Uint8ClampedArray(width * height * BYTES_PER_PIXEL);
  const canvas: Canvas = { pixels, width, height };

  const horizon = height * (0.45 + 0.25 * rng.next());
  yield* paintSky(canvas, palette, horizon);
  if (palette.stars) paintStars(canvas, rng.fork('stars'), horizon);
  yield* paintSun(canvas, palette.sun, placeSun(rng.fork('sun'), width, horizon));
  yield* paintClouds(canvas, palette.cloud, placeClouds(rng.fork('clouds'), width, horizon));
  yield* paintHills(canvas, buildHills(rng.fork('hills'), palette, width, height, horizon));
  return pixels;
}

/** PNG scanlines: each row's filter type byte, then the row under the Sub filter. */
function* filterRows(pixels: Uint8ClampedArray, width: number, height: number): Steps<Buffer> {
  const rowBytes = width * BYTES_PER_PIXEL;
  const out = Buffer.allocUnsafe((rowBytes + 1) * height);
  const step = rowsPerStep(width);
  for (let y = 0; y < height; y++) {
    const from = y * rowBytes;
    let at = y * (rowBytes + 1);
    out[at++] = FILTER_SUB;
    for (let x = 0; x < BYTES_PER_PIXEL && x < rowBytes; x++) out[at + x] = pixels[from + x] as number;
    // Buffer stores the low byte of the difference, as the filter's modulo-256 arithmetic wants.
    for (let x = BYTES_PER_PIXEL; x < rowBytes; x++) out[at + x] = (pixels[from + x] as number) - (pixels[from + x - BYTES_PER_PIXEL] as number);
    if ((y + 1) % step === 0) yield;
  }
  return out;
}

/** Signature, IHDR (8-bit RGB, no interlace), the one IDAT, IEND. */
function pngFile(width: number, height: number, compressed: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', compressed), chunk('IEND', Buffer.alloc(0))]);
}

/** Length, type, data, and the CRC-32 of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(data.length + 12);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, out.length - 4)), out.length - 4);
  return out;
}

interface Canvas {
  pixels: Uint8ClampedArray;
  width: number;
  height: number;
}

function jitterPalette(rng: Rng, base: Palette): Palette {
  const shift = (c: Rgb, amount: number): Rgb => [
    clampByte(c[0] + (rng.next() - 0.5) * amount),
    clampByte(c[1] + (rng.next() - 0.5) * amount),
    clampByte(c[2] + (rng.next() - 0.5) * amount),
  ];
  return {
    skyTop: shift(base.skyTop, 40),
    skyHorizon: shift(base.skyHorizon, 40),
    sun: base.sun,
    land: shift(base.land, 50),
    cloud: base.cloud,
    stars: base.stars,
  };
}

function* paintSky(canvas: Canvas, palette: Palette, horizon: number): Steps<void> {
  const { pixels, width, height } = canvas;
  const step = rowsPerStep(width);
  for (let y = 0; y < height; y++) {
    if (y > 0 && y % step === 0) yield;
    // Eased so the sky stays deep overhead and brightens quickly near the horizon.
    const t = Math.min(1, (y + 0.5) / horizon) ** 1.6;
    const r = lerp(palette.skyTop[0], palette.skyHorizon[0], t);
    const g = lerp(palette.skyTop[1], palette.skyHorizon[1], t);
    const b = lerp(palette.skyTop[2], palette.skyHorizon[2], t);
    let i = y * width * 3;
    for (let x = 0; x < width; x++, i += 3) {
      pixels[i] = r;
      pixels[i + 1] = g;
      pixels[i + 2] = b;
    }
  }
}

function paintStars(canvas: Canvas, rng: Rng, horizon: number): void {
  const count = Math.round((canvas.width * horizon) / 2500);
  for (let n = 0; n < count; n++) {
    const x = rng.int(0, canvas.width - 1);
    const y = Math.min(canvas.height - 1, Math.floor(rng.next() * horizon * 0.8));
    const brightness = 150 + rng.next() * 105;
    blendPixel(canvas, x, y, [255, 255, 240], brightness / 255);
  }
}

function placeSun(rng: Rng, width: number, horizon: number): Sun {
  const radius = Math.max(1, Math.min(width, horizon) * (0.05 + 0.05 * rng.next()));
  return {
    x: width * (0.15 + 0.7 * rng.next()),
    y: horizon * (0.25 + 0.6 * rng.next()),
    radius,
    glowRadius: radius * (3 + 2 * rng.next()),
  };
}

function* paintSun(canvas: Canvas, color: Rgb, sun: Sun): Steps<void> {
  const { width, height } = canvas;
  const y0 = Math.max(0, Math.floor(sun.y - sun.glowRadius));
  const y1 = Math.min(height - 1, Math.ceil(sun.y + sun.glowRadius));
  const x0 = Math.max(0, Math.floor(sun.x - sun.glowRadius));
  const x1 = Math.min(width - 1, Math.ceil(sun.x + sun.glowRadius));
  const step = rowsPerStep(width);
  for (let y = y0; y <= y1; y++) {
    if (y > y0 && (y - y0) % step === 0) yield;
    const dy = y + 0.5 - sun.y;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - sun.x;
      const d = Math.sqrt(dx * dx + dy * dy);
      if (d >= sun.glowRadius) continue;
      const disc = clamp01(sun.radius + 0.5 - d);
      const glow = 0.45 * (1 - d / sun.glowRadius) ** 2;
      blendPixel(canvas, x, y, color, Math.max(disc, glow));
    }
  }
}

function placeClouds(rng: Rng, width: number, horizon: number): Cloud[] {
  const clouds: Cloud[] = [];
  const count = rng.int(0, 4);
  for (let n = 0; n < count; n++) {
    const rx = width * (0.06 + 0.1 * rng.next());
    clouds.push({ x: width * rng.next(), y: horizon * (0.1 + 0.6 * rng.next()), rx, ry: Math.max(1, rx * (0.2 + 0.15 * rng.next())) });
  }
  return clouds;
}

function* paintClouds(canvas: Canvas, color: Rgb, clouds: readonly Cloud[]): Steps<void> {
  const step = rowsPerStep(canvas.width);
  for (const c of clouds) {
    const y0 = Math.max(0, Math.floor(c.y - c.ry));
    const y1 = Math.min(canvas.height - 1, Math.ceil(c.y + c.ry));
    const x0 = Math.max(0, Math.floor(c.x - c.rx));
    const x1 = Math.min(canvas.width - 1, Math.ceil(c.x + c.rx));
    yield;
    for (let y = y0; y <= y1; y++) {
      if (y > y0 && (y - y0) % step === 0) yield;
      const ny = (y + 0.5 - c.y) / c.ry;
      for (let x = x0; x <= x1; x++) {
        const nx = (x + 0.5 - c.x) / c.rx;
        const d2 = nx * nx + ny * ny;
        if (d2 < 1) blendPixel(canvas, x, y, color, 0.8 * (1 - d2) ** 0.7);
      }
    }
  }
}

function buildHills(rng: Rng, palette: Palette, width: number, height: number, horizon: number): HillLayer[] {
  const layerCount = rng.int(2, 4);
  const layers: HillLayer[] = [];
  for (let layer = 0; layer < layerCount; layer++) {
    const nearness = (layer + 1) / layerCount;
    // Far layers are tall and jagged, near ones low and rolling.
    const baseline = horizon + (height - horizon) * 0.55 * (nearness - 1 / layerCount);
    const amplitude = height * (0.12 - 0.07 * nearness) * (0.6 + 0.8 * rng.next());
    const waves = Array.from({ length: 3 }, (_, k) => ({
      frequency: ((k + 1) * (1.5 + 3 * rng.next()) * (1.6 - nearness)) / width,
      phase: rng.next() * Math.PI * 2,
      weight: 1 / (k + 1),
    }));
    const ridge = new Float32Array(width);
    for (let x = 0; x < width; x++) {
      let h = 0;
      for (const w of waves) h += w.weight * Math.sin(Math.PI * 2 * w.frequency * x + w.phase);
      ridge[x] = baseline - amplitude * h;
    }
    const haze = 0.75 * (1 - nearness);
    layers.push({ ridge, color: mix(palette.land, palette.skyHorizon, haze) });
  }
  return layers;
}

function* paintHills(canvas: Canvas, layers: readonly HillLayer[]): Steps<void> {
  const { pixels, width, height } = canvas;
  const shadeDepth = Math.max(1, height * 0.5);
  const step = rowsPerStep(width);
  for (const { ridge, color } of layers) {
    const firstRow = Math.max(0, Math.floor(highestPoint(ridge)));
    yield;
    for (let y = firstRow; y < height; y++) {
      if (y > firstRow && (y - firstRow) % step === 0) yield;
      let i = y * width * 3;
      for (let x = 0; x < width; x++, i += 3) {
        const top = ridge[x] as number;
        // Fraction of this pixel's height below the ridge, for a smooth edge.
        const coverage = y + 1 - top;
        if (coverage <= 0) continue;
        const shade = 1 - 0.35 * Math.min(1, (y - top) / shadeDepth);
        const alpha = coverage >= 1 ? 1 : coverage;
        const keep = 1 - alpha;
        pixels[i] = (pixels[i] as number) * keep + color[0] * shade * alpha;
        pixels[i + 1] = (pixels[i + 1] as number) * keep + color[1] * shade * alpha;
        pixels[i + 2] = (pixels[i + 2] as number) * keep + color[2] * shade * alpha;
      }
    }
  }
}

function highestPoint(ridge: Float32Array): number {
  let min = Infinity;
  for (const top of ridge) if (top < min) min = top;
  return min;
}

function blendPixel(canvas: Canvas, x: number, y: number, color: Rgb, alpha: number): void {
  const i = (y * canvas.width + x) * 3;
  const p = canvas.pixels;
  const keep = 1 - alpha;
  p[i] = (p[i] as number) * keep + color[0] * alpha;
  p[i + 1] = (p[i + 1] as number) * keep + color[1] * alpha;
  p[i + 2] = (p[i + 2] as number) * keep + color[2] * alpha;
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [lerp(a[0], b[0], t), lerp(a[1], b[1], t), lerp(a[2], b[2], t)];
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
