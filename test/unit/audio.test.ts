import { createHash, randomBytes } from 'node:crypto';
import { parseBuffer } from 'music-metadata';
import { describe, expect, it } from 'vitest';
import { runInSlices } from '../../src/generate/cooperative.ts';
import { transcriptSteps } from '../../src/generate/audio/transcript.ts';
import {
  buildTranscript,
  languageName,
  probeAudioDuration,
  supportedSpeechFormats,
  synthesizeSpeech,
  toSrt,
  toVtt,
  UnsupportedAudioFormatError,
  type SpeechFormat,
  type Transcript,
} from '../../src/generate/audio.ts';
import { tokenizerFor } from '../../src/generate/tokens.ts';

/** The API's longest speech input, at the speed that makes it just under the 120 s cap (118.7 s). */
const LONGEST = `${'The quick brown fox jumps over the lazy dog. Then, after a short rest, it ran back home to sleep! '.repeat(42).slice(0, 4095)}.`;

const TEXT_150 =
  'The quick brown fox jumps over the lazy dog. Then, after a short rest, it ran back home to sleep! ' + 'Did anyone notice? Nobody did, and that was so fine.';

describe('synthesizeSpeech', () => {
  it('supports mp3, flac, wav and pcm, and refuses opus and aac with a typed error', async () => {
    expect(supportedSpeechFormats()).toEqual(['mp3', 'flac', 'wav', 'pcm']);
    for (const format of ['opus', 'aac', 'ogg'] as SpeechFormat[]) {
      const error = await synthesizeSpeech('hello', 1, format).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedAudioFormatError);
      expect((error as UnsupportedAudioFormatError).message).toMatch(new RegExp(`'${format}'.*mp3, flac, wav, pcm`));
    }
  });

  it('gives each format its content type', async () => {
    const types = Object.fromEntries(await Promise.all(supportedSpeechFormats().map(async (f) => [f, (await synthesizeSpeech('hi', 1, f)).contentType])));
    expect(types).toEqual({ mp3: 'audio/mpeg', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' });
  });

  it('makes the duration follow the text (~15 chars/s), the speed, and a 0.5 s floor', async () => {
    expect(TEXT_150.length).toBe(150);
    expect((await synthesizeSpeech(TEXT_150, 1, 'pcm')).durationSeconds).toBeCloseTo(10, 3);
    expect((await synthesizeSpeech(TEXT_150, 1, 'pcm', 2)).durationSeconds).toBeCloseTo(5, 3);
    expect((await synthesizeSpeech(TEXT_150, 1, 'pcm', 0.25)).durationSeconds).toBeCloseTo(40, 3);
    expect((await synthesizeSpeech(TEXT_150, 1, 'pcm', 100)).durationSeconds).toBeCloseTo(2.5, 3); // clamped to 4
    expect((await synthesizeSpeech('Hi', 1, 'pcm')).durationSeconds).toBe(0.5);
    expect((await synthesizeSpeech('', 1, 'pcm')).durationSeconds).toBe(0.5);
  });

  it('writes raw pcm as 24 kHz s16le and wav as the same samples under a RIFF header', async () => {
    const pcm = await synthesizeSpeech(TEXT_150, 5, 'pcm');
    const wav = await synthesizeSpeech(TEXT_150, 5, 'wav');
    expect(pcm.bytes.length).toBe(Math.round(pcm.durationSeconds * 24_000) * 2);
    const header = readWavHeader(wav.bytes);
    expect(header).toEqual({ format: 1, channels: 1, sampleRate: 24_000, bitsPerSample: 16, dataBytes: pcm.bytes.length, riffSize: wav.bytes.length - 8 });
    expect(wav.bytes.subarray(44).equals(pcm.bytes)).toBe(true);
  });

  it('is deterministic per seed and text', async () => {
    const bytes = async (seed: number, format: SpeechFormat) => (await synthesizeSpeech(TEXT_150, seed, format)).bytes;
    for (const format of supportedSpeechFormats()) {
      expect((await bytes(9, format)).equals(await bytes(9, format))).toBe(true);
    }
    expect((await bytes(9, 'pcm')).equals(await bytes(10, 'pcm'))).toBe(false);
  });

  it('sounds like talking: loud syllables with quiet pauses between words', async () => {
    const samples = pcmSamples((await synthesizeSpeech(TEXT_150, 3, 'pcm')).bytes);
    const windowRms = rmsPerWindow(samples, 480); // 20 ms windows
    const loud = windowRms.filter((r) => r > 2000).length;
    const quiet = windowRms.filter((r) => r < 100).length;
    expect(loud / windowRms.length).toBeGreaterThan(0.3);
    expect(quiet / windowRms.length).toBeGreaterThan(0.05);
    expect(samples.reduce((peak, s) => Math.max(peak, Math.abs(s)), 0)).toBeLessThan(32_767); // no clipping
  });

  it('writes mp3 that music-metadata reads as 24 kHz mono of the right length', async () => {
    const speech = await synthesizeSpeech(TEXT_150, 2, 'mp3');
    const { format } = await parseBuffer(speech.bytes, { mimeType: 'audio/mpeg' }, { duration: true });
    expect(format.container).toBe('MPEG');
    expect(format.sampleRate).toBe(24_000);
    expect(format.numberOfChannels).toBe(1);
    expect(format.duration).toBeGreaterThan(speech.durationSeconds * 0.98);
    expect(format.duration).toBeLessThan(speech.durationSeconds * 1.05);
  });

  it('writes lossless flac that decodes back to the exact pcm samples', async () => {
    const flac = await synthesizeSpeech(TEXT_150, 4, 'flac');
    const pcm = await synthesizeSpeech(TEXT_150, 4, 'pcm');
    expect(flac.bytes.length).toBeLessThan(pcm.bytes.length);
    const decoded = decodeFlac(flac.bytes);
    expect(decoded.sampleRate).toBe(24_000);
    expect(Buffer.from(decoded.samples.buffer).equals(pcm.bytes)).toBe(true);
    expect(decoded.md5).toEqual(createHash('md5').update(pcm.bytes).digest());
    const { format } = await parseBuffer(flac.bytes, { mimeType: 'audio/flac' });
    expect(format.container).toBe('FLAC');
    expect(format.duration).toBeCloseTo(flac.durationSeconds, 6);
  });
});

/**
 * SHA-256 of the bytes as the encoders wrote them before MP3 (and later FLAC) encoding became
 * cooperative (sliced, with the event loop let in between). Determinism is a product rule (same seed, same bytes): a
 * change that moves one byte of a format fails here.
 */
const PINNED: { label: string; text: string; seed: number; format: SpeechFormat; speed: number; length: number; sha256: string }[] = [
  {
    label: "'Hi' (the 0.5 s floor)",
    text: 'Hi',
    seed: 1,
    format: 'mp3',
    speed: 1,
    length: 4416,
    sha256: '84d24f513fd38513d38f2aa168d84c3deee098c9b8632c03f47565d368b8237a',
  },
  {
    label: '150 chars',
    text: TEXT_150,
    seed: 2,
    format: 'mp3',
    speed: 1,
    length: 80448,
    sha256: '5f04e0936bf6db6941c604c9f800c9cd98d9d07d08a8e8ec0c154f5f7bcac86c',
  },
  {
    label: '150 chars at speed 0.25',
    text: TEXT_150,
    seed: 7,
    format: 'mp3',
    speed: 0.25,
    length: 320448,
    sha256: '60d68ab48b4277195b8abf8a6580bc0661d2676d488327eb36d59ef230477ac8',
  },
  {
    label: '1050 chars',
    text: TEXT_150.repeat(7),
    seed: 3,
    format: 'mp3',
    speed: 1,
    length: 560448,
    sha256: '046f804f0496648848e634d2ccc8633b969640e2255a47f0c7bc11fe55e37765',
  },
  {
    label: '150 chars',
    text: TEXT_150,
    seed: 2,
    format: 'pcm',
    speed: 1,
    length: 480000,
    sha256: 'fa7e9a6f098ef4c82a42fdd77bcfb473344504f4d65e656d796d723d57e97c38',
  },
  {
    label: '1050 chars',
    text: TEXT_150.repeat(7),
    seed: 3,
    format: 'pcm',
    speed: 1,
    length: 3360000,
    sha256: '3726dadaed256fc58fa1ffd931f02c8fd5d558e9a2dc7d052070856e4d6201e2',
  },
  {
    label: '150 chars',
    text: TEXT_150,
    seed: 2,
    format: 'wav',
    speed: 1,
    length: 480044,
    sha256: 'f86429760b0ebdf99b50a526baf86d4e3d9e2847e3bbb7b04e61a70412ee92d6',
  },
  {
    label: '150 chars',
    text: TEXT_150,
    seed: 2,
    format: 'flac',
    speed: 1,
    length: 278674,
    sha256: 'e282a354e09da36420ceb6a48c4c9c8eb9bab40c7b75af33d7f8f14cc8a97283',
  },
  {
    label: 'the longest input (118.7 s)',
    text: LONGEST,
    seed: 1,
    format: 'flac',
    speed: 2.3,
    length: 3742602,
    sha256: 'ab43e8927098533ff0cd26328a730b6f5e2e3a7f960751022c676460f367d470',
  },
  {
    label: 'the longest input (118.7 s)',
    text: LONGEST,
    seed: 1,
    format: 'wav',
    speed: 2.3,
    length: 5698826,
    sha256: 'be2712cfd00f3d0f4995e080e53eab29fed4d6d45e8eafcbc90f64ce31b27844',
  },
  {
    label: 'the longest input (118.7 s)',
    text: LONGEST,
    seed: 1,
    format: 'pcm',
    speed: 2.3,
    length: 5698782,
    sha256: '8a6b2cd94281104e2fea7d09d1e8071f157c3608006181df9a2a9478d8adecd8',
  },
];

describe('speech bytes', () => {
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it.each(PINNED)('$format of $label (seed $seed) is byte for byte what it always was', async ({ text, seed, format, speed, length, sha256: expected }) => {
    const { bytes } = await synthesizeSpeech(text, seed, format, speed);
    expect(bytes.length).toBe(length);
    expect(sha256(bytes)).toBe(expected);
  });

  it('stops at its next pause once the signal aborts, rejecting with the reason', async () => {
    const gone = new Error('the client went away');
    await expect(synthesizeSpeech(TEXT_150, 1, 'mp3', 1, { signal: AbortSignal.abort(gone) })).rejects.toBe(gone);
    // Two minutes of speech: seconds of work, cut short.
    const controller = new AbortController();
    const started = performance.now();
    const made = synthesizeSpeech(TEXT_150.repeat(12), 1, 'mp3', 1, { signal: controller.signal });
    setTimeout(() => controller.abort(gone), 50);
    await expect(made).rejects.toBe(gone);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('mp3s and flacs synthesized at the same time, their slices interleaved, come out as when made alone', async () => {
    const sliced = PINNED.filter((p) => p.format === 'mp3' || (p.format === 'flac' && p.text !== LONGEST));
    const made = await Promise.all(sliced.map((p) => synthesizeSpeech(p.text, p.seed, p.format, p.speed)));
    expect(made.map((m) => sha256(m.bytes))).toEqual(sliced.map((p) => p.sha256));
  });

  it('flac stops at its next pause once the signal aborts', async () => {
    const gone = new Error('the client went away');
    const controller = new AbortController();
    const started = performance.now();
    const made = synthesizeSpeech(LONGEST, 1, 'flac', 2.3, { signal: controller.signal });
    setTimeout(() => controller.abort(gone), 50);
    await expect(made).rejects.toBe(gone);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('probeAudioDuration', () => {
  it('reads back the duration of synthesized wav (within 5%), flac, and mp3 (within 10%)', async () => {
    for (const [format, tolerance] of [
      ['wav', 0.05],
      ['flac', 0.05],
      ['mp3', 0.1],
    ] as const) {
      const speech = await synthesizeSpeech(TEXT_150, 6, format);
      const probed = await probeAudioDuration(speech.bytes, `speech.${format}`, speech.contentType);
      expect(probed, format).not.toBeNull();
      expect(Math.abs((probed as number) - speech.durationSeconds) / speech.durationSeconds, format).toBeLessThan(tolerance);
    }
  });

  it('needs neither a file name nor a mime type', async () => {
    const speech = await synthesizeSpeech(TEXT_150, 6, 'mp3');
    expect(await probeAudioDuration(speech.bytes)).toBeCloseTo(speech.durationSeconds, 0);
  });

  it('computes a streamed wav duration from the bytes when the size fields are 0 or unknown', async () => {
    const speech = await synthesizeSpeech(TEXT_150, 6, 'wav');
    for (const size of [0, 0xffffffff]) {
      const streamed = Buffer.from(speech.bytes);
      streamed.writeUInt32LE(size, 4);
      streamed.writeUInt32LE(size, 40);
      expect(await probeAudioDuration(streamed, 'stream.wav', 'audio/wav')).toBeCloseTo(speech.durationSeconds, 6);
    }
    const truncated = speech.bytes.subarray(0, 44 + 48_000);
    expect(await probeAudioDuration(truncated, 'cut.wav')).toBeCloseTo(1, 6);
  });

  it('returns null for empty files, garbage and non-audio, whatever the name says', async () => {
    expect(await probeAudioDuration(Buffer.alloc(0), 'empty.wav', 'audio/wav')).toBeNull();
    const garbage = [randomBytes(5000), Buffer.alloc(5000), Buffer.from('not audio at all\n'.repeat(200))];
    for (const bytes of garbage) {
      for (const [name, mime] of [
        [undefined, undefined],
        ['a.mp3', 'audio/mpeg'],
        ['a.wav', 'audio/wav'],
        ['a.m4a', 'audio/mp4'],
        ['a.ogg', 'audio/ogg'],
      ]) {
        expect(await probeAudioDuration(bytes, name, mime)).toBeNull();
      }
    }
    const riffWithoutData = Buffer.from((await synthesizeSpeech('hi', 1, 'wav')).bytes.subarray(0, 36));
    expect(await probeAudioDuration(riffWithoutData, 'a.wav')).toBeNull();
  });
});

describe('buildTranscript', () => {
  const DURATIONS = [0.2, 3, 17.5, 120];

  it.each(DURATIONS)('keeps words monotonic, inside [0, %s] and inside their segments', (duration) => {
    const t = buildTranscript(11, duration);
    expect(t.duration).toBe(duration);
    expect(t.words.length).toBeGreaterThanOrEqual(1);
    let previousEnd = 0;
    for (const w of t.words) {
      expect(w.start).toBeGreaterThanOrEqual(previousEnd);
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.end).toBeLessThanOrEqual(duration);
      expect(w.word).toMatch(/^\S+$/);
      previousEnd = w.end;
    }
    let wordIndex = 0;
    for (const s of t.segments) {
      const spoken = s.text.split(/\s+/).filter((x) => /[\p{L}\p{N}]/u.test(x));
      for (const expected of spoken) {
        const w = t.words[wordIndex++];
        expect(w?.word).toBe(expected.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''));
        expect(w!.start).toBeGreaterThanOrEqual(s.start);
        expect(w!.end).toBeLessThanOrEqual(s.end);
      }
    }
    expect(wordIndex).toBe(t.words.length);
  });

  it.each(DURATIONS)('builds Whisper-shaped segments whose text joins to the transcript (%s s)', (duration) => {
    const t = buildTranscript(12, duration);
    const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
    expect(squash(t.segments.map((s) => s.text).join(' '))).toBe(squash(t.text));
    const tokenizer = tokenizerFor('whisper-1', 'cl100k_base');
    t.segments.forEach((s, i) => {
      expect(s.id).toBe(i);
      expect(s.text.startsWith(' ')).toBe(true);
      expect(tokenizer.decode(s.tokens)).toBe(s.text);
      expect(s.seek % 3000).toBe(0);
      expect(s.seek / 100).toBeLessThanOrEqual(s.start);
      expect(s.start).toBeGreaterThanOrEqual(i === 0 ? 0 : (t.segments[i - 1] as { end: number }).end);
      expect(s.end).toBeLessThanOrEqual(duration);
      expect(s.temperature).toBe(0);
      expect(s.avg_logprob).toBeLessThan(0);
      expect(s.compression_ratio).toBeGreaterThan(0);
      expect(s.no_speech_prob).toBeGreaterThanOrEqual(0);
      expect(s.no_speech_prob).toBeLessThan(1);
    });
  });

  it('speaks about 2.5 words a second', () => {
    const t = buildTranscript(13, 120);
    expect(t.words.length / 120).toBeGreaterThan(2);
    expect(t.words.length / 120).toBeLessThan(3);
    expect(t.segments.length).toBeGreaterThan(10);
    expect(t.segments.some((s) => s.seek > 0)).toBe(true);
  });

  it.each([
    [3, '7bfcf20457011501ccd7dec859c4aafe27fa3ad430683c03f222c8d5dd1aeb71'],
    [120, 'aaeb1c416a674ed908ad47a33c8b0beebe1934c1acbdb84c1f336babe10835fe'],
    [14_395, '2c2993c291db2b7e1f37a159356878e658dc72eaa99db517534a3151480b98e5'],
  ])('is for %s s what it was before it was made in steps, in one go or in slices (SHA-256 of its JSON)', async (duration, expected) => {
    const options = { language: 'de', prompt: 'lighthouse' };
    const sha = (t: Transcript) => createHash('sha256').update(JSON.stringify(t)).digest('hex');
    expect(sha(buildTranscript(11, duration, options))).toBe(expected);
    expect(sha(await runInSlices(transcriptSteps(11, duration, options)))).toBe(expected);
  });

  it('is deterministic per seed', () => {
    expect(buildTranscript(5, 17.5)).toEqual(buildTranscript(5, 17.5));
    expect(buildTranscript(6, 17.5).text).not.toBe(buildTranscript(5, 17.5).text);
  });

  it('names the language as Whisper does', () => {
    expect(buildTranscript(1, 3).language).toBe('english');
    expect(buildTranscript(1, 3, { language: 'de' }).language).toBe('german');
    expect(languageName('pt-BR')).toBe('portuguese');
    expect(languageName('German')).toBe('german');
    expect(languageName('yue')).toBe('cantonese');
    expect(languageName('xx')).toBe('english');
  });

  it('survives degenerate durations', () => {
    for (const duration of [0, -1, Number.NaN]) {
      const t = buildTranscript(1, duration);
      expect(t.duration).toBe(0);
      expect(t.words.every((w) => w.start === 0 && w.end === 0)).toBe(true);
    }
  });
});

describe('subtitles', () => {
  const SRT_TIME = /^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$/;
  const VTT_TIME = /^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$/;

  function cues(body: string): string[][] {
    return body
      .trim()
      .split(/\n\n/)
      .map((block) => block.split('\n'));
  }

  it.each([0.2, 3, 17.5, 120])('formats srt with one numbered cue per segment (%s s)', (duration) => {
    const t = buildTranscript(21, duration);
    const srt = toSrt(t);
    expect(srt.endsWith('\n\n')).toBe(true);
    const blocks = cues(srt);
    expect(blocks).toHaveLength(t.segments.length);
    blocks.forEach((lines, i) => {
      expect(lines[0]).toBe(String(i + 1));
      expect(lines[1]).toMatch(SRT_TIME);
      expect(lines[2]).toBe(t.segments[i]?.text.trim());
    });
  });

  it.each([0.2, 3, 17.5, 120])('formats vtt with a WEBVTT header and one cue per segment (%s s)', (duration) => {
    const t = buildTranscript(22, duration);
    const vtt = toVtt(t);
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    const blocks = cues(vtt.slice('WEBVTT\n\n'.length));
    expect(blocks).toHaveLength(t.segments.length);
    blocks.forEach((lines, i) => {
      expect(lines[0]).toMatch(VTT_TIME);
      expect(lines[1]).toBe(t.segments[i]?.text.trim());
    });
  });

  it('writes exact timestamps, hours included', () => {
    const t: Transcript = {
      text: 'Hello there.',
      language: 'english',
      duration: 3725,
      words: [],
      segments: [
        {
          id: 0,
          seek: 372_000,
          start: 3723.5,
          end: 3724.0456,
          text: ' Hello there.',
          tokens: [],
          temperature: 0,
          avg_logprob: -0.2,
          compression_ratio: 1,
          no_speech_prob: 0,
        },
      ],
    };
    expect(toSrt(t)).toBe('1\n01:02:03,500 --> 01:02:04,046\nHello there.\n\n');
    expect(toVtt(t)).toBe('WEBVTT\n\n01:02:03.500 --> 01:02:04.046\nHello there.\n\n');
  });
});

function readWavHeader(bytes: Buffer) {
  expect(bytes.toString('latin1', 0, 4)).toBe('RIFF');
  expect(bytes.toString('latin1', 8, 16)).toBe('WAVEfmt ');
  expect(bytes.toString('latin1', 36, 40)).toBe('data');
  return {
    riffSize: bytes.readUInt32LE(4),
    format: bytes.readUInt16LE(20),
    channels: bytes.readUInt16LE(22),
    sampleRate: bytes.readUInt32LE(24),
    bitsPerSample: bytes.readUInt16LE(34),
    dataBytes: bytes.readUInt32LE(40),
  };
}

function pcmSamples(bytes: Buffer): number[] {
  const samples: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) samples.push(bytes.readInt16LE(i));
  return samples;
}

function rmsPerWindow(samples: number[], size: number): number[] {
  const out: number[] = [];
  for (let start = 0; start + size <= samples.length; start += size) {
    let sum = 0;
    for (let i = start; i < start + size; i++) sum += (samples[i] as number) ** 2;
    out.push(Math.sqrt(sum / size));
  }
  return out;
}

/**
 * A minimal FLAC decoder for what our encoder writes (mono 16-bit; constant, verbatim and fixed
 * subframes; Rice-coded residuals). It checks every frame's CRC-16 with a bitwise implementation,
 * independent of the encoder's table-driven one.
 */
function decodeFlac(bytes: Buffer): { sampleRate: number; samples: Int16Array; md5: Buffer } {
  const r = new BitReader(bytes);
  expect(r.read(32)).toBe(0x664c6143); // "fLaC"
  let sampleRate = 0;
  let totalSamples = 0;
  let md5: Buffer = Buffer.alloc(0);
  for (let last = 0; !last;) {
    last = r.read(1);
    const type = r.read(7);
    const length = r.read(24);
    const end = r.bytePosition + length;
    if (type === 0) {
      r.read(32); // block sizes
      r.read(24);
      r.read(24); // frame sizes
      sampleRate = r.read(20);
      expect(r.read(3)).toBe(0); // mono
      expect(r.read(5)).toBe(15); // 16 bits
      totalSamples = r.read(4) * 2 ** 32 + r.read(32);
      md5 = bytes.subarray(r.bytePosition, r.bytePosition + 16);
    }
    r.seekByte(end);
  }
  const samples = new Int16Array(totalSamples);
  let written = 0;
  while (r.bytePosition < bytes.length) {
    const frameStart = r.bytePosition;
    expect(r.read(14)).toBe(0b11111111111110);
    r.read(2);
    expect(r.read(4)).toBe(0b0111); // 16-bit block size at the end of the header
    r.read(4); // sample rate code
    expect(r.read(4)).toBe(0); // mono
    expect(r.read(3)).toBe(0b100); // 16 bits
    r.read(1);
    const lead = r.read(8);
    for (let extra = Math.clz32(~(lead << 24)) - 1; extra > 0; extra--) r.read(8); // UTF-8 frame number
    const blockSize = r.read(16) + 1;
    r.read(8); // CRC-8
    const block = decodeSubframe(r, blockSize);
    samples.set(block, written);
    written += blockSize;
    r.alignToByte();
    const crc = r.read(16);
    expect(crc16(bytes.subarray(frameStart, r.bytePosition - 2))).toBe(crc);
  }
  expect(written).toBe(totalSamples);
  return { sampleRate, samples, md5 };
}

function decodeSubframe(r: BitReader, n: number): Int16Array {
  expect(r.read(1)).toBe(0);
  const type = r.read(6);
  expect(r.read(1)).toBe(0); // no wasted bits
  const out = new Int16Array(n);
  if (type === 0) return out.fill(r.readSigned(16));
  if (type === 1) {
    for (let i = 0; i < n; i++) out[i] = r.readSigned(16);
    return out;
  }
  expect(type >> 3).toBe(1); // FIXED
  const order = type & 7;
  for (let i = 0; i < order; i++) out[i] = r.readSigned(16);
  expect(r.read(2)).toBe(0);
  const partitionOrder = r.read(4);
  const residuals: number[] = [];
  for (let p = 0; p < 1 << partitionOrder; p++) {
    const k = r.read(4);
    const count = (n >> partitionOrder) - (p === 0 ? order : 0);
    for (let i = 0; i < count; i++) {
      const u = r.readUnary() * 2 ** k + (k ? r.read(k) : 0);
      residuals.push(u % 2 ? -(u + 1) / 2 : u / 2);
    }
  }
  const coefficients = [[], [1], [2, -1], [3, -3, 1], [4, -6, 4, -1]][order] as number[];
  for (let i = order; i < n; i++) {
    let prediction = 0;
    coefficients.forEach((c, j) => (prediction += c * (out[i - 1 - j] as number)));
    out[i] = prediction + (residuals[i - order] as number);
  }
  return out;
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

class BitReader {
  private bit = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get bytePosition(): number {
    return Math.ceil(this.bit / 8);
  }

  read(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++, this.bit++) value = value * 2 + (((this.bytes[this.bit >> 3] as number) >> (7 - (this.bit & 7))) & 1);
    return value;
  }

  readSigned(count: number): number {
    const value = this.read(count);
    return value >= 2 ** (count - 1) ? value - 2 ** count : value;
  }

  readUnary(): number {
    let zeros = 0;
    while (this.read(1) === 0) zeros++;
    return zeros;
  }

  alignToByte(): void {
    this.bit = Math.ceil(this.bit / 8) * 8;
  }

  seekByte(position: number): void {
    this.bit = position * 8;
  }
}
