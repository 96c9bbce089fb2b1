import { deflateSync } from 'node:zlib';
import { type Steps, runToEnd } from '../cooperative.ts';
import { Rng } from '../random.ts';
import { sentence, topicOf } from '../text.ts';
import { tokenizerFor } from '../tokens.ts';
import { languageName } from './languages.ts';

export { toSrt, toVtt } from './subtitles.ts';

/**
 * Whisper-shaped transcripts of audio we cannot hear: seeded English sentences laid over the
 * clip at a speaking pace, one segment per sentence, with word timings that add up.
 */

export interface TranscriptWord {
  word: string;
  start: number;
  end: number;
}

export interface TranscriptSegment {
  id: number;
  seek: number;
  start: number;
  end: number;
  text: string;
  tokens: number[];
  temperature: number;
  avg_logprob: number;
  compression_ratio: number;
  no_speech_prob: number;
}

export interface Transcript {
  text: string;
  language: string;
  duration: number;
  segments: TranscriptSegment[];
  words: TranscriptWord[];
}

export interface TranscriptOptions {
  /** ISO 639-1 code or English name of the spoken language; the text itself is always English. */
  language?: string;
  /** Whisper's `prompt`; a word or two of it may appear in the first sentence. */
  prompt?: string;
}

const WORDS_PER_SECOND = 2.5;
/** Whisper cuts audio into 30 s windows and reports a segment's window as `seek` in 10 ms frames. */
const WINDOW_SECONDS = 30;
const FRAMES_PER_SECOND = 100;
/** Whisper's timestamp tokens step in 20 ms. */
const SEGMENT_TIME_STEP = 0.02;

const tokenizer = tokenizerFor('whisper-1', 'cl100k_base');

/** Sentences written, timed or made into segments per step (a few hundred words: ~1 ms). */
const SENTENCES_PER_STEP = 16;

/**
 * Plausible transcript for audio of `durationSeconds`: ~2.5 words per second of speech, sentences
 * as segments, word timings monotonic within [0, duration], segment times covering the words.
 * Deterministic per (seed, duration, options).
 */
export function buildTranscript(seed: number, durationSeconds: number, options: TranscriptOptions = {}): Transcript {
  return runToEnd(transcriptSteps(seed, durationSeconds, options));
}

/**
 * buildTranscript as steps for runInSlices: four hours of audio are ~36 000 words, ~0.2 s of work
 * in one go.
 */
export function* transcriptSteps(seed: number, durationSeconds: number, options: TranscriptOptions = {}): Steps<Transcript> {
  const duration = Number.isFinite(durationSeconds) && durationSeconds > 0 ? durationSeconds : 0;
  const rng = new Rng(seed);
  const span = speechSpan(rng.fork('span'), duration);
  const targetWords = Math.max(1, Math.round((span.end - span.start) * WORDS_PER_SECOND));
  const sentences = yield* writeSentences(rng.fork('text'), targetWords, topicOf(options.prompt ?? ''));
  const timed = yield* timeWords(sentences, span, duration);
  const scores = rng.fork('scores');
  const segments: TranscriptSegment[] = [];
  for (let id = 0; id < timed.length; id++) {
    segments.push(toSegment(id, timed[id]!, duration, scores));
    if ((id + 1) % SENTENCES_PER_STEP === 0) yield;
  }
  return {
    text: segments
      .map((s) => s.text)
      .join('')
      .trim(),
    language: languageName(options.language),
    duration,
    segments,
    words: timed.flatMap((s) => s.words),
  };
}

interface Span {
  start: number;
  end: number;
}

/** Where the talking is: a little silence before and after it. */
function speechSpan(rng: Rng, duration: number): Span {
  const lead = Math.min(0.5, duration * (0.02 + 0.06 * rng.next()));
  const tail = Math.min(0.8, duration * (0.02 + 0.06 * rng.next()));
  return { start: lead, end: duration - tail };
}

/** Exactly `targetWords` words of whole sentences; the last is cut short and closed with a full stop if needed. */
function* writeSentences(rng: Rng, targetWords: number, topic: string): Steps<string[][]> {
  const sentences: string[][] = [];
  let remaining = targetWords;
  while (remaining > 0) {
    if (sentences.length > 0 && sentences.length % SENTENCES_PER_STEP === 0) yield;
    const text = remaining <= 2 ? rng.pick(SHORT_REPLIES[remaining] ?? []) : sentence(rng, sentences.length === 0 ? topic : '');
    const words = text.split(/\s+/).filter(Boolean);
    if (words.length > remaining) {
      words.length = remaining;
      words[remaining - 1] = closeSentence(words[remaining - 1] as string);
    }
    sentences.push(words);
    remaining -= words.length;
  }
  return sentences;
}

/** What a clip with room for only a word or two usually says, by word count. */
const SHORT_REPLIES: Readonly<Record<number, readonly string[]>> = {
  1: ['Okay.', 'Yes.', 'Right.', 'Hello.', 'Sure.', 'Alright.', 'Exactly.', 'No.', 'Thanks.'],
  2: ['Thank you.', 'Got it.', 'Of course.', 'I see.', 'Sounds good.', 'Hi there.'],
};

function closeSentence(word: string): string {
  return /[.!?]$/.test(word) ? word : `${word.replace(/[,;:\-–—]+$/, '')}.`;
}

interface TimedSentence {
  text: string;
  words: TranscriptWord[];
}

/** Lays the words over the span in proportion to their length, pausing longer between sentences. */
function* timeWords(sentences: string[][], span: Span, duration: number): Steps<TimedSentence[]> {
  const WORD_GAP = 0.4;
  const SENTENCE_GAP = 4;
  const weightOf = (w: string) => w.length + 1.5;
  let totalWeight = 0;
  sentences.forEach((words, s) => {
    for (const w of words) totalWeight += weightOf(w) + WORD_GAP;
    totalWeight += s < sentences.length - 1 ? SENTENCE_GAP : -WORD_GAP;
  });
  const secondsPerWeight = Math.max(0, span.end - span.start) / totalWeight;
  const at = (t: number) => Math.min(duration, Math.round(t * 100) / 100);
  let cursor = span.start;
  const out: TimedSentence[] = [];
  for (const words of sentences) {
    const timed: TranscriptWord[] = [];
    for (const w of words) {
      const end = cursor + weightOf(w) * secondsPerWeight;
      const bare = w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
      if (bare) timed.push({ word: bare, start: at(cursor), end: at(end) });
      cursor = end + WORD_GAP * secondsPerWeight;
    }
    cursor += (SENTENCE_GAP - WORD_GAP) * secondsPerWeight;
    out.push({ text: words.join(' '), words: timed });
    if (out.length % SENTENCES_PER_STEP === 0) yield;
  }
  return out;
}

function toSegment(id: number, sentence: TimedSentence, duration: number, rng: Rng): TranscriptSegment {
  const first = sentence.words[0];
  const last = sentence.words[sentence.words.length - 1];
  // Widened outwards onto Whisper's 20 ms grid, so the segment always covers its words.
  const start = first ? round(Math.floor(first.start / SEGMENT_TIME_STEP) * SEGMENT_TIME_STEP, 2) : 0;
  const end = last ? Math.min(duration, round(Math.ceil(last.end / SEGMENT_TIME_STEP) * SEGMENT_TIME_STEP, 2)) : start;
  const text = ` ${sentence.text}`;
  return {
    id,
    seek: Math.floor(start / WINDOW_SECONDS) * WINDOW_SECONDS * FRAMES_PER_SECOND,
    start,
    end,
    text,
    tokens: tokenizer.encode(text),
    temperature: 0,
    avg_logprob: -round(0.12 + 0.3 * rng.next(), 4),
    compression_ratio: compressionRatio(text),
    no_speech_prob: round(0.05 * rng.next() ** 3, 6),
  };
}

/** Whisper's repetition check: text bytes over zlib-compressed bytes. */
function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  return round(bytes.length / deflateSync(bytes).length, 4);
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
