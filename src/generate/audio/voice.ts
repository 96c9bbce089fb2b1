import { type Steps, runInSlices } from '../cooperative.ts';
import { Rng } from '../random.ts';

/**
 * A voice-like signal for text-to-speech: not words, but it sounds like someone talking. Each word
 * is a run of syllables; each syllable is a vowel (a harmonic series shaped by two formants) under a
 * rise-and-fall envelope, opened by a short burst of hiss for the consonant. Pitch glides within a
 * word and falls at the end of a sentence. 24 kHz mono 16-bit, like OpenAI's speech output.
 */

export const SPEECH_SAMPLE_RATE = 24_000;

const CHARS_PER_SECOND = 15;
const MIN_SECONDS = 0.5;
export const MIN_SPEED = 0.25;
export const MAX_SPEED = 4;

/** Seconds of audio for `text` at `speed`: ~15 characters a second at speed 1, never under 0.5 s. */
export function speechDurationSeconds(text: string, speed = 1): number {
  const chars = [...text.trim()].length;
  const seconds = Math.max(MIN_SECONDS, chars / CHARS_PER_SECOND / clampSpeed(speed));
  return Math.round(seconds * SPEECH_SAMPLE_RATE) / SPEECH_SAMPLE_RATE;
}

export function clampSpeed(speed: number): number {
  if (!Number.isFinite(speed)) return 1;
  return Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed));
}

/**
 * Mono 16-bit samples at SPEECH_SAMPLE_RATE of a voice "reading" `text`. Two minutes of speech take
 * ~0.2 s to render, so it runs in slices with the event loop let in between (see runInSlices);
 * `signal` stops it early.
 */
export function speechSamples(text: string, seed: number, speed = 1, signal?: AbortSignal): Promise<Int16Array> {
  return runInSlices(speechSampleSteps(text, seed, speed), signal);
}

function* speechSampleSteps(text: string, seed: number, speed: number): Steps<Int16Array> {
  const rng = new Rng(seed);
  const sampleCount = Math.round(speechDurationSeconds(text, speed) * SPEECH_SAMPLE_RATE);
  const out = new Float32Array(sampleCount);
  const voice = pickVoice(rng.fork('voice'));
  const noise = rng.fork('noise');
  for (const syllable of layoutSyllables(text, sampleCount, rng.fork('layout'))) {
    yield* renderSyllable(out, syllable, voice, noise);
  }
  return yield* toInt16(out, 0.55);
}

interface Voice {
  /** Base pitch in Hz. */
  pitch: number;
  /** How strongly a vowel's formants stand out over the plain harmonic series (0..1). */
  brightness: number;
}

function pickVoice(rng: Rng): Voice {
  return { pitch: 95 + rng.next() * 130, brightness: 0.5 + rng.next() * 0.5 };
}

interface Syllable {
  start: number;
  length: number;
  /** Pitch multipliers at the start and end of the syllable. */
  pitchFrom: number;
  pitchTo: number;
  vowel: Vowel;
  /** Share of the syllable given to the consonant hiss at its start (0 for none). */
  onset: number;
}

interface Vowel {
  f1: number;
  f2: number;
}

// Rough first and second formants of a few English vowels, in Hz.
const VOWELS: readonly Vowel[] = [
  { f1: 730, f2: 1090 },
  { f1: 530, f2: 1840 },
  { f1: 270, f2: 2290 },
  { f1: 570, f2: 840 },
  { f1: 300, f2: 870 },
  { f1: 660, f2: 1720 },
  { f1: 490, f2: 1350 },
];

interface WordPlan {
  syllables: number;
  /** Relative time the word takes when spoken. */
  weight: number;
  /** Relative silence after the word. */
  pause: number;
  endsSentence: boolean;
}

/** Spreads the words over the clip in proportion to their length, with pauses at punctuation. */
function layoutSyllables(text: string, sampleCount: number, rng: Rng): Syllable[] {
  const words = planWords(text);
  if (words.length === 0) return [];
  const edge = Math.min(0.1 * SPEECH_SAMPLE_RATE, sampleCount * 0.08);
  const totalWeight = words.reduce((sum, w) => sum + w.weight + w.pause, 0);
  const perWeight = (sampleCount - 2 * edge) / totalWeight;
  const syllables: Syllable[] = [];
  let cursor = edge;
  let sentenceStart = true;
  for (const word of words) {
    const wordLength = word.weight * perWeight;
    // A word glides between two pitches; the last word of a sentence falls.
    const from = (sentenceStart ? 1.1 : 1) + (rng.next() - 0.5) * 0.16;
    const to = word.endsSentence ? from * (0.8 + rng.next() * 0.08) : from + (rng.next() - 0.5) * 0.14;
    for (let s = 0; s < word.syllables; s++) {
      const length = wordLength / word.syllables;
      syllables.push({
        start: Math.round(cursor + s * length),
        length: Math.max(1, Math.round(length)),
        pitchFrom: lerp(from, to, s / word.syllables),
        pitchTo: lerp(from, to, (s + 1) / word.syllables),
        vowel: rng.pick(VOWELS),
        onset: rng.chance(0.6) ? 0.12 + rng.next() * 0.12 : 0,
      });
    }
    cursor += wordLength + word.pause * perWeight;
    sentenceStart = word.endsSentence;
  }
  return syllables;
}

function planWords(text: string): WordPlan[] {
  return text
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => {
      const letters = w.replace(/[^\p{L}\p{N}]/gu, '');
      const endsSentence = /[.!?]["')\]]*$/.test(w);
      const pause = endsSentence ? 5 : /[,;:]["')\]]*$/.test(w) ? 2.5 : 1;
      return { syllables: syllableCount(letters), weight: Math.max(1, [...letters].length), pause, endsSentence };
    });
}

/** Vowel groups in the word, which is close enough to syllables for a rhythm. */
function syllableCount(word: string): number {
  const groups = word.toLowerCase().match(/[aeiouyäöüéèáíóú]+/g);
  const fromVowels = groups ? groups.length : Math.ceil([...word].length / 3);
  return Math.min(6, Math.max(1, fromVowels));
}

const TABLE_SIZE = 1024;
const SINE = Float32Array.from({ length: TABLE_SIZE }, (_, i) => Math.sin((2 * Math.PI * i) / TABLE_SIZE));

/**
 * One period of the vowel's waveform: harmonics of the pitch, each weighted by how close it lies to
 * the formants. Reading it at a gliding rate gives the pitch movement at one table lookup per sample.
 */
function vowelWavetable(vowel: Vowel, pitch: number, brightness: number): Float32Array {
  const table = new Float32Array(TABLE_SIZE);
  const harmonics = Math.min(40, Math.floor(3800 / pitch));
  for (let k = 1; k <= harmonics; k++) {
    const f = k * pitch;
    const formant = Math.exp(-(((f - vowel.f1) / 160) ** 2)) + 0.6 * Math.exp(-(((f - vowel.f2) / 220) ** 2));
    const weight = (1 - brightness + brightness * formant * 3) / k;
    for (let i = 0; i < TABLE_SIZE; i++) table[i] = (table[i] as number) + weight * (SINE[(k * i) % TABLE_SIZE] as number);
  }
  let peak = 0;
  for (const v of table) peak = Math.max(peak, Math.abs(v));
  if (peak > 0) for (let i = 0; i < TABLE_SIZE; i++) table[i] = (table[i] as number) / peak;
  return table;
}

/** Samples rendered between pauses of renderSyllable (one syllable can be the whole clip): about a millisecond's work. */
const RENDER_STEP = 16_384;

function* renderSyllable(out: Float32Array, syllable: Syllable, voice: Voice, noise: Rng): Steps<void> {
  const table = vowelWavetable(syllable.vowel, voice.pitch * syllable.pitchFrom, voice.brightness);
  const end = Math.min(out.length, syllable.start + syllable.length);
  const onsetEnd = syllable.start + syllable.length * syllable.onset;
  let phase = 0;
  let lastNoise = 0;
  for (let from = syllable.start; from < end; from += RENDER_STEP) {
    const to = Math.min(end, from + RENDER_STEP);
    for (let i = from; i < to; i++) {
      const t = (i - syllable.start) / syllable.length;
      const pitch = voice.pitch * lerp(syllable.pitchFrom, syllable.pitchTo, t);
      phase = (phase + (pitch * TABLE_SIZE) / SPEECH_SAMPLE_RATE) % TABLE_SIZE;
      // The vowel swells after the consonant and fades before the next syllable.
      const voiced = Math.sin(Math.PI * t) ** 0.7 * (i < onsetEnd ? 0.3 : 1);
      let sample = voiced * tableAt(table, phase);
      if (i < onsetEnd) {
        // Differenced white noise leans towards high frequencies, like an "s" or "t".
        const white = noise.next() * 2 - 1;
        sample += 0.25 * (white - lastNoise) * Math.sin((Math.PI * (i - syllable.start)) / (onsetEnd - syllable.start));
        lastNoise = white;
      }
      out[i] = (out[i] as number) + sample;
    }
    yield;
  }
}

/** Linear interpolation between table entries; plain truncation would add audible aliasing. */
function tableAt(table: Float32Array, phase: number): number {
  const i = phase | 0;
  const next = i + 1 === TABLE_SIZE ? 0 : i + 1;
  const a = table[i] as number;
  return a + ((table[next] as number) - a) * (phase - i);
}

/** Samples converted between pauses of toInt16: well under a millisecond's work. */
const CONVERT_STEP = 16_384;

function* toInt16(signal: Float32Array, gain: number): Steps<Int16Array> {
  const pcm = new Int16Array(signal.length);
  for (let start = 0; start < signal.length; start += CONVERT_STEP) {
    const end = Math.min(signal.length, start + CONVERT_STEP);
    for (let i = start; i < end; i++) {
      const v = Math.max(-1, Math.min(1, (signal[i] as number) * gain));
      pcm[i] = Math.round(v * 32767);
    }
    yield;
  }
  return pcm;
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}
