/** The biggest inputs the mock accepts, for the event-loop tests and bench/event-loop.ts. */

/** A JSON Schema whose value is as big as the generator makes one (1000 × 16 kB strings: 256 K characters). */
export const BIG_SCHEMA = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      minItems: 1000,
      maxItems: 1000,
      items: {
        type: 'object',
        properties: { title: { type: 'string', minLength: 16000 }, tags: { type: 'array', items: { type: 'string' }, minItems: 5 }, n: { type: 'integer' } },
        required: ['title', 'tags', 'n'],
      },
    },
  },
  required: ['items'],
};

/**
 * An 8-bit mono WAV of 25 MB (the upload cap) at a rate that makes it just under 4 hours (the
 * transcription cap): silence, or with `noise` a fixed pseudo-random signal.
 */
export function longestWav(noise = false): Uint8Array {
  const size = 25 * 1024 * 1024;
  const rate = 1821;
  const bytes = Buffer.alloc(size, 0x80);
  bytes.write('RIFF', 0, 'latin1');
  bytes.writeUInt32LE(size - 8, 4);
  bytes.write('WAVEfmt ', 8, 'latin1');
  bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20);
  bytes.writeUInt16LE(1, 22);
  bytes.writeUInt32LE(rate, 24);
  bytes.writeUInt32LE(rate, 28);
  bytes.writeUInt16LE(1, 32);
  bytes.writeUInt16LE(8, 34);
  bytes.write('data', 36, 'latin1');
  bytes.writeUInt32LE(size - 44, 40);
  if (noise) for (let i = 44; i < size; i++) bytes[i] = (i * 7919) & 0xff;
  return bytes;
}
