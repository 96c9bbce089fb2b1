import { type Steps, runInSlices } from '../cooperative.ts';

type Lamejs = typeof import('@breezystack/lamejs');
type Mp3Encoder = InstanceType<Lamejs['Mp3Encoder']>;

let lamejs: Promise<Lamejs> | undefined;

/**
 * lamejs is ~270 KB of JavaScript that only mp3 speech needs, so it is loaded on first use, not
 * at start-up. (Its CommonJS entry is an IIFE that exports nothing: it takes an ES `import()`.)
 */
function loadLamejs(): Promise<Lamejs> {
  return (lamejs ??= import('@breezystack/lamejs'));
}

/**
 * Samples handed to the encoder at a time: one MPEG frame, ~0.5 ms of encoding on a slow core (now
 * and then up to ~20 ms, mostly early in an encoding: JIT and GC). LAME buffers internally, so the
 * bytes do not depend on how the input is cut.
 */
const ENCODE_STEP = 1152;

/**
 * Constant-bitrate MPEG Layer III, mono (MPEG-2 at 24 kHz). Two minutes of speech take ~2 s to
 * encode, so it runs in slices with the event loop let in between (see runInSlices); `signal`
 * stops it early.
 */
export async function encodeMp3(samples: Int16Array, sampleRate: number, kbps = 64, signal?: AbortSignal): Promise<Buffer> {
  const { Mp3Encoder } = await loadLamejs();
  return runInSlices(encodeSteps(new Mp3Encoder(1, sampleRate, kbps), samples), signal);
}

function* encodeSteps(encoder: Mp3Encoder, samples: Int16Array): Steps<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < samples.length; i += ENCODE_STEP) {
    chunks.push(asBuffer(encoder.encodeBuffer(samples.subarray(i, i + ENCODE_STEP))));
    yield;
  }
  chunks.push(asBuffer(encoder.flush()));
  return Buffer.concat(chunks);
}

// lamejs hands back an Int8Array (a copy) whatever its typings say; view the same bytes as a Buffer.
function asBuffer(chunk: ArrayBufferView): Buffer {
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
