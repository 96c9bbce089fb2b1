/** Audio transcriptions, one schema pair per `response_format` (never a union: a verbose body is also a plain one). */
import { type TieredSchema, arrayOf, constant, integer, number, object, string } from './common.ts';

const durationUsage = object({ type: constant('duration'), seconds: number }, ['type', 'seconds']);
const tokenUsage = object(
  {
    type: constant('tokens'),
    input_tokens: integer,
    output_tokens: integer,
    total_tokens: integer,
    input_token_details: object({ text_tokens: integer, audio_tokens: integer }),
  },
  ['type', 'input_tokens', 'output_tokens', 'total_tokens'],
);

/** `response_format: "json"` (the default). */
export const transcriptionJson: TieredSchema = {
  strict: object(
    {
      text: string,
      languages: arrayOf(object({ code: string }, ['code'])),
      logprobs: arrayOf(object({ token: string, logprob: number, bytes: arrayOf(number) })),
      usage: { oneOf: [tokenUsage, durationUsage] },
    },
    ['text'],
  ),
  lenient: object({ text: string }, ['text']),
};

const word = object({ word: string, start: number, end: number }, ['word', 'start', 'end']);
const segmentFields = {
  id: integer,
  seek: integer,
  start: number,
  end: number,
  text: string,
  tokens: arrayOf(integer),
  temperature: number,
  avg_logprob: number,
  compression_ratio: number,
  no_speech_prob: number,
};

/** `response_format: "verbose_json"`. */
export const transcriptionVerboseJson: TieredSchema = {
  strict: object(
    {
      language: string,
      duration: number,
      text: string,
      words: arrayOf(word),
      segments: arrayOf(object(segmentFields, Object.keys(segmentFields))),
      usage: durationUsage,
    },
    ['language', 'duration', 'text'],
  ),
  // Subtitle and alignment code reads the text and the timings.
  lenient: object(
    {
      language: string,
      duration: number,
      text: string,
      words: arrayOf(word),
      segments: arrayOf(object({ start: number, end: number, text: string }, ['start', 'end', 'text'])),
    },
    ['text'],
  ),
};
