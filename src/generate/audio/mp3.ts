import { Mp3Encoder } from '@breezystack/lamejs';

/** Constant-bitrate MPEG Layer III, mono (MPEG-2 at 24 kHz). */
export function encodeMp3(samples: Int16Array, sampleRate: number, kbps = 64): Buffer {
  const encoder = new Mp3Encoder(1, sampleRate, kbps);
  const chunks: Buffer[] = [];
  const chunkSamples = 1152 * 32;
  for (let i = 0; i < samples.length; i += chunkSamples) {
    chunks.push(asBuffer(encoder.encodeBuffer(samples.subarray(i, i + chunkSamples))));
  }
  chunks.push(asBuffer(encoder.flush()));
  return Buffer.concat(chunks);
}

// lamejs hands back an Int8Array whatever its typings say; view the same bytes as a Buffer.
function asBuffer(chunk: ArrayBufferView): Buffer {
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
