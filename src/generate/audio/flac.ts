import { createHash } from 'node:crypto';
import { type Steps, runInSlices } from '../cooperative.ts';
import { encodePcm16le } from './wav.ts';

/**
 * A small FLAC encoder for mono 16-bit audio: fixed-size blocks, each coded as a constant, a fixed
 * polynomial predictor (orders 0–4) with one Rice-coded residual partition, or verbatim, whichever
 * is smallest. Lossless and readable by any FLAC decoder; it compresses less than libFLAC's LPC.
 * Two minutes of speech take ~0.3 s to encode, so it runs in slices, one block per step (see
 * runInSlices); `signal` stops it early.
 */

const BLOCK_SIZE = 4096;
const BITS_PER_SAMPLE = 16;
const MAX_RICE_PARAMETER = 14; // 15 is the escape code

export function encodeFlac(samples: Int16Array, sampleRate: number, signal?: AbortSignal): Promise<Buffer> {
  return runInSlices(encodeSteps(samples, sampleRate), signal);
}

/** One frame (BLOCK_SIZE samples, ~0.5 ms of work) per step; the header, which needs them all, last. */
function* encodeSteps(samples: Int16Array, sampleRate: number): Steps<Buffer> {
  const frames = new BitWriter(samples.length * 2 + 1024);
  // STREAMINFO's MD5 is of the whole PCM; fed block by block it is the same digest.
  const md5 = createHash('md5');
  let minFrameBytes = Infinity;
  let maxFrameBytes = 0;
  for (let start = 0, frameNumber = 0; start < samples.length; start += BLOCK_SIZE, frameNumber++) {
    const before = frames.byteLength;
    const block = samples.subarray(start, start + BLOCK_SIZE);
    writeFrame(frames, block, frameNumber, sampleRate);
    md5.update(encodePcm16le(block));
    const size = frames.byteLength - before;
    minFrameBytes = Math.min(minFrameBytes, size);
    maxFrameBytes = Math.max(maxFrameBytes, size);
    yield;
  }
  const header = streamHeader(samples, sampleRate, Number.isFinite(minFrameBytes) ? minFrameBytes : 0, maxFrameBytes, md5.digest());
  return Buffer.concat([header, frames.bytes()]);
}

/** "fLaC" and the single STREAMINFO metadata block. */
function streamHeader(samples: Int16Array, sampleRate: number, minFrameBytes: number, maxFrameBytes: number, md5: Buffer): Buffer {
  const w = new BitWriter(42);
  w.write(0x664c6143, 32); // "fLaC"
  w.write(1, 1); // last metadata block
  w.write(0, 7); // STREAMINFO
  w.write(34, 24);
  w.write(BLOCK_SIZE, 16);
  w.write(BLOCK_SIZE, 16);
  w.write(minFrameBytes, 24);
  w.write(maxFrameBytes, 24);
  w.write(sampleRate, 20);
  w.write(0, 3); // channels - 1
  w.write(BITS_PER_SAMPLE - 1, 5);
  w.write(Math.floor(samples.length / 2 ** 32), 4);
  w.write(samples.length >>> 0, 32);
  for (const byte of md5) w.write(byte, 8);
  return w.bytes();
}

const SAMPLE_RATE_CODES: Readonly<Record<number, number>> = {
  88200: 1,
  176400: 2,
  192000: 3,
  8000: 4,
  16000: 5,
  22050: 6,
  24000: 7,
  32000: 8,
  44100: 9,
  48000: 10,
  96000: 11,
};

function writeFrame(w: BitWriter, block: Int16Array, frameNumber: number, sampleRate: number): void {
  const frameStart = w.byteLength;
  w.write(0b11111111111110, 14); // sync code
  w.write(0, 1);
  w.write(0, 1); // fixed block size, so the header carries the frame number
  w.write(0b0111, 4); // block size follows as 16 bits
  w.write(SAMPLE_RATE_CODES[sampleRate] ?? 0, 4); // 0: take it from STREAMINFO
  w.write(0, 4); // mono
  w.write(0b100, 3); // 16 bits per sample
  w.write(0, 1);
  writeUtf8Number(w, frameNumber);
  w.write(block.length - 1, 16);
  w.write(crc8(w.slice(frameStart)), 8);
  writeSubframe(w, block);
  w.alignToByte();
  w.write(crc16(w.slice(frameStart)), 16);
}

function writeSubframe(w: BitWriter, block: Int16Array): void {
  if (block.every((s) => s === block[0])) {
    w.write(0, 8); // CONSTANT
    w.write((block[0] as number) & 0xffff, BITS_PER_SAMPLE);
    return;
  }
  const fixed = block.length > 4 ? bestFixedPredictor(block) : undefined;
  if (!fixed || fixed.bits >= block.length * BITS_PER_SAMPLE) {
    w.write(0b00000010, 8); // VERBATIM
    for (const s of block) w.write(s & 0xffff, BITS_PER_SAMPLE);
    return;
  }
  w.write((0b001000 | fixed.order) << 1, 8); // FIXED, no wasted bits
  for (let i = 0; i < fixed.order; i++) w.write((block[i] as number) & 0xffff, BITS_PER_SAMPLE);
  w.write(0, 2); // Rice coding with 4-bit parameters
  w.write(0, 4); // one partition
  w.write(fixed.riceParameter, 4);
  for (const u of fixed.folded) {
    w.writeZeros(u >>> fixed.riceParameter);
    w.write(1, 1);
    if (fixed.riceParameter > 0) w.write(u & ((1 << fixed.riceParameter) - 1), fixed.riceParameter);
  }
}

interface FixedChoice {
  order: number;
  /** Residuals folded to unsigned: 0, -1, 1, -2, ... → 0, 1, 2, 3, ... */
  folded: Uint32Array;
  riceParameter: number;
  /** Size of the coded subframe in bits, header excluded. */
  bits: number;
}

/** The predictor order with the smallest residuals, then the best Rice parameter near their mean. */
function bestFixedPredictor(block: Int16Array): FixedChoice {
  let order = 0;
  let folded = fixedResiduals(block, 0);
  let smallest = sum(folded);
  for (let candidate = 1; candidate <= 4; candidate++) {
    const residuals = fixedResiduals(block, candidate);
    const total = sum(residuals);
    if (total < smallest) [order, folded, smallest] = [candidate, residuals, total];
  }
  const mean = smallest / Math.max(1, folded.length);
  const estimate = mean >= 1 ? Math.floor(Math.log2(mean)) : 0;
  let best = { parameter: 0, bits: Infinity };
  for (let k = Math.max(0, estimate - 1); k <= Math.min(MAX_RICE_PARAMETER, estimate + 1); k++) {
    const bits = riceBits(folded, k);
    if (bits < best.bits) best = { parameter: k, bits };
  }
  return { order, folded, riceParameter: best.parameter, bits: order * BITS_PER_SAMPLE + 10 + best.bits };
}

function fixedResiduals(x: Int16Array, order: number): Uint32Array {
  const out = new Uint32Array(x.length - order);
  for (let i = order; i < x.length; i++) {
    const a = x[i] as number;
    const b = x[i - 1] as number;
    const c = x[i - 2] as number;
    const d = x[i - 3] as number;
    const e = x[i - 4] as number;
    const r = order === 0 ? a : order === 1 ? a - b : order === 2 ? a - 2 * b + c : order === 3 ? a - 3 * b + 3 * c - d : a - 4 * b + 6 * c - 4 * d + e;
    out[i - order] = r >= 0 ? 2 * r : -2 * r - 1;
  }
  return out;
}

function sum(values: Uint32Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Bits to Rice-code `folded` with parameter k: a unary quotient, a stop bit and k low bits each. */
function riceBits(folded: Uint32Array, k: number): number {
  let bits = folded.length * (k + 1);
  for (const u of folded) bits += u >>> k;
  return bits;
}

/** FLAC numbers frames with the UTF-8 scheme: 1 byte below 0x80, then a length-prefixed lead byte and 6-bit continuation bytes. */
function writeUtf8Number(w: BitWriter, n: number): void {
  if (n < 0x80) {
    w.write(n, 8);
    return;
  }
  let continuation = 1;
  while (n >= 2 ** (5 * continuation + 6) && continuation < 5) continuation++;
  const lead = ((0xff00 >> (continuation + 1)) & 0xff) | Math.floor(n / 2 ** (6 * continuation));
  w.write(lead & 0xff, 8);
  for (let i = continuation - 1; i >= 0; i--) w.write(0x80 | (Math.floor(n / 2 ** (6 * i)) & 0x3f), 8);
}

const CRC8_TABLE = crcTable(0x07, 8);
const CRC16_TABLE = crcTable(0x8005, 16);

function crcTable(poly: number, width: 8 | 16): Uint16Array {
  const top = 1 << (width - 1);
  const mask = (1 << width) - 1;
  return Uint16Array.from({ length: 256 }, (_, byte) => {
    let crc = byte << (width - 8);
    for (let bit = 0; bit < 8; bit++) crc = crc & top ? ((crc << 1) ^ poly) & mask : (crc << 1) & mask;
    return crc;
  });
}

function crc8(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = CRC8_TABLE[crc ^ b] as number;
  return crc;
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[(crc >> 8) ^ b] as number);
  return crc;
}

/** MSB-first bit packer that grows as needed. */
class BitWriter {
  private buffer: Uint8Array;
  private length = 0;
  private pending = 0;
  private pendingBits = 0;

  constructor(initialBytes: number) {
    this.buffer = new Uint8Array(Math.max(16, initialBytes));
  }

  /** Whole bytes written so far. */
  get byteLength(): number {
    return this.length;
  }

  /** Writes the low `count` bits of `value` (count ≤ 32). */
  write(value: number, count: number): void {
    if (count > 24) {
      this.write(Math.floor(value / 65536) & ((1 << (count - 16)) - 1), count - 16);
      this.write(value & 0xffff, 16);
      return;
    }
    this.pending = (this.pending << count) | (value & ((1 << count) - 1));
    this.pendingBits += count;
    while (this.pendingBits >= 8) {
      this.pendingBits -= 8;
      this.pushByte((this.pending >>> this.pendingBits) & 0xff);
    }
    this.pending &= (1 << this.pendingBits) - 1;
  }

  writeZeros(count: number): void {
    for (; count > 24; count -= 24) this.write(0, 24);
    if (count > 0) this.write(0, count);
  }

  alignToByte(): void {
    if (this.pendingBits > 0) this.write(0, 8 - this.pendingBits);
  }

  /** The whole bytes from `start` on (a view, not a copy). */
  slice(start: number): Uint8Array {
    return this.buffer.subarray(start, this.length);
  }

  bytes(): Buffer {
    this.alignToByte();
    return Buffer.from(this.buffer.buffer, this.buffer.byteOffset, this.length);
  }

  private pushByte(byte: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = byte;
  }
}
