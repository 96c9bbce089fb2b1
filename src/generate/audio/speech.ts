import { encodeFlac } from './flac.ts';
import { encodeMp3 } from './mp3.ts';
import { SPEECH_SAMPLE_RATE, speechSamples } from './voice.ts';
import { encodePcm16le, encodeWav } from './wav.ts';

/** Text-to-speech output in OpenAI's `response_format`s. */

export type SpeechFormat = 'mp3' | 'opus' | 'aac' | 'flac' | 'wav' | 'pcm';

export const SPEECH_FORMATS: readonly SpeechFormat[] = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'];

const CONTENT_TYPES: Readonly<Record<SpeechFormat, string>> = {
  mp3: 'audio/mpeg',
  opus: 'audio/opus',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

/** The slow encoders (mp3, flac) run in slices (see encodeMp3, encodeFlac); wav and pcm are a copy. */
type Encoder = (samples: Int16Array, sampleRate: number, signal?: AbortSignal) => Buffer | Promise<Buffer>;

// Opus and AAC have no small, maintained pure-JS encoder, and faking their bytes would break clients.
const ENCODERS: Partial<Record<SpeechFormat, Encoder>> = {
  mp3: (samples, rate, signal) => encodeMp3(samples, rate, undefined, signal),
  flac: (samples, rate, signal) => encodeFlac(samples, rate, signal),
  wav: encodeWav,
  pcm: (samples) => encodePcm16le(samples),
};

/** Thrown for a format this build cannot produce; the route should answer 400 with `message`. */
export class UnsupportedAudioFormatError extends Error {
  readonly format: string;
  readonly supported: SpeechFormat[];

  constructor(format: string) {
    const supported = supportedSpeechFormats();
    super(`response_format '${format}' is not supported by this mock; use one of: ${supported.join(', ')}`);
    this.name = 'UnsupportedAudioFormatError';
    this.format = format;
    this.supported = supported;
  }
}

/** The formats this build can really produce. */
export function supportedSpeechFormats(): SpeechFormat[] {
  return SPEECH_FORMATS.filter((f) => ENCODERS[f] !== undefined);
}

export interface SpeechAudio {
  bytes: Buffer;
  contentType: string;
  durationSeconds: number;
}

export interface SpeechOptions {
  /** Stops the work at its next pause (a client that went away); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Real audio bytes of a voice-like signal, deterministic for (text, seed, format, speed). Duration
 * follows the text length (~15 chars/second at speed 1, min 0.5 s); `speed` (0.25–4, clamped)
 * divides it. Rendering the voice and encoding mp3 or flac take seconds for long inputs, so they run in
 * slices with the event loop let in between: other requests are served meanwhile. Rejects with
 * UnsupportedAudioFormatError for a format this build cannot produce.
 */
export async function synthesizeSpeech(text: string, seed: number, format: SpeechFormat, speed = 1, options: SpeechOptions = {}): Promise<SpeechAudio> {
  const encode = Object.hasOwn(ENCODERS, format) ? ENCODERS[format] : undefined;
  if (!encode) throw new UnsupportedAudioFormatError(String(format));
  const samples = await speechSamples(text, seed, speed, options.signal);
  return {
    bytes: await encode(samples, SPEECH_SAMPLE_RATE, options.signal),
    contentType: CONTENT_TYPES[format],
    durationSeconds: samples.length / SPEECH_SAMPLE_RATE,
  };
}
